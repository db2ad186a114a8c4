"""Subject-access export (DP-02, DP-05): everything about the customer, support needs only with permission."""

import io
import json
import zipfile

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from pypdf import PdfReader

from complaints.services import add_internal_note
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.complaints.factories import StaffUserFactory, png_upload
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")


def export(client, complaint):
    return client.post(CHANGELIST, {"action": "export_customer_data", "_selected_action": [complaint.pk]})


def test_a_manager_exports_all_of_a_customers_complaints_with_notes_files_and_messages(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    first = filed_complaint(
        email="nia@example.com", attachments=[png_upload("router.png")], support_needs="Uses a screen reader."
    )
    second = filed_complaint(email="NIA@example.com", category="installation")
    filed_complaint(email="someone.else@example.com")
    add_internal_note(complaint=first, by=manager, body="Customer was upset; call back Friday.")
    client.force_login(manager)

    response = export(client, second)
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert [c["reference"] for c in data["complaints"]] == [first.reference, second.reference]
    texts = [entry["text"] for entry in data["complaints"][0]["timeline"]]
    assert "Customer was upset; call back Friday." in texts  # internal notes are disclosable
    assert data["complaints"][0]["support_needs"] == "Uses a screen reader."
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
    complaint = filed_complaint(support_needs="Uses a screen reader.")
    client.force_login(exporter)
    data = json.loads(zipfile.ZipFile(io.BytesIO(export(client, complaint).content)).read("data.json"))
    assert data["complaints"][0]["support_needs"] == "recorded"
    assert "screen reader" not in json.dumps(data)


def test_an_agent_cannot_export(client):
    client.force_login(staff_member(SUPPORT_AGENTS))
    complaint = filed_complaint()
    response = export(client, complaint)
    assert response.get("Content-Type", "").startswith("text/html")  # no such action for agents
