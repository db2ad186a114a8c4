"""The deadline sweep: what it sends, to whom, and that it never sends anything twice."""

import os
import subprocess
import sys
from datetime import datetime, time, timedelta

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import OperationalError
from django.utils import timezone

from complaints.models import Complaint
from escalation import services, sweep
from escalation.models import DeadlineNotice, Escalation
from escalation.roles import COMPLAINTS_MANAGERS, MANAGING_DIRECTOR
from escalation.tasks import enforce_deadlines_task
from escalation.working_days import LONDON, add_working_days
from notifications.delivery import deliver_message
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory, pdf_upload
from tests.escalation.factories import conclusion, filed_complaint

pytestmark = pytest.mark.django_db

Kind = DeadlineNotice.Kind


def at(day, hour=10):
    """A moment on `day` in UK time (the sweep's `now`)."""
    return datetime.combine(day, time(hour, 0), tzinfo=LONDON)


def days_from_today(days, hour=10):
    return at(timezone.localdate() + timedelta(days=days), hour)


@pytest.fixture
def managers():
    group = Group.objects.get(name=COMPLAINTS_MANAGERS)  # made by setup_roles after migrate
    manager = StaffUserFactory(username="manager", email="manager@netservers.example")
    manager.groups.add(group)
    director = StaffUserFactory(username="director", email="md@netservers.example")
    director.groups.add(Group.objects.get(name=MANAGING_DIRECTOR))
    return manager, director


def messages(template_key, **filters):
    return list(OutboundMessage.objects.filter(template_key=template_key, **filters))


def test_an_unresolved_complaint_gets_its_adr_letter_on_day_42_at_stage_one_and_only_once():
    complaint = filed_complaint()
    eligible = Escalation.objects.get(pk=complaint.pk).adr_eligible_on
    assert sweep.enforce_deadlines(now=at(eligible - timedelta(days=1))).adr_letters == 0
    report = sweep.enforce_deadlines(now=at(eligible))
    assert report.adr_letters == 1
    [letter] = messages("adr_letter")
    assert letter.channel == OutboundMessage.Channel.EMAIL
    scheme = settings.ADR_SCHEME
    for required in (
        scheme["name"],
        scheme["phone"],
        scheme["email"],
        scheme["web"],
        scheme["address_lines"][1],
    ):
        assert required in letter.body_text
    assert "free and independent" in letter.body_text
    assert complaint.reference in letter.body_text
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert escalation.period_letter_queued_at is not None
    assert escalation.adr_letter_sent_at is None  # written, not yet sent
    assert escalation.stage == 1  # not gated on stages 2 and 3

    deliver_message(message_id=letter.pk)
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert escalation.adr_letter_sent_at is not None
    assert escalation.adr_letter_channel == "email"
    assert escalation.adr_window_ends == eligible.replace(year=eligible.year + 1)
    assert f"until {escalation.adr_window_ends:%-d %B %Y}" in letter.body_text

    again = sweep.enforce_deadlines(now=at(eligible))
    assert again.adr_letters == 0
    assert len(messages("adr_letter")) == 1


def test_deadlock_on_day_three_sends_the_deadlock_letter_that_day():
    complaint = filed_complaint(days_ago=3, reply_preference=Complaint.ReplyPreference.LETTER)
    services.declare_deadlock(complaint=complaint, by=StaffUserFactory(), final_position="No more.")
    assert sweep.enforce_deadlines().adr_letters == 1
    [letter] = messages("adr_letter")
    assert letter.channel == OutboundMessage.Channel.LETTER  # the customer chose letters
    assert "final position" in letter.body_text


def test_a_complaint_resolved_on_day_41_gets_no_letter():
    complaint = filed_complaint(days_ago=41)
    agent = StaffUserFactory()
    services.propose_resolution(complaint=complaint, by=agent, resolution="Refund")
    services.record_customer_acceptance(complaint=complaint, by=agent, **conclusion())
    assert sweep.enforce_deadlines(now=days_from_today(1)).adr_letters == 0
    assert not messages("adr_letter")


def test_a_scope_reason_never_suppresses_the_adr_letter():
    complaint = filed_complaint(days_ago=42)
    services.propose_resolution(
        complaint=complaint,
        by=StaffUserFactory(),
        resolution="A regional outage",
        scope_reason=Escalation.ScopeReason.MAJOR_INCIDENT,
    )
    assert sweep.enforce_deadlines().adr_letters == 1


def test_a_blank_scheme_field_holds_the_letter_back_and_says_so(settings):
    filed_complaint(days_ago=43)
    settings.ADR_SCHEME = {**settings.ADR_SCHEME, "phone": ""}
    report = sweep.enforce_deadlines()
    assert report.adr_letters == 0
    assert "phone is blank" in report.problems[0]
    assert not DeadlineNotice.objects.filter(kind=Kind.ADR_LETTER).exists()  # nothing claimed
    settings.ADR_SCHEME = {**settings.ADR_SCHEME, "phone": "0330 440 1614"}
    assert sweep.enforce_deadlines().adr_letters == 1


def test_a_phone_customer_gets_the_letter_in_writing_and_a_call_task():
    filed_complaint(days_ago=42, reply_preference=Complaint.ReplyPreference.PHONE)
    sweep.enforce_deadlines()
    assert {m.channel for m in messages("adr_letter")} == {"email", "call"}


def referred_complaint(days_ago=0, assigned_to=None):
    complaint = filed_complaint(days_ago=days_ago)
    complaint.assigned_to = assigned_to
    complaint.save()
    services.propose_resolution(complaint=complaint, by=StaffUserFactory(), resolution="Credit")
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.LETTER,
        reply_preference=Complaint.ReplyPreference.EMAIL,
        received_on=timezone.localdate() - timedelta(days=days_ago),
        by=StaffUserFactory(),
    )
    return complaint


def test_stage_two_reminders_go_to_the_assignee_two_working_days_before_and_on_the_day(managers):
    agent = StaffUserFactory(email="agent@netservers.example")
    complaint = referred_complaint(assigned_to=agent)
    due = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    two_before = next(
        day
        for day in (due - timedelta(days=offset) for offset in range(1, 10))
        if add_working_days(day, 2) == due
    )
    assert sweep.enforce_deadlines(now=at(two_before)).reminders == 1
    assert sweep.enforce_deadlines(now=at(due)).reminders == 1
    reminders = messages("deadline_reminder")
    assert [m.recipient_email for m in reminders] == ["agent@netservers.example"] * 2
    assert complaint.reference in reminders[0].body_text
    assert sweep.enforce_deadlines(now=at(due)).reminders == 0


def test_an_unassigned_reminder_goes_to_the_complaints_managers(managers):
    complaint = referred_complaint()
    due = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    sweep.enforce_deadlines(now=at(due))
    assert [m.recipient_email for m in messages("deadline_reminder")] == ["manager@netservers.example"]


def test_overdue_clocks_alert_the_managers_once_in_one_message(managers):
    late = [filed_complaint(days_ago=days) for days in (6, 7, 8)]
    report = sweep.enforce_deadlines()
    assert report.overdue_alerts == 3
    [alert] = messages("overdue_alert")
    assert alert.recipient_email == "manager@netservers.example"
    for complaint in late:
        assert complaint.reference in alert.body_text
    assert sweep.enforce_deadlines().overdue_alerts == 0


def test_a_stage_two_response_three_working_days_late_is_brought_to_the_managing_director(managers):
    complaint = referred_complaint(days_ago=30)
    due = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    sweep.enforce_deadlines(now=at(add_working_days(due, 2)))
    assert not messages("md_overdue_alert")
    report = sweep.enforce_deadlines(now=at(add_working_days(due, 3)))
    assert report.md_alerts == 1
    [alert] = messages("md_overdue_alert")
    assert alert.recipient_email == "md@netservers.example"
    assert complaint.reference in alert.body_text


def test_the_daily_digest_goes_once_a_day_from_its_hour(managers, settings):
    settings.DEADLINE_DIGEST_HOUR = 7
    filed_complaint(days_ago=10)
    assert sweep.enforce_deadlines(now=days_from_today(0, hour=6)).digests == 0
    assert sweep.enforce_deadlines(now=days_from_today(0, hour=8)).digests == 1
    assert sweep.enforce_deadlines(now=days_from_today(0, hour=9)).digests == 0
    [digest] = messages("daily_digest")
    assert "Stage 1: Direct contact" in digest.body_text
    assert "overdue" in digest.body_text


def test_a_message_that_keeps_failing_alerts_the_managers_once(managers):
    complaint = filed_complaint()
    message = OutboundMessage.objects.get(reference=complaint.reference)
    OutboundMessage.objects.filter(pk=message.pk).update(
        status=OutboundMessage.Status.FAILED, last_error="550 no such user"
    )
    assert sweep.enforce_deadlines().failed_delivery_alerts == 1
    assert sweep.enforce_deadlines().failed_delivery_alerts == 0
    [alert] = messages("delivery_failed_alert")
    assert "550 no such user" in alert.body_text


def test_a_sweep_that_dies_mid_batch_leaves_nothing_claimed_and_the_next_one_sends(monkeypatch):
    filed_complaint(days_ago=42)

    def broken(messages):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(sweep, "queue_notifications", broken)
    with pytest.raises(RuntimeError):
        sweep.enforce_deadlines()
    assert not DeadlineNotice.objects.exists()
    assert Escalation.objects.get().adr_letter_sent_at is None
    monkeypatch.undo()
    assert sweep.enforce_deadlines().adr_letters == 1


def test_the_task_delivered_twice_sends_once():
    filed_complaint(days_ago=42)
    enforce_deadlines_task.apply()
    enforce_deadlines_task.apply()
    assert len(messages("adr_letter")) == 1


def test_the_command_prints_what_it_did(capsys):
    filed_complaint(days_ago=42)
    call_command("enforce_deadlines")
    assert "ADR letters queued: 1" in capsys.readouterr().out


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_in_two_processes_at_once_send_each_letter_once(database_url, tmp_path):
    complaints = [filed_complaint(days_ago=42 + days) for days in range(30)]
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "1",
        "EMAIL_URL": f"filemail:///{tmp_path / 'mail'}",
    }
    command = [sys.executable, "manage.py", "enforce_deadlines"]
    # Output to files, not pipes: a process blocked on a full pipe while it holds SQLite's write
    # lock would stall the other one.
    logs = [tmp_path / f"sweep-{n}.log" for n in range(2)]
    processes = []
    for log in logs:
        with log.open("w") as output:
            processes.append(
                subprocess.Popen(
                    command, cwd=settings.BASE_DIR, env=env, stdout=output, stderr=subprocess.STDOUT
                )
            )
    for process in processes:
        process.wait(timeout=120)
    outputs = [log.read_text() for log in logs]
    assert [process.returncode for process in processes] == [0, 0], outputs
    letters = OutboundMessage.objects.filter(template_key="adr_letter")
    assert letters.count() == len(complaints), outputs
    assert sorted(letters.values_list("reference", flat=True)) == sorted(c.reference for c in complaints)
    assert DeadlineNotice.objects.filter(kind=Kind.ADR_LETTER).count() == len(complaints)
    sent = [
        int(line.rsplit(" ", 1)[1])
        for output in outputs
        for line in output.splitlines()
        if line.startswith("ADR letters queued")  # the command's own lines, not the JSON log's
    ]
    assert sum(sent) == len(complaints), outputs


def test_escalation_events_notify_the_customer_with_the_ombudsman_paragraph():
    agent = StaffUserFactory()
    complaint = referred_complaint()
    [referral] = messages("referral_received")
    due = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    assert f"by {due:%A %-d %B %Y}" in referral.subject
    assert settings.ADR_SCHEME["name"] in referral.body_text
    services.record_stage_two_response(
        complaint=complaint, by=agent, response="Our answer.", document=pdf_upload()
    )
    services.request_md_review(complaint=complaint)
    services.record_md_decision(complaint=complaint, by=agent, decision="Final: a £50 credit.")
    [final] = messages("md_decision")
    assert "This is our final response" in final.body_text
    assert "You can go to it now" in final.body_text
    assert len(messages("written_response_sent")) == 1
    assert len(messages("md_review_requested")) == 1


def test_a_batch_the_database_cannot_finish_is_left_whole_for_the_next_sweep(monkeypatch):
    filed_complaint(days_ago=42)

    def database_gone(messages):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(sweep, "queue_notifications", database_gone)
    report = sweep.enforce_deadlines()
    assert "left for the next sweep" in report.problems[0]
    assert not DeadlineNotice.objects.exists()
    monkeypatch.undo()
    assert sweep.enforce_deadlines().adr_letters == 1
