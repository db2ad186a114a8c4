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
from pythonjsonlogger.json import JsonFormatter

request_logger = logging.getLogger("portal.request")
task_logger = logging.getLogger("portal.task")

KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

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
        # Labels only from closed sets: a client inventing methods must not invent series.
        method = request.method if request.method in KNOWN_METHODS else "other"
        REQUESTS.labels(view=view, method=method, status=str(response.status_code)).inc()
        LATENCY.labels(view=view).observe(elapsed)
        request_logger.info(
            "%s %s %s",
            request.method,
            view,
            response.status_code,
            extra={
                "view": view,
                "method": method,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "reference": (match.kwargs.get("reference", "") if match else "")[:20],
                # An API request names its key by prefix (not secret), never the key itself.
                "api_key": getattr(getattr(request, "auth", None), "prefix", ""),
            },
        )
        return response


_task_started: dict[str, float] = {}


@task_prerun.connect
def _task_started_at(task_id=None, **kwargs):
    _task_started[task_id] = time.perf_counter()


@task_postrun.connect
def _log_task(task_id=None, task=None, state=None, retval=None, **kwargs):
    """A line per task; a task about one complaint returns {"reference": …}, and the line carries it."""
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
            "reference": str(retval.get("reference", ""))[:100] if isinstance(retval, dict) else "",
        },
    )


# --- Keeping personal data and secrets out of logs and error reports --------------------------

_PRIVATE_LINK = re.compile(r"(/complaints/link/)[^/\s'\"]+")
# A private link's token, wherever it appears: the reference, then the signed key and timestamp.
_TOKEN = re.compile(r"\b(NS-[0-9A-Z]{4}-[0-9A-Z]{4})\.[\w-]+:[\w-]+:[\w-]+")
# Bounded pieces: an unbounded pattern backtracks quadratically over a long run of word characters
# (an attacker's path in a "Not Found" line).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}(?:@|%40)[\w-]{1,63}(?:\.[\w-]{1,63}){1,10}")


def redact(text: str) -> str:
    text = _PRIVATE_LINK.sub(r"\1<token>", text)
    return _EMAIL.sub("<e-mail>", _TOKEN.sub(r"\1.<token>", text))


class RedactingFilter(logging.Filter):
    """Blank private-link tokens and e-mail addresses in every record's message, and replace the
    request Django attaches to its own records (its repr is the full path and query string: a
    private link, an e-mail address searched for) with its method alone. Tracebacks are redacted
    by the formatters below, so the record's exception stays whole for error reporting."""

    def filter(self, record):
        try:
            message = record.getMessage()
        except Exception:  # a malformed logging call: leave it to the handler's own error report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        request = getattr(record, "request", None)
        if request is not None and not isinstance(request, str):
            record.request = getattr(request, "method", "") or ""
        return True


class RedactingJsonFormatter(JsonFormatter):
    def formatException(self, ei):
        return redact(super().formatException(ei))


class RedactingTextFormatter(logging.Formatter):
    def formatException(self, ei):
        return redact(super().formatException(ei))


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
