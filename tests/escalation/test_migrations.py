"""Migration escalation 0007 on data written before it: letters count when they went, closing unresolved
is deadlock, and what is owed shows at once in the stored next deadline the lists and the sweep read."""

from datetime import date, datetime, time

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from escalation.clocks import DeadlineKind
from escalation.models import Escalation
from escalation.working_days import LONDON

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [
    ("complaints", "0007_representatives"),
    ("escalation", "0006_export_permission"),
    ("notifications", "0002_call_tasks_and_recipient_phone"),
]


def at(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=LONDON)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def old_complaint(apps, reference: str, *, status: str, reply_preference: str = "email", **clocks):
    Complaint = apps.get_model("complaints", "Complaint")
    Escalation = apps.get_model("escalation", "Escalation")
    complaint = Complaint.objects.create(
        reference=reference,
        tracking_key="k" * 22,
        status=status,
        category="billing",
        customer_name="Nia Jones",
        email="nia@example.com",
        postal_address="1 High Street",
        postcode="CB5 8LA",
        reply_preference=reply_preference,
        description="Charged twice.",
        first_received_at=at(date(2026, 8, 3)),
    )
    Escalation.objects.create(
        complaint=complaint,
        stage=1,
        stage_changed_at=at(date(2026, 8, 3)),
        acknowledgement_due=date(2026, 8, 4),
        acknowledged_at=at(date(2026, 8, 3)),
        stage_one_due=date(2026, 8, 6),
        stage_one_answered_at=at(date(2026, 8, 5)),
        adr_eligible_on=date(2026, 9, 14),
        **clocks,
    )
    return complaint


def test_letters_unposted_and_complaints_closed_unresolved_are_owed_and_listed_after_upgrading():
    apps = migrate(BEFORE)
    closed = old_complaint(
        apps, "NS-AAAA-0001", status="closed", resolved_at=at(date(2026, 8, 20)), next_deadline=None
    )
    unposted = old_complaint(
        apps,
        "NS-AAAA-0002",
        status="resolution_proposed",
        reply_preference="letter",
        adr_letter_sent_at=at(date(2026, 9, 14)),
        adr_letter_channel="letter",
        adr_window_ends=date(2027, 9, 14),
        next_deadline=None,
    )
    apps.get_model("notifications", "OutboundMessage").objects.create(
        idempotency_key="NS-AAAA-0002:adr_letter:2026-09-14",
        reference="NS-AAAA-0002",
        channel="letter",
        template_key="adr_letter",
        subject="Your right to take complaint NS-AAAA-0002 to the ombudsman",
        body_text="…",
        status="awaiting_post",
    )

    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    closed_clocks = Escalation.objects.get(pk=closed.pk)
    assert closed_clocks.deadlocked_at == at(date(2026, 8, 20))
    assert (closed_clocks.next_deadline, closed_clocks.next_deadline_kind) == (
        date(2026, 8, 20),
        DeadlineKind.ADR_LETTER,
    )
    unposted_clocks = Escalation.objects.get(pk=unposted.pk)
    assert unposted_clocks.period_letter_queued_at == at(date(2026, 9, 14))
    assert unposted_clocks.period_letter_sent_at is None
    assert unposted_clocks.adr_window_ends is None
    assert (unposted_clocks.next_deadline, unposted_clocks.next_deadline_kind) == (
        date(2026, 9, 14),
        DeadlineKind.ADR_LETTER,
    )
