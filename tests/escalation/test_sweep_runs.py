"""The sweep as operators run it: one at a time, recorded, and reporting every failed step
instead of dying with a traceback."""

import psycopg2
import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from escalation import sweep
from escalation.models import DeadlineNotice, Escalation, SweepRun
from escalation.roles import COMPLAINTS_MANAGERS
from escalation.working_days import add_working_days
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import filed_complaint
from tests.escalation.test_sweep import at, referred_complaint

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the advisory lock is PostgreSQL's; SQLite (make run's one beat) has no second sweep to stop",
)


@pytest.fixture
def manager():
    staff = StaffUserFactory(email="mei@netservers.co.uk")
    staff.groups.add(Group.objects.get(name=COMPLAINTS_MANAGERS))
    return staff


def test_a_run_is_recorded_with_its_notices_by_kind():
    filed_complaint(days_ago=42)
    report = sweep.run_deadline_sweep()
    run = SweepRun.objects.get()
    assert run.completed
    assert run.notices["adr_letter"] == report.adr_letters == 1
    assert all(count >= 0 for count in run.notices.values())
    assert run.finished_at >= run.started_at


def test_the_run_counts_each_kind_of_notice_once():
    complaint = referred_complaint(days_ago=30)
    due = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    report = sweep.run_deadline_sweep(now=at(add_working_days(due, 3)))
    run = SweepRun.objects.get()
    assert run.notices["md_alert"] == report.md_alerts == 1
    assert run.notices["overdue_alert"] == report.overdue_alerts
    assert all(count >= 0 for count in run.notices.values())


@on_postgresql
def test_a_second_sweep_while_one_runs_does_nothing_and_says_so(caplog):
    """Two beats (a common mistake) must not split the staff e-mails into two partial halves."""
    filed_complaint(days_ago=42)
    settings = connection.settings_dict
    other = psycopg2.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        dbname=settings["NAME"],
    )
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s)", [sweep.SWEEP_LOCK_KEY])
        report = sweep.run_deadline_sweep()
        with other.cursor() as cursor:
            # Released before the session ends: the server frees a closed session's locks a moment
            # after the close returns, and the sweep below must find the lock free (a full run
            # failed once on that moment).
            cursor.execute("SELECT pg_advisory_unlock(%s)", [sweep.SWEEP_LOCK_KEY])
    finally:
        other.close()

    assert report.skipped
    assert "another sweep is running" in caplog.text
    assert not DeadlineNotice.objects.exists()
    assert not SweepRun.objects.exists()
    assert sweep.run_deadline_sweep().adr_letters == 1


def test_a_failing_step_is_reported_and_the_others_still_run(monkeypatch, manager):
    filed_complaint(days_ago=42)
    filed_complaint(days_ago=9)

    def database_gone(report):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(sweep, "_alert_failed_deliveries", database_gone)
    report = sweep.run_deadline_sweep()

    assert report.adr_letters == 1
    assert report.overdue_alerts >= 1
    assert report.problems == [
        "alerting staff to failed deliveries failed: OperationalError: server closed the connection unexpectedly"
    ]
    assert not SweepRun.objects.get().completed


def test_the_command_exits_non_zero_with_a_summary_not_a_traceback(monkeypatch, capsys):
    filed_complaint(days_ago=42)

    def database_gone(**kwargs):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(sweep, "_send_daily_digest", database_gone)
    with pytest.raises(CommandError) as failure:
        call_command("enforce_deadlines")
    assert "the daily digest failed: OperationalError: could not connect to server" in str(failure.value)
    output = capsys.readouterr().out
    assert "ADR letters queued: 1" in output
    assert "PROBLEM: the daily digest failed" in output
    assert OutboundMessage.objects.filter(template_key="adr_letter").count() == 1
