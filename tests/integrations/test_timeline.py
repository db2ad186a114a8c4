"""A complaint's timeline through the API: the customer's history for any reading key, internal
notes only for a key allowed them; calls, letters and notes added by telephony or the CRM."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.models import TimelineEntry
from escalation.roles import COMPLAINTS_MANAGERS
from integrations.models import Scope
from tests.escalation.factories import filed_complaint, staff_member
from tests.integrations.factories import api_key, bearer

pytestmark = pytest.mark.django_db


def timeline_url(complaint) -> str:
    return reverse("api:timeline", args=[complaint.reference])


@pytest.fixture
def complaint():
    complaint = filed_complaint()
    services.add_internal_note(
        complaint=complaint, by=staff_member(COMPLAINTS_MANAGERS), body="Goodwill agreed."
    )
    services.add_customer_message(complaint=complaint, body="Any news?")
    return complaint


def kinds(response) -> list[str]:
    return [entry["kind"] for entry in response.json()["results"]]


def test_a_reading_key_sees_the_customer_s_history_without_internal_notes(client, complaint):
    response = client.get(timeline_url(complaint), **bearer(api_key(Scope.COMPLAINTS_READ)))
    assert kinds(response) == ["filed", "customer_message"]
    assert "Goodwill" not in response.content.decode()


def test_internal_notes_need_their_own_scope(client, complaint):
    made = api_key(Scope.COMPLAINTS_READ, Scope.TIMELINE_INTERNAL)
    entries = client.get(timeline_url(complaint), **bearer(made)).json()["results"]
    assert [entry["kind"] for entry in entries] == ["filed", "internal_note", "customer_message"]
    assert entries[1]["body"] == "Goodwill agreed."


def test_timeline_internal_alone_reads_nothing(client, complaint):
    assert client.get(timeline_url(complaint), **bearer(api_key(Scope.TIMELINE_INTERNAL))).status_code == 403


@pytest.mark.parametrize(
    ("kind", "recorded"),
    [("call", "call_logged"), ("letter", "letter_received"), ("internal_note", "internal_note")],
)
def test_telephony_logs_a_call_and_the_crm_a_letter_or_a_note(client, complaint, kind, recorded):
    made = api_key(Scope.TIMELINE_WRITE, name="Telephony")
    response = client.post(
        timeline_url(complaint),
        {"kind": kind, "body": "  Called back; she will send the bill.  "},
        content_type="application/json",
        **bearer(made),
    )
    assert response.status_code == 201
    entry = TimelineEntry.objects.get(pk=response.json()["id"])
    assert (entry.kind, entry.body, entry.author) == (
        recorded,
        "Called back; she will send the bill.",
        made.key.user,
    )
    assert response.json()["author"] == "Telephony (API)"


@pytest.mark.parametrize(
    "data",
    [{"kind": "reply", "body": "Hello"}, {"kind": "call", "body": "   "}, {"kind": "call"}, {"body": "x"}],
)
def test_only_calls_letters_and_notes_with_words_are_added(client, complaint, data):
    before = TimelineEntry.objects.count()
    response = client.post(
        timeline_url(complaint),
        data,
        content_type="application/json",
        **bearer(api_key(Scope.TIMELINE_WRITE)),
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert TimelineEntry.objects.count() == before


def test_adding_needs_the_write_scope_and_reading_the_read_scope(client, complaint):
    reader, writer = api_key(Scope.COMPLAINTS_READ), api_key(Scope.TIMELINE_WRITE)
    note = {"kind": "internal_note", "body": "x"}
    assert (
        client.post(
            timeline_url(complaint), note, content_type="application/json", **bearer(reader)
        ).status_code
        == 403
    )
    assert client.get(timeline_url(complaint), **bearer(writer)).status_code == 403


def test_an_unknown_reference_is_a_404_problem(client):
    response = client.get(reverse("api:timeline", args=["NS-0000-0000"]), **bearer(api_key()))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
