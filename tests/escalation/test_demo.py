"""Demo data: every situation, and the sweep acts on what is due exactly once."""

import pytest
from django.core.management import call_command
from django.db import connection

from complaints.models import Complaint, SupportNeeds, TimelineEntry
from escalation import demo, root_cause_reporting
from escalation.demo import SITUATIONS
from escalation.models import Escalation, Redress, ServiceFailure
from escalation.rules import AUTOMATIC_COMPENSATION_CATEGORIES
from escalation.sweep import enforce_deadlines
from notifications.models import OutboundMessage
from tests.escalation.factories import root_cause

pytestmark = pytest.mark.django_db


def test_seed_demo_covers_every_situation_and_the_sweep_sends_what_is_due_once(capsys):
    call_command("seed_demo", complaints=300, seed=7)
    output = capsys.readouterr().out
    assert "Created 300 demo complaints" in output
    for situation in SITUATIONS:
        assert situation.replace("_", " ") in output
    assert Complaint.objects.count() == Escalation.objects.count() == 300
    assert not OutboundMessage.objects.exists()  # demo acknowledgements count as sent
    assert set(Escalation.objects.values_list("stage", flat=True)) == {1, 2, 3, 4}
    # Some customers told us of needs, with their consent; the flags agree with the records.
    with_needs = Complaint.objects.filter(has_support_needs=True)
    assert 0 < with_needs.count() == SupportNeeds.objects.count() < 300
    assert not SupportNeeds.objects.filter(consent_given_on__isnull=True).exists()
    relying = {
        pk for pk, needs in SupportNeeds.objects.values_list("complaint_id", "needs") if "telecare" in needs
    }
    assert (
        set(Complaint.objects.filter(relies_on_landline_for_safety=True).values_list("pk", flat=True))
        == relying
    )

    first = enforce_deadlines()
    assert first.adr_letters >= 3  # two past the ADR period, one deadlocked
    assert first.reminders >= 1
    assert first.overdue_alerts >= 2
    sent = OutboundMessage.objects.count()

    again = enforce_deadlines()
    assert (again.adr_letters, again.reminders, again.overdue_alerts, again.md_alerts) == (0, 0, 0, 0)
    assert OutboundMessage.objects.count() == sent


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY and the index rebuild are PostgreSQL's")
def test_a_large_demo_is_copied_in_by_several_processes_and_its_indexes_built_after(monkeypatch):
    """The path `seed_demo --complaints 1000000` takes, at a size a test can afford."""
    monkeypatch.setattr(demo, "BULK_LOAD_FROM", 1000)
    tables = [model._meta.db_table for model in demo.LOADED_MODELS]
    indexes = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
    with connection.cursor() as cursor:
        cursor.execute(indexes, [tables])
        before = set(cursor.fetchall())

    report = demo.seed_demo(complaints=5000, seed=3, processes=2)

    assert report.complaints == Complaint.objects.count() == Escalation.objects.count() == 5000
    assert Complaint.objects.values("reference").distinct().count() == 5000
    filed = TimelineEntry.objects.filter(kind=TimelineEntry.Kind.FILED)
    assert filed.values("complaint").distinct().count() == 5000
    assert Complaint.objects.filter(has_support_needs=True).count() == SupportNeeds.objects.count() > 0
    with connection.cursor() as cursor:
        cursor.execute(indexes, [tables])
        assert set(cursor.fetchall()) == before  # every index built again, as it was
    # Text with what COPY escapes (new lines) arrives intact.
    assert "\n" in Complaint.objects.exclude(postal_address="").first().postal_address
    first = enforce_deadlines()
    assert first.adr_letters > 0


def test_seed_demo_gives_ended_complaints_root_causes_outcomes_and_some_redress():
    root_cause()  # the taxonomy (a flushing test may have dropped the seeded one)
    call_command("seed_demo", complaints=300, seed=7)
    ended = Escalation.objects.filter(resolved_at__isnull=False)
    assert ended.exists()
    assert not ended.filter(root_cause__isnull=True).exists()
    assert not ended.filter(outcome="").exists()
    assert not Escalation.objects.filter(resolved_at__isnull=True, root_cause__isnull=False).exists()
    assert Redress.objects.filter(kind=Redress.Kind.APOLOGY).exists()
    assert Redress.objects.filter(amount__isnull=False).exists()
    failures = ServiceFailure.objects.select_related("complaint")
    assert failures.exists()
    assert {f.complaint.category for f in failures} <= set(AUTOMATIC_COMPENSATION_CATEGORIES)
    # The reports have something to show.
    assert root_cause_reporting.root_cause_report()
    assert root_cause_reporting.compensation_owed_and_paid()
