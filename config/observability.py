"""What operations see: a metric and a log line for every request and task, no personal data in
either, and optional error reporting.

Log lines carry the view's name and the complaint reference, never the path: a private link's
path is the key to a complaint. A filter on the log handler blanks private-link tokens and e-mail
addresses in any message, whoever wrote it.
"""

import logging
import os
import re
import time

from celery.signals import task_postrun, task_prerun
from prometheus_client import CollectorRegistry, Counter, Histogram, multiprocess

request_logger = logging.getLogger("portal.request")
task_logger = logging.getLogger("portal.task")

_REGISTRY = CollectorRegistry()
REQUESTS = Counter(
    "portal_http_requests",
    "HTTP requests answered, by view, method and status.",
    ["view", "method", "status"],
    registry=_REGISTRY,
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer a request, by view.",
    ["view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=_REGISTRY,
)


def request_metrics_registry() -> CollectorRegistry:
    """This process's request metrics; under gunicorn with PROMETHEUS_MULTIPROC_DIR set, every
    worker's, summed from their files (config/gunicorn.py clears and tidies the folder)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return _REGISTRY


class RequestObservationMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        elapsed = time.perf_counter() - started
        match = getattr(request, "resolver_match", None)
        view = match.view_name if match else "unmatched"
        REQUESTS.labels(view=view, method=request.method, status=str(response.status_code)).inc()
        LATENCY.labels(view=view).observe(elapsed)
        request_logger.info(
            "%s %s %s",
            request.method,
            view,
            response.status_code,
            extra={
                "view": view,
                "method": request.method,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "reference": (match.kwargs.get("reference", "") if match else "")[:20],
            },
        )
        return response


_task_started: dict[str, float] = {}


@task_prerun.connect
def _task_started_at(task_id=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@task_postrun.connect
def _log_task(task_id=None, task=None, state=None, **kwargs):
    started = _task_started.pop(task_id, None)
    task_logger.info(
        "%s %s",
        task.name if task else "?",
        state,
        extra={
            "task": task.name if task else "",
            "task_id": task_id,
            "state": state,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
        },
    )


# --- Keeping personal data and secrets out of logs and error reports --------------------------

_PRIVATE_LINK = re.compile(r"(/complaints/link/)[^/\s'\"]+")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def redact(text: str) -> str:
    return _EMAIL.sub("<e-mail>", _PRIVATE_LINK.sub(r"\1<token>", text))


class RedactingFilter(logging.Filter):
    """Blank private-link tokens and e-mail addresses in every record's message."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def scrub_error_event(event, hint):
    """sentry-sdk's before_send: no request body, cookies, headers, query string or user, and
    the rest of the text redacted. `send_default_pii=False` already keeps most of it out."""
    request = event.get("request")
    if request:
        event["request"] = {
            "method": request.get("method"),
            "url": redact(request.get("url", "")),
        }
    event.pop("user", None)
    for exception in (event.get("exception") or {}).get("values", []):
        if exception.get("value"):
            exception["value"] = redact(exception["value"])
        for frame in (exception.get("stacktrace") or {}).get("frames", []):
            frame.pop("vars", None)  # local variables hold customers' details
    if event.get("logentry", {}).get("message"):
        event["logentry"]["message"] = redact(event["logentry"]["message"])
    return event


def start_error_reporting(dsn: str, *, environment: str) -> None:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment,
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,
        include_local_variables=False,
        max_request_body_size="never",
        before_send=scrub_error_event,
        traces_sample_rate=0,
    )
