"""The deadline sweep with a real Celery worker and beat on the real broker (Redis in CI)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from escalation.models import DeadlineNotice, Escalation
from escalation.sweep import enforce_deadlines
from notifications.models import OutboundMessage
from notifications.selectors import REQUEUE_AFTER
from notifications.tasks import requeue_pending_messages_task
from tests.complaints.factories import StaffUserFactory
from tests.conftest import broker_unreachable, wait_for
from tests.escalation.factories import filed_complaint, referral_with_a_reminder_due_today

pytestmark = pytest.mark.worker


def test_beat_runs_the_sweep_and_the_worker_delivers_the_reminder_of_a_due_date_reached(
    celery_worker_with_beat,
):
    agent = StaffUserFactory(email="agent@netservers.example")
    complaint = referral_with_a_reminder_due_today(assigned_to=agent)
    due = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    kind = (
        DeadlineNotice.Kind.REMINDER_TODAY
        if due == timezone.localdate()
        else DeadlineNotice.Kind.REMINDER_TWO_DAYS
    )

    def reminder_sent():
        return [
            mail for mail in celery_worker_with_beat.sent_mail() if mail["To"] == "agent@netservers.example"
        ]

    wait_for(reminder_sent, timeout=60)
    [reminder] = reminder_sent()
    assert "stage 2 written response" in reminder["Subject"]
    assert complaint.reference in reminder.get_body(preferencelist=("plain",)).get_content()
    assert DeadlineNotice.objects.filter(complaint=complaint, kind=kind).count() == 1
    log = celery_worker_with_beat.log_path.read_text()
    assert "escalation.tasks.enforce_deadlines_task" in log  # sent by beat, run by the worker


def test_a_sweep_with_the_broker_down_loses_nothing_and_the_letters_go_when_it_returns(celery_worker_process):
    complaint = filed_complaint(days_ago=42)
    # The worker sends the acknowledgement and records it on the clocks (until then the sweep skips
    # the row it holds, and would find the letter next time).
    wait_for(lambda: Escalation.objects.get(pk=complaint.pk).acknowledged_at is not None, timeout=30)
    with broker_unreachable():
        report = enforce_deadlines()
    assert report.adr_letters == 1
    letter = OutboundMessage.objects.get(template_key="adr_letter")
    assert letter.status == OutboundMessage.Status.PENDING  # queued in the outbox, not yet on the broker

    OutboundMessage.objects.update(created_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1))
    requeue_pending_messages_task.delay()  # as beat sends it once the broker is back

    wait_for(
        lambda: OutboundMessage.objects.get(pk=letter.pk).status == OutboundMessage.Status.SENT, timeout=30
    )
    adr_letters = [mail for mail in celery_worker_process.sent_mail() if "right to take" in mail["Subject"]]
    assert len(adr_letters) == 1
    assert complaint.reference in adr_letters[0]["Subject"]
    assert enforce_deadlines().adr_letters == 0
