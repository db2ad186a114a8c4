"""Retention (UK GDPR DP-01, C4-08): personal data goes after the period; the record and holds stay."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from complaints.models import Attachment, Complaint, TimelineEntry
from complaints.tracking_links import make_tracking_token
from escalation import services
from escalation.models import Escalation
from escalation.retention import anonymise_expired_complaints
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory, png_upload
from tests.escalation.factories import conclusion, filed_complaint

pytestmark = pytest.mark.django_db

SEVEN_YEARS = timedelta(days=7 * 365)


def closed_long_ago(**overrides) -> Complaint:
    complaint = filed_complaint(
        attachments=[png_upload()], support_needs="Hard of hearing.", needs_consent=True, **overrides
    )
    agent = StaffUserFactory()
    services.propose_resolution(complaint=complaint, by=agent, resolution="A refund of £40.")
    services.record_customer_acceptance(complaint=complaint, by=agent, **conclusion())
    Escalation.objects.filter(pk=complaint.pk).update(resolved_at=timezone.now() - SEVEN_YEARS)
    return Complaint.objects.get(pk=complaint.pk)


def test_a_complaint_past_retention_loses_its_personal_data_and_keeps_its_record(client):
    complaint = closed_long_ago(
        customer_name="Siân Evans",
        email="sian@example.com",
        representative_name="Carys Evans",
        representative_relationship="daughter",
        representative_authority=Complaint.RepresentativeAuthority.CUSTOMER_CONSENT,
        representative_email="carys@example.org",
        adjustments=[Complaint.Adjustment.LARGE_PRINT],
    )
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    kinds_before = list(complaint.timeline.values_list("kind", flat=True))

    report = anonymise_expired_complaints()

    assert report.anonymised == [complaint.reference]
    complaint.refresh_from_db()
    assert complaint.anonymised_at is not None
    assert complaint.customer_name == "Former customer"
    assert complaint.email == ""
    assert (complaint.representative_name, complaint.representative_email) == ("", "")
    assert complaint.adjustments == []
    assert complaint.postcode == "CB5"
    assert "refund" not in " ".join(complaint.timeline.values_list("body", flat=True))
    assert list(complaint.timeline.values_list("kind", flat=True))[: len(kinds_before)] == kinds_before
    assert complaint.timeline.filter(
        kind=TimelineEntry.Kind.RECORD_CORRECTED, body__contains="retention"
    ).exists()
    assert not Attachment.objects.filter(complaint=complaint).exists()
    assert (
        not hasattr(Complaint.objects.get(pk=complaint.pk), "support_needs")
        or not complaint.has_support_needs
    )
    messages = OutboundMessage.objects.filter(reference=complaint.reference)
    assert messages.exists()  # that we wrote, and when, is kept
    assert not messages.exclude(recipient_email="").exists()
    assert "sian" not in " ".join(messages.values_list("body_text", flat=True)).lower()
    assert client.get(reverse("complaints:tracking_link", args=[token])).status_code == 404  # old links die


def test_a_legal_hold_keeps_everything():
    complaint = closed_long_ago()
    Complaint.objects.filter(pk=complaint.pk).update(legal_hold=True, legal_hold_reason="County court claim")
    assert anonymise_expired_complaints().anonymised == []
    assert Complaint.objects.get(pk=complaint.pk).anonymised_at is None


def test_a_complaint_within_twelve_months_of_its_adr_letter_is_kept():
    complaint = closed_long_ago()
    Escalation.objects.filter(pk=complaint.pk).update(adr_letter_sent_at=timezone.now() - timedelta(days=300))
    assert anonymise_expired_complaints().anonymised == []
    Escalation.objects.filter(pk=complaint.pk).update(adr_letter_sent_at=timezone.now() - timedelta(days=400))
    assert anonymise_expired_complaints().anonymised == [complaint.reference]


def test_open_and_recently_closed_complaints_are_kept():
    filed_complaint(days_ago=2000)  # old, but never closed
    recent = closed_long_ago()
    Escalation.objects.filter(pk=recent.pk).update(resolved_at=timezone.now() - timedelta(days=365))
    assert anonymise_expired_complaints().anonymised == []


def test_a_dry_run_lists_and_changes_nothing(capsys):
    complaint = closed_long_ago()
    call_command("anonymise_expired_complaints", "--dry-run")
    output = capsys.readouterr().out
    assert "Would anonymise 1 complaint(s)." in output
    assert complaint.reference in output
    assert Complaint.objects.get(pk=complaint.pk).anonymised_at is None
