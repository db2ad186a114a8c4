"""/healthz, /readyz and /metrics: what an orchestrator, a load balancer and Prometheus ask.

Answered by a middleware at the top of the stack, before the host check, the HTTPS redirect and
the session: a probe from inside the container network gets its answer whatever Host it sends.
"""

import hmac
import ipaddress
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from complaints import selectors as complaint_selectors
from config.celery import app as celery_app
from config.client_address import client_address
from config.observability import request_metrics_registry
from escalation import selectors as escalation_selectors
from integrations import selectors as integration_selectors
from notifications import selectors as outbox_selectors

# /readyz fails when a message has waited this long, or the sweep has not completed for this many
# of its intervals: either means customers are not being told what they are owed.
MESSAGE_WAITING_TOO_LONG = timedelta(minutes=15)
SWEEP_INTERVALS_BEFORE_STALE = 3


class HealthEndpointsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == "/healthz":
            return HttpResponse("ok\n", content_type="text/plain")  # liveness: the process answers
        if request.path == "/readyz":
            return readiness_response(detailed=is_operator(request))
        if request.path == "/metrics":
            return metrics_response(request)
        return self.get_response(request)


def readiness_response(*, detailed: bool) -> JsonResponse:
    """200 or 503 for anyone (a container's health check); which check failed, and why, only for
    the operators' networks or token: error texts name hosts and ports."""
    checks = {
        "database": _check(_database),
        "cache": _check(_cache),
        "broker": _check(_broker),
    }
    if checks["database"]["ok"]:
        checks["outbox"] = _check(_outbox)
        checks["deadline_sweep"] = _check(_deadline_sweep)
    ready = all(check["ok"] for check in checks.values())
    body = {"ready": ready, "checks": checks} if detailed else {"ready": ready}
    return JsonResponse(body, status=200 if ready else 503)


def _check(probe) -> dict:
    try:
        problem = probe()
    except Exception as error:  # any failure to answer is the answer
        problem = f"{type(error).__name__}: {str(error).strip()[:200]}"
    return {"ok": not problem, "detail": problem or "ok"}


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return ""


def _cache() -> str:
    # The cache fails soft (config/cache.py), so ask it to give back what it was just given.
    token = secrets.token_hex(8)
    cache.set("readyz", token, 30)
    return "" if cache.get("readyz") == token else "the cache did not keep a value"


def _broker() -> str:
    with celery_app.connection_for_write() as broker:
        broker.ensure_connection(max_retries=1, timeout=3)
        _ = broker.default_channel  # Redis connects lazily: opening a channel sends its PING
    return ""


def _outbox() -> str:
    waited = outbox_selectors.oldest_waiting_message_age()
    if waited is not None and waited > MESSAGE_WAITING_TOO_LONG:
        return f"a message has waited {int(waited.total_seconds() // 60)} minutes to be sent"
    return ""


def _deadline_sweep() -> str:
    _, completed = escalation_selectors.latest_sweep_runs()
    if completed is None:
        return "the deadline sweep has never completed"
    limit = timedelta(seconds=SWEEP_INTERVALS_BEFORE_STALE * settings.DEADLINE_SWEEP_SECONDS)
    age = timezone.now() - completed.finished_at
    if age > limit:
        return f"the deadline sweep last completed {int(age.total_seconds() // 60)} minutes ago"
    return ""


# --- Metrics ----------------------------------------------------------------------------------


def metrics_response(request) -> HttpResponse:
    """Prometheus text format; only for the configured networks or the bearer token."""
    if not is_operator(request):
        return HttpResponse("Not found.\n", status=404, content_type="text/plain")
    registry = CollectorRegistry()
    registry.register(PortalCollector())
    body = request_metrics() + generate_latest(registry)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


def is_operator(request) -> bool:
    """From METRICS_ALLOWED_NETWORKS (as config/client_address.py sees the client), or with the token."""
    token = settings.METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode()):
        return True
    address = ipaddress.ip_address(client_address(request))
    return any(address in network for network in settings.METRICS_ALLOWED_NETWORKS)


def request_metrics() -> bytes:
    """This process's request counters, or every gunicorn worker's in multiprocess mode."""
    return generate_latest(request_metrics_registry())


class PortalCollector:
    """Read at scrape time from the database, so every process reports the same figures."""

    def collect(self):
        try:
            outbox = outbox_selectors.outbox_counts()
            waited = outbox_selectors.oldest_waiting_message_age()
            overdue = escalation_selectors.overdue_by_clock(today=timezone.localdate())
            notices = escalation_selectors.deadline_notices_by_kind()
            latest, completed = escalation_selectors.latest_sweep_runs()
            emails = complaint_selectors.inbound_email_counts()
            webhooks = integration_selectors.webhook_delivery_counts()
        except DatabaseError:
            yield GaugeMetricFamily("portal_database_up", "The database answered the scrape.", value=0)
            return
        yield GaugeMetricFamily("portal_database_up", "The database answered the scrape.", value=1)
        yield _by_label(
            GaugeMetricFamily, "portal_outbox_messages", "Outbox rows by status.", "status", outbox
        )
        yield _by_label(
            GaugeMetricFamily,
            "portal_inbound_emails",
            "E-mails received, by what became of them (quarantined: waiting for staff).",
            "outcome",
            emails,
        )
        yield _by_label(
            GaugeMetricFamily,
            "portal_webhook_deliveries",
            "Webhook deliveries by status (failed: tried WEBHOOK_ATTEMPTS times; a manager sends them again).",
            "status",
            webhooks,
        )
        yield GaugeMetricFamily(
            "portal_outbox_oldest_waiting_age_seconds",
            "How long the oldest message still to be sent has waited (0: none waits).",
            value=waited.total_seconds() if waited else 0,
        )
        yield _by_label(
            GaugeMetricFamily,
            "portal_complaints_overdue",
            "Complaints whose next deadline has passed, by clock.",
            "clock",
            overdue,
        )
        yield _by_label(
            CounterMetricFamily,
            "portal_deadline_notices",
            "Notices the deadline sweep has sent, by kind.",
            "kind",
            notices,
        )
        if latest is not None:
            yield GaugeMetricFamily(
                "portal_sweep_last_duration_seconds",
                "How long the latest deadline sweep took.",
                value=(latest.finished_at - latest.started_at).total_seconds(),
            )
            yield _by_label(
                GaugeMetricFamily,
                "portal_sweep_last_notices",
                "Notices the latest deadline sweep queued, by kind.",
                "kind",
                latest.notices,
            )
        if completed is not None:
            yield GaugeMetricFamily(
                "portal_sweep_last_completed_age_seconds",
                "Seconds since the deadline sweep last completed without a problem.",
                value=(timezone.now() - completed.finished_at).total_seconds(),
            )


def _by_label(family_class, name: str, documentation: str, label: str, counts: dict):
    """One metric family with a sample per key of `counts`."""
    family = family_class(name, documentation, labels=[label])
    for key, count in counts.items():
        family.add_metric([key], count)
    return family
