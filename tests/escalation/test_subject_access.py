"""Subject-access export (DP-02, DP-05): everything about the customer, support needs only with permission."""

import io
import json
import zipfile
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from complaints.merges import link_complaints, merge_complaints
from complaints.services import add_internal_note
from escalation import redress
from escalation.models import Outcome, SubjectAccessExport
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.complaints.factories import StaffUserFactory, png_upload
from tests.escalation.factories import conclusion, filed_complaint, staff_member

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")


def export_page(complaint):
    return reverse("admin:escalation_subject_access", args=[complaint.pk])


def export(
    client, complaint, chosen=None, verification="call", details="Security questions answered on a call."
):
    """The manager picks the export action, then the complaints, and records the identity check."""
    response = client.post(CHANGELIST, {"action": "export_customer_data", "_selected_action": [complaint.pk]})
    if response.status_code != 302 or response["Location"] != export_page(complaint):
        return response  # no such action for this role
    if chosen is None:
        chosen = client.get(export_page(complaint)).context["form"].fields["complaints"].initial
    return client.post(
        export_page(complaint),
        {
            "complaints": [str(pk) for pk in chosen],
            "verification": verification,
            "verification_details": details,
        },
    )


def test_a_manager_exports_all_of_a_customers_complaints_with_notes_files_and_messages(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    first = filed_complaint(
        email="nia@example.com",
        attachments=[png_upload("router.png")],
        support_needs="Uses a screen reader.",
        needs_consent=True,
    )
    second = filed_complaint(email="NIA@example.com", category="installation")
    filed_complaint(email="someone.else@example.com")
    add_internal_note(complaint=first, by=manager, body="Customer was upset; call back Friday.")
    client.force_login(manager)

    response = export(client, second, chosen=[first.pk, second.pk])
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert [c["reference"] for c in data["complaints"]] == [first.reference, second.reference]
    texts = [entry["text"] for entry in data["complaints"][0]["timeline"]]
    assert "Customer was upset; call back Friday." in texts  # internal notes are disclosable
    needs = data["complaints"][0]["support_needs"]
    assert needs["anything_else"] == "Uses a screen reader."
    assert needs["consent_given_on"] == timezone.localdate().isoformat()
    assert data["complaints"][0]["messages_sent"][0]["subject"].startswith("We've received your complaint")
    assert any(name.endswith("router.png") for name in archive.namelist())
    summary = " ".join(
        page.extract_text() for page in PdfReader(io.BytesIO(archive.read("summary.pdf"))).pages
    )
    assert first.reference in summary
    assert "someone.else" not in archive.read("data.json").decode()


def test_without_the_support_needs_permission_the_export_says_only_that_needs_are_recorded(client):
    exporter = StaffUserFactory()
    exporter.user_permissions.set(
        Permission.objects.filter(codename__in=["view_complaint", "change_complaint", "export_customer_data"])
    )
    complaint = filed_complaint(support_needs="Uses a screen reader.", needs_consent=True)
    client.force_login(exporter)
    data = json.loads(zipfile.ZipFile(io.BytesIO(export(client, complaint).content)).read("data.json"))
    assert data["complaints"][0]["support_needs"] == "recorded"
    assert "screen reader" not in json.dumps(data)


def test_an_agent_cannot_export(client):
    client.force_login(staff_member(SUPPORT_AGENTS))
    complaint = filed_complaint()
    response = export(client, complaint)
    assert response["Location"] == CHANGELIST  # no such action for agents
    assert client.get(export_page(complaint)).status_code == 403


def test_a_stranger_with_the_same_name_and_postcode_is_only_a_suggestion_never_exported_unless_chosen(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    victim = filed_complaint(
        customer_name="Nia Jones",
        email="nia@example.com",
        support_needs="Uses a screen reader.",
        needs_consent=True,
    )
    add_internal_note(complaint=victim, by=manager, body="Called about her late husband's account.")
    stranger = filed_complaint(customer_name="nia jones", email="stranger@example.com")
    also_theirs = filed_complaint(customer_name="N Jones", email="STRANGER@example.com")
    client.force_login(manager)

    client.post(CHANGELIST, {"action": "export_customer_data", "_selected_action": [stranger.pk]})
    page = client.get(export_page(stranger))
    form = page.context["form"]
    labels = dict(form.fields["complaints"].choices)
    assert "the same name and postcode only" in labels[str(victim.pk)]
    assert "the same e-mail address" in labels[str(also_theirs.pk)]
    assert form.fields["complaints"].initial == [str(stranger.pk)]  # staff tick the others once checked

    response = export(client, stranger, chosen=[stranger.pk, also_theirs.pk])
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = archive.read("data.json").decode()
    assert victim.reference not in data
    assert "screen reader" not in data
    assert "late husband" not in data
    assert sorted(json.loads(data)["complaints"][i]["reference"] for i in range(2)) == sorted(
        [stranger.reference, also_theirs.reference]
    )


def test_every_export_is_audited_with_the_identity_check_and_on_each_timeline(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = filed_complaint(email="nia@example.com")
    client.force_login(manager)
    refused = export(client, complaint, details="")
    assert refused.status_code == 400
    assert not SubjectAccessExport.objects.exists()

    export(
        client, complaint, verification="letter", details="Passport and a council tax bill, seen by A. Khan."
    )
    audit = SubjectAccessExport.objects.get()
    assert (audit.requested_via, audit.exported_by, audit.references) == (
        complaint,
        manager,
        [complaint.reference],
    )
    assert audit.verification == SubjectAccessExport.Verification.LETTER_WITH_ID
    entry = complaint.timeline.get(body__startswith="Included in a subject-access export")
    assert entry.author == manager
    assert entry.kind not in entry.CUSTOMER_VISIBLE_KINDS


def test_a_complaint_that_is_not_a_candidate_cannot_be_slipped_into_an_export(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = filed_complaint(email="nia@example.com")
    unrelated = filed_complaint(customer_name="Someone Else", email="else@example.com")
    client.force_login(manager)
    response = export(client, complaint, chosen=[complaint.pk, unrelated.pk])
    assert response.status_code == 400
    assert not SubjectAccessExport.objects.exists()


def test_an_export_costs_the_same_queries_for_one_complaint_or_several(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    counts = []
    for how_many in (1, 3):
        complaints = [filed_complaint(email=f"customer{how_many}@example.com") for _ in range(how_many)]
        with CaptureQueriesContext(connection) as queries:
            response = export(client, complaints[0], chosen=[c.pk for c in complaints])
        assert response["Content-Type"] == "application/zip"
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_merged_complaint_says_where_its_history_went(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    primary = filed_complaint(email="nia@example.com")
    duplicate = filed_complaint(email="nia@example.com")
    neighbour = filed_complaint(email="nia@example.com")
    link_complaints(complaint=primary, other=neighbour, by=manager)
    merge_complaints(duplicate=duplicate, primary=primary, by=manager, reason="Phoned twice.")
    client.force_login(manager)
    response = export(client, primary, chosen=[primary.pk, duplicate.pk])
    records = {
        c["reference"]: c
        for c in json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("data.json"))["complaints"]
    }
    assert records[duplicate.reference]["merged_into"] == primary.reference
    assert records[primary.reference]["related_complaints"] == [neighbour.reference]
    assert any(
        "merged into this complaint" in entry["text"] for entry in records[primary.reference]["timeline"]
    )


def test_the_export_holds_the_outcome_redress_and_service_failures(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = filed_complaint(email="rhys@example.com", category="installation")
    redress.record_conclusion(complaint=complaint, by=manager, **conclusion(Outcome.PARTLY_UPHELD))
    redress.record_redress(
        complaint=complaint,
        by=manager,
        kind="goodwill_credit",
        given_on=timezone.localdate(),
        amount=Decimal("15"),
    )
    redress.record_service_failure(
        complaint=complaint, by=manager, kind="missed_appointment", appointment_on=date(2026, 4, 1)
    )
    client.force_login(manager)
    data = json.loads(zipfile.ZipFile(io.BytesIO(export(client, complaint).content)).read("data.json"))
    [record] = data["complaints"]
    assert record["outcome"] == "Partly upheld"
    assert record["redress"] == [
        {"kind": "Goodwill credit (£)", "amount": "15.00", "given_on": timezone.localdate().isoformat()}
    ]
    assert record["service_failures"][0]["appointment_on"] == "2026-04-01"
