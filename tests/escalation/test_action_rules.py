"""One rule decides whether an action may be taken: for every action, complaint state and role, what the
admin offers succeeds when posted, and what it does not offer is refused and writes nothing. The
customer's two steps are held to the same rule from their side."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from complaints.tracking_links import make_tracking_token
from escalation.models import Escalation, OmbudsmanCase, Redress, StageChange
from escalation.roles import AUDITORS, COMPLAINTS_MANAGERS, MANAGING_DIRECTOR, SUPPORT_AGENTS
from escalation.stage_actions import STAGE_ACTIONS
from notifications.models import OutboundMessage
from tests.complaints.factories import pdf_upload
from tests.escalation.factories import filed_complaint, root_cause, staff_member
from tests.escalation.states import STATES

pytestmark = pytest.mark.django_db

ROLES = (SUPPORT_AGENTS, COMPLAINTS_MANAGERS, MANAGING_DIRECTOR, AUDITORS)


class Rollback(Exception):
    """Undo one attempt, so that every attempt starts from the same state."""


def form_data(name: str, complaint: Complaint) -> dict:
    """Valid input for each stage action's form, so that only its rule can refuse it (a record to
    withdraw is made for the attempt, inside its rolled-back transaction)."""
    today = timezone.localdate().isoformat()
    escalation = Escalation.objects.get(pk=complaint.pk)
    earlier = timezone.localtime(complaint.first_received_at) - timedelta(days=1)
    ending = {"root_cause": root_cause().pk, "outcome": "upheld"}
    data = {
        "propose": {"resolution": "A better offer."},
        "complex": {
            "told_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "told_via": "phone",
            "new_target": (escalation.stage_one_due + timedelta(days=5)).isoformat(),
        },
        "accept": {"note": "Agreed on the phone.", **ending},
        "stage-two-letter": {"received_on": today, "reply_preference": "email"},
        "stage-two-response": {"response": "Our answer.", "document": pdf_upload()},
        "md-review": {"reason": "Asked by phone."},
        "md-decision": {"decision": "Upheld."},
        "deadlock": {"final_position": "No more."},
        "close": {"final_position": "No more, and closed.", **ending},
        "close-after-ombudsman": {"note": "", **ending},
        "conclusion": {**ending, "outcome": "partly_upheld"},  # a change, even where one is recorded
        "redress": {"kind": "goodwill_credit", "amount": "15.00", "given_on": today},
        "service-failure": {"kind": "missed_appointment", "appointment_on": today},
        "withdraw-redress": lambda: {
            "record": f"redress:{Redress.objects.create(complaint=complaint, kind='apology', given_on=today).pk}",
            "reason": "Recorded on the wrong complaint.",
        },
        "ispa": {"referred_on": today},
        "ombudsman": {"scheme_reference": "CO-9", "referred_on": today},
        "ombudsman-decision": {
            "decision_on": today,
            "customer_response": "accepted",
            "customer_responded_on": today,
        },
        "remedy-done": {"done_on": today},
        "first-received": {
            "first_received_at": earlier.strftime("%Y-%m-%dT%H:%M"),
            "reason": "Found the call log.",
        },
    }[name]
    return data() if callable(data) else data


def record_of(complaint: Complaint) -> tuple:
    """Everything an action may write: a refused one leaves all of it as it was."""
    case = OmbudsmanCase.objects.filter(pk=complaint.pk).first()
    return (
        model_to_dict(Complaint.objects.get(pk=complaint.pk)),
        model_to_dict(Escalation.objects.get(pk=complaint.pk)),
        model_to_dict(case) if case else None,
        complaint.timeline.count(),
        StageChange.objects.filter(complaint=complaint).count(),
        OutboundMessage.objects.count(),
    )


def build(state: str) -> Complaint:
    days_ago, get_there = STATES[state]
    complaint = filed_complaint(days_ago=days_ago)
    if get_there:
        get_there(complaint, staff_member(MANAGING_DIRECTOR))
    return complaint


@pytest.mark.parametrize("state", list(STATES))
def test_every_action_offered_to_a_role_succeeds_and_every_other_is_refused_writing_nothing(
    client, settings, state
):
    settings.ISPA_MEMBER = True
    complaint = build(state)
    change_page = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    offered_anywhere = set()
    for role in ROLES:
        client.force_login(staff_member(role))
        offered = {
            url.rstrip("/").rsplit("/", 1)[1] for _, url in client.get(change_page).context["stage_actions"]
        }
        offered_anywhere |= offered
        for name in STAGE_ACTIONS:
            before = record_of(complaint)
            try:
                with transaction.atomic():
                    response = client.post(
                        reverse("admin:escalation_stage_action", args=[complaint.pk, name]),
                        form_data(name, complaint),
                    )
                    after = record_of(complaint)
                    raise Rollback
            except Rollback:
                pass
            if name in offered:
                assert response.status_code == 302, (state, role, name, response.status_code)
                assert after != before, (state, role, name)
            else:
                assert response.status_code in (403, 409), (state, role, name, response.status_code)
                assert after == before, (state, role, name)
    assert offered_anywhere, f"nothing at all can be done at “{state}”"


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize(
    ("step", "offered_as", "data"),
    [
        (
            "escalation:refer",
            "Refer my complaint to the Complaints Manager",
            {
                "customer_name": "Zoë O'Brien",
                "postal_address": "1 High Street\nCambridge",
                "postcode": "CB5 8LA",
                "reply_preference": "email",
            },
        ),
        ("escalation:md_review", "Ask for a Managing Director review", {"reason": "Still unhappy."}),
    ],
    ids=["refer", "md review"],
)
def test_the_customer_can_take_a_step_exactly_when_their_page_offers_it(
    client, state, step, offered_as, data
):
    complaint = build(state)
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    client.get(reverse("complaints:tracking_link", args=[token]))
    offered = (
        offered_as in client.get(reverse("complaints:detail", args=[complaint.reference])).content.decode()
    )
    before = record_of(complaint)
    response = client.post(reverse(step, args=[complaint.reference]), data)
    assert response.status_code == 302
    if offered:
        assert record_of(complaint) != before, (state, step)
    else:
        assert record_of(complaint) == before, (state, step)
