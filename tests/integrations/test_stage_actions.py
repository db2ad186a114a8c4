"""Stage actions through the API: the ones another system may take, each through the admin's form,
its rule and its service; refused in the rule's words (409) when the rule does not allow it now."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, TimelineEntry
from escalation.models import Escalation, Outcome
from escalation.stages import Stage
from integrations.models import Scope
from integrations.services import API_STAGE_ACTIONS
from notifications.models import OutboundMessage
from tests.escalation.factories import filed_complaint, root_cause
from tests.integrations.factories import api_key, bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def crm():
    return bearer(api_key(Scope.COMPLAINTS_READ, Scope.COMPLAINTS_WRITE, name="CRM"))


def act(client, credentials, complaint, action, data, **headers):
    url = reverse(f"api:action-{action}", args=[complaint.reference])
    return client.post(url, data, content_type="application/json", **credentials, **headers)


def test_the_crm_proposes_a_resolution_as_an_agent_would_in_the_admin(client, crm):
    complaint = filed_complaint()

    response = act(client, crm, complaint, "propose", {"resolution": "A credit of £20 for the outage."})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == Complaint.Status.RESOLUTION_PROPOSED
    assert response.json()["reference"] == complaint.reference
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert escalation.stage_one_answered_at is not None  # the 3-working-day clock is answered
    reply = complaint.timeline.get(kind=TimelineEntry.Kind.STAFF_REPLY)
    assert reply.body == "A credit of £20 for the outage."
    assert reply.author.api_key.name == "CRM"  # the record names the integration
    assert OutboundMessage.objects.filter(reference=complaint.reference, template_key="staff_reply").exists()


def test_an_action_its_rule_does_not_allow_now_is_refused_in_the_rule_s_words_writing_nothing(client, crm):
    complaint = filed_complaint()
    entries = complaint.timeline.count()

    response = act(
        client, crm, complaint, "accept", {"root_cause": root_cause().pk, "outcome": Outcome.UPHELD}
    )

    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"] == "There is no proposed resolution for the customer to accept."
    assert complaint.timeline.count() == entries
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.RECEIVED


def test_the_customer_s_acceptance_resolves_it_with_its_root_cause(client, crm):
    complaint = filed_complaint()
    act(client, crm, complaint, "propose", {"resolution": "An engineer visit on Friday."})
    cause = root_cause()

    response = act(
        client,
        crm,
        complaint,
        "accept",
        {"root_cause": cause.pk, "outcome": Outcome.UPHELD, "note": "Happy."},
    )

    assert response.status_code == 200, response.content
    assert response.json()["status"] == Complaint.Status.RESOLVED
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert (escalation.root_cause, escalation.outcome) == (cause, Outcome.UPHELD)


def test_a_request_for_the_complaints_manager_by_phone_moves_it_to_stage_two(client, crm):
    complaint = filed_complaint(days_ago=5)
    act(client, crm, complaint, "propose", {"resolution": "A £5 credit."})

    response = act(
        client,
        crm,
        complaint,
        "stage-two-letter",
        {"received_on": str(timezone.localdate()), "reply_preference": "email", "reason": "Not enough."},
    )

    assert response.status_code == 200, response.content
    assert response.json()["stage"] == Stage.COMPLAINTS_MANAGER
    assert response.json()["clocks"]["stage_two_response_due"] is not None


def test_a_complex_case_takes_the_time_the_customer_was_told_with_its_offset(client, crm):
    complaint = filed_complaint(days_ago=2)
    told = timezone.localtime().replace(microsecond=0) - timedelta(hours=1)

    response = act(
        client,
        crm,
        complaint,
        "complex",
        {
            "told_at": told.isoformat(),
            "told_via": "phone",
            "new_target": str(timezone.localdate() + timedelta(days=20)),
        },
    )

    assert response.status_code == 200, response.content
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert escalation.complex_case_told_at == told


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "resolution", "This field is required."),
        ({"resolution": "x", "colour": "red"}, "colour", "Not a field the API takes."),
        ({"resolution": ["a", "list"]}, "resolution", "Not a valid string."),
        ({"resolution": "x", "scope_reason": "because"}, "scope_reason", "is not a valid choice."),
    ],
)
def test_a_bad_field_is_named(client, crm, data, field, message):
    complaint = filed_complaint()
    response = act(client, crm, complaint, "propose", data)
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"][field])
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.RECEIVED


def test_the_form_s_own_rules_apply_after_the_types(client, crm):
    complaint = filed_complaint()
    response = act(
        client,
        crm,
        complaint,
        "complex",
        {
            "told_at": timezone.now().isoformat(),
            "told_via": "phone",
            "new_target": str(timezone.localdate() + timedelta(days=400)),
        },
    )
    assert response.status_code == 400
    assert "new_target" in response.json()["errors"]


def test_a_person_s_decisions_are_not_actions_of_the_api(client, crm):
    complaint = filed_complaint(days_ago=3)
    url = f"/api/v1/complaints/{complaint.reference}/actions/deadlock/"
    response = client.post(url, {"final_position": "No."}, content_type="application/json", **crm)
    assert response.status_code == 404
    assert Escalation.objects.get(pk=complaint.pk).deadlocked_at is None
    assert set(API_STAGE_ACTIONS) == {"propose", "complex", "accept", "stage-two-letter", "conclusion"}


def test_the_actions_allowed_now_are_listed_with_the_reason_for_the_others(client, crm):
    complaint = filed_complaint()
    listed = {
        row["action"]: row
        for row in client.get(reverse("api:actions", args=[complaint.reference]), **crm).json()
    }
    assert list(listed) == list(API_STAGE_ACTIONS)
    assert listed["propose"] == {
        "action": "propose",
        "label": "Propose a resolution",
        "allowed": True,
        "problem": None,
    }
    assert listed["accept"]["allowed"] is False
    assert listed["accept"]["problem"] == "There is no proposed resolution for the customer to accept."


def test_root_causes_are_listed_for_a_conclusion(client, crm):
    cause = root_cause(group="Billing", name="Wrong tariff")
    response = client.get(reverse("api:root_causes"), **crm)
    assert {"id": cause.pk, "group": "Billing", "name": "Wrong tariff"} in response.json()
    complaint = filed_complaint()
    done = act(client, crm, complaint, "conclusion", {"root_cause": cause.pk, "outcome": Outcome.NOT_UPHELD})
    assert done.status_code == 200, done.content
    assert Escalation.objects.get(pk=complaint.pk).root_cause == cause


def test_a_retried_action_is_taken_once(client, crm):
    complaint = filed_complaint()
    data = {"resolution": "A credit of £20."}

    first = act(client, crm, complaint, "propose", data, HTTP_IDEMPOTENCY_KEY="call-77-propose")
    again = act(client, crm, complaint, "propose", data, HTTP_IDEMPOTENCY_KEY="call-77-propose")
    other = act(
        client, crm, complaint, "propose", {"resolution": "£30."}, HTTP_IDEMPOTENCY_KEY="call-77-propose"
    )

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 422)
    assert again["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.STAFF_REPLY).count() == 1


def test_a_retried_timeline_entry_is_added_once(client):
    complaint = filed_complaint()
    telephony = bearer(api_key(Scope.TIMELINE_WRITE, name="Telephony"))
    url = reverse("api:timeline", args=[complaint.reference])
    call = {"kind": "call", "body": "Customer rang about the outage."}

    first = client.post(
        url, call, content_type="application/json", HTTP_IDEMPOTENCY_KEY="call-9", **telephony
    )
    again = client.post(
        url, call, content_type="application/json", HTTP_IDEMPOTENCY_KEY="call-9", **telephony
    )
    other = client.post(
        url,
        {**call, "body": "Another call."},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="call-9",
        **telephony,
    )

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.CALL_LOGGED).count() == 1


def test_actions_need_the_write_scope(client):
    complaint = filed_complaint()
    reader = bearer(api_key(Scope.COMPLAINTS_READ))
    assert act(client, reader, complaint, "propose", {"resolution": "x"}).status_code == 403
    assert client.get(reverse("api:actions", args=[complaint.reference]), **reader).status_code == 200
