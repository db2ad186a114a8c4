"""What operations see: liveness and readiness probes, Prometheus metrics, JSON log lines without
personal data, and error reports scrubbed of it."""

import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from complaints.inbound.receiving import receive_email
from config import health
from config.cache import ResilientRedisCache
from config.observability import redact, scrub_error_event
from escalation.models import SweepRun
from escalation.tasks import enforce_deadlines_task
from notifications.models import OutboundMessage
from notifications.tasks import deliver_message_task
from tests.complaints.factories import complaint_form_data
from tests.conftest import broker_unreachable, free_port
from tests.escalation.factories import filed_complaint

pytestmark = pytest.mark.django_db


def sweep_completed(ago: timedelta, *, completed=True):
    finished = timezone.now() - ago
    return SweepRun.objects.create(
        started_at=finished - timedelta(seconds=2),
        finished_at=finished,
        completed=completed,
        notices={"adr_letter": 1},
    )


def test_liveness_answers_whatever_the_host_and_without_the_https_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_ready_when_everything_answers_and_the_sweep_is_recent(client):
    sweep_completed(timedelta(minutes=4))
    response = client.get("/readyz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200, response.json()
    assert set(response.json()["checks"]) == {"database", "cache", "broker", "outbox", "deadline_sweep"}
    assert response.json()["ready"] is True


def test_others_learn_only_ready_or_not_never_why(client):
    response = client.get("/readyz", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 503  # the sweep has never run in this test
    assert response.json() == {"ready": False}


def test_not_ready_when_the_sweep_has_stalled_for_three_intervals(client, settings):
    sweep_completed(timedelta(seconds=3 * settings.DEADLINE_SWEEP_SECONDS + 60))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert (
        "the deadline sweep last completed 16 minutes ago"
        in response.json()["checks"]["deadline_sweep"]["detail"]
    )


def test_a_sweep_with_problems_does_not_count_as_completed(client):
    sweep_completed(timedelta(minutes=20))
    sweep_completed(timedelta(minutes=1), completed=False)
    assert client.get("/readyz").status_code == 503


def test_not_ready_before_the_sweep_has_ever_completed(client):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["deadline_sweep"]["detail"] == "the deadline sweep has never completed"


def test_not_ready_when_a_message_has_waited_more_than_fifteen_minutes(client):
    sweep_completed(timedelta(minutes=1))
    filed_complaint(acknowledged=False)
    assert client.get("/readyz").status_code == 200
    OutboundMessage.objects.update(created_at=timezone.now() - timedelta(minutes=16))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "a message has waited 16 minutes" in response.json()["checks"]["outbox"]["detail"]


def test_not_ready_when_the_broker_is_unreachable(client):
    sweep_completed(timedelta(minutes=1))
    with broker_unreachable():
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["ok"] is False


def test_not_ready_when_the_cache_is_unreachable(client, monkeypatch):
    sweep_completed(timedelta(minutes=1))
    monkeypatch.setattr(
        health,
        "cache",
        ResilientRedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 1}}),
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == {"ok": False, "detail": "the cache did not keep a value"}


NAMED_SERIES = [
    "portal_http_requests_total",
    "portal_http_request_duration_seconds_bucket",
    "portal_outbox_messages",
    "portal_webhook_deliveries",
    "portal_inbound_emails",
    "portal_outbox_oldest_waiting_age_seconds",
    "portal_complaints_overdue",
    "portal_deadline_notices_total",
    "portal_sweep_last_duration_seconds",
    "portal_sweep_last_notices",
    "portal_sweep_last_completed_age_seconds",
]


def test_metrics_expose_the_named_series_to_an_allowed_address(client):
    filed_complaint(days_ago=42)
    enforce_deadlines_task.apply()
    receive_email(b"To: complaints@localhost\r\nSubject: no sender\r\n\r\nhello\r\n", received_via="pipe")
    client.get(reverse("complaints:new"))
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    for series in NAMED_SERIES:
        assert f"\n{series}" in body, series
    assert 'portal_deadline_notices_total{kind="adr_letter"} 1.0' in body
    assert 'portal_http_requests_total{method="GET",status="200",view="complaints:new"}' in body
    assert 'portal_complaints_overdue{clock="adr_letter"}' in body
    assert 'portal_inbound_emails{outcome="quarantined"} 1.0' in body
    assert 'portal_webhook_deliveries{status="failed"} 0.0' in body


def test_metrics_are_hidden_from_other_addresses_unless_they_bring_the_token(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    settings.METRICS_TOKEN = "s3cret-scrape-token-of-forty-characters!!"
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code
        == 404
    )
    allowed = client.get(
        "/metrics",
        REMOTE_ADDR="203.0.113.9",
        HTTP_AUTHORIZATION="Bearer s3cret-scrape-token-of-forty-characters!!",
    )
    assert allowed.status_code == 200


def json_lines(caplog, logger_name):
    handler = logging.getLogger().handlers[0]
    return [json.loads(handler.format(record)) for record in caplog.records if record.name == logger_name]


def test_each_request_logs_one_json_line_with_the_view_and_reference_but_no_personal_data(client, caplog):
    caplog.set_level(logging.INFO)
    filed = client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    reference = client.session["just_filed"]
    page = filed.content.decode()
    token = page.split("/complaints/link/")[1].split("/")[0]
    client.get(reverse("complaints:tracking_link", args=[token]))
    client.get(reverse("complaints:detail", args=[reference]))
    client.get(reverse("complaints:tracking_link", args=[token[:-2] + "xx"]))  # a bad link: Django logs 404s

    lines = json_lines(caplog, "portal.request")
    detail = [line for line in lines if line["view"] == "complaints:detail"]
    assert detail
    assert detail[0]["reference"] == reference
    assert detail[0]["status"] == 200
    assert {"time", "level", "logger", "message", "method", "status", "duration_ms"} <= set(detail[0])
    everything = "\n".join(record.getMessage() for record in caplog.records)
    for secret in (token, token[:-2], complaint_form_data()["email"], complaint_form_data()["customer_name"]):
        assert secret not in everything


def formatted_lines(caplog) -> str:
    """Every record as the production handler writes it (its filter, then its JSON formatter)."""
    handler = logging.getLogger().handlers[0]
    return "\n".join(handler.format(record) for record in caplog.records if handler.filter(record))


def test_django_s_own_warning_and_error_lines_carry_no_link_token_query_or_traceback_secret(
    client, caplog, monkeypatch
):
    caplog.set_level(logging.INFO)
    filed = client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    token = filed.content.decode().split("/complaints/link/")[1].split("/")[0]
    link = reverse("complaints:tracking_link", args=[token])

    Client(enforce_csrf_checks=True).post(link)  # 403: django.security.csrf logs the request
    client.get(reverse("complaints:track") + "?email=zoe%40example.com&reference=x", HTTP_X_NOTHING="1")

    def database_gone(token):
        raise OperationalError(f"could not look up {token} for zoe@example.com")

    monkeypatch.setattr("complaints.views.access_complaint_by_tracking_token", database_gone)
    client.raise_request_exception = False
    assert client.get(link).status_code == 503  # django.request logs the error with its traceback

    lines = formatted_lines(caplog)
    assert "Forbidden (CSRF" in lines
    assert "Service Unavailable" in lines
    assert "Traceback" in lines  # the traceback is kept, redacted
    for secret in (token, token.split(":")[0], "zoe@example.com", "zoe%40example.com"):
        assert secret not in lines, secret


def test_the_record_keeps_its_exception_for_error_reporting_and_only_the_output_is_redacted():
    handler = logging.getLogger().handlers[0]
    try:
        raise ValueError("no link for zoe@example.com at /complaints/link/NS-AB12-CD34.key:1x:sig/")
    except ValueError:
        record = logging.getLogger("portal.test").makeRecord(
            "portal.test", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    assert handler.filter(record)
    output = handler.format(record)
    assert record.exc_info is not None  # Sentry's logging integration reads it after the handlers
    assert "ValueError" in output
    assert "zoe@example.com" not in output
    assert "NS-AB12-CD34.key" not in output


def test_a_malformed_logging_call_does_not_break_the_caller():
    """The filter runs in the caller (a view, a task): it must not raise where logging would only
    report the error."""
    handler = logging.getLogger().handlers[0]
    record = logging.getLogger("portal.test").makeRecord(
        "portal.test", logging.WARNING, __file__, 1, "two %s %s", ("one",), None
    )
    assert handler.filter(record)


def test_each_task_logs_a_line(caplog):
    caplog.set_level(logging.INFO)
    enforce_deadlines_task.apply()
    [line] = json_lines(caplog, "portal.task")
    assert line["task"] == "escalation.tasks.enforce_deadlines_task"
    assert line["state"] == "SUCCESS"
    assert line["duration_ms"] >= 0


def test_a_delivery_task_s_line_carries_the_complaint_reference(caplog):
    caplog.set_level(logging.INFO)
    complaint = filed_complaint(acknowledged=False)
    message = OutboundMessage.objects.get(reference=complaint.reference)
    deliver_message_task.apply(args=[message.pk])
    [line] = json_lines(caplog, "portal.task")
    assert line["task"] == "notifications.tasks.deliver_message_task"
    assert line["reference"] == complaint.reference


def test_invented_request_methods_do_not_invent_metric_series(client):
    for method in ("EVIL1", "EVIL2", "GET"):
        client.generic(method, reverse("complaints:new"))
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "EVIL" not in body
    assert 'method="other"' in body


def test_redaction_blanks_private_links_and_e_mail_addresses():
    assert redact("Not Found: /complaints/link/NS-AB12.x:1abc:sig/ for zoe.o+b@example.co.uk") == (
        "Not Found: /complaints/link/<token>/ for <e-mail>"
    )


def test_error_reports_carry_no_request_data_user_or_local_variables():
    event = {
        "request": {
            "method": "POST",
            "url": "https://portal/complaints/link/secret-token/",
            "data": {"customer_name": "Zoë"},
            "cookies": {"sessionid": "x"},
            "headers": {"Cookie": "sessionid=x"},
            "query_string": "email=zoe@example.com",
        },
        "user": {"email": "zoe@example.com"},
        "exception": {
            "values": [
                {
                    "value": "bad address zoe@example.com",
                    "stacktrace": {"frames": [{"vars": {"email": "zoe@x.com"}}]},
                }
            ]
        },
    }
    scrubbed = scrub_error_event(event, {})
    assert scrubbed["request"] == {"method": "POST", "url": "https://portal/complaints/link/<token>/"}
    assert "user" not in scrubbed
    assert scrubbed["exception"]["values"][0]["value"] == "bad address <e-mail>"
    assert "vars" not in scrubbed["exception"]["values"][0]["stacktrace"]["frames"][0]


def test_error_reporting_starts_only_with_a_dsn_and_never_sends_personal_data():
    code = (
        "import django; django.setup(); import sentry_sdk; client = sentry_sdk.get_client(); "
        'print(client.is_active(), client.options["send_default_pii"], getattr(client.options["before_send"], "__name__", None))'
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    without = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert without.stdout.split()[0] == "False"
    env["SENTRY_DSN"] = "https://public@o0.ingest.example.invalid/1"
    with_dsn = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert with_dsn.stdout.split() == ["True", "False", "scrub_error_event"]


def test_gunicorns_workers_are_summed_in_one_scrape(database_url, tmp_path):
    """Production's multiprocess set-up (config/gunicorn.py): whichever worker answers the scrape
    reports every worker's requests."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
        "WEB_CONCURRENCY": "3",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        "config/gunicorn.py",
        "--bind",
        f"127.0.0.1:{port}",
        "config.wsgi",
    ]
    server = subprocess.Popen(
        command, cwd=settings.BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.2)
        for _ in range(30):
            urllib.request.urlopen(f"{base}/complaints-code/", timeout=10).read()
        body = urllib.request.urlopen(f"{base}/metrics", timeout=10).read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
    served = [
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith("portal_http_requests_total{") and 'view="complaints_code"' in line
    ]
    assert sum(served) == 30, body
    assert len(list((tmp_path / "metrics").glob("*.db"))) >= 2  # more than one worker wrote them
