"""The role matrix: what each staff role can open in the admin and the staff pages (403 otherwise)."""

import pytest
from django.urls import reverse

from escalation.roles import (
    AUDITORS,
    COMPLAINTS_MANAGERS,
    MANAGING_DIRECTOR,
    ROLE_PERMISSIONS,
    SUPPORT_AGENTS,
)
from escalation.stage_actions import STAGE_ACTIONS
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

AGENT, MANAGER, MD, AUDITOR = SUPPORT_AGENTS, COMPLAINTS_MANAGERS, MANAGING_DIRECTOR, AUDITORS
EVERYONE = {AGENT, MANAGER, MD, AUDITOR}

STAGE_ONE_WORK = {AGENT, MANAGER, MD}
MANAGEMENT = {MANAGER, MD}
MATRIX = {
    "complaint list": ("admin:complaints_complaint_changelist", EVERYONE),
    "complaint page": ("admin:complaints_complaint_change", EVERYONE),
    "log a complaint": ("admin:complaints_complaint_add", STAGE_ONE_WORK),
    "outbox": ("admin:notifications_outboundmessage_changelist", EVERYONE),
    "add a calendar closure": ("admin:escalation_calendaradjustment_add", MANAGEMENT),
    "stage history": ("admin:escalation_stagechange_changelist", EVERYONE),
    "escalation dashboard": ("staff:escalations", {MANAGER, MD, AUDITOR}),
    "monthly report": ("staff:reports", {MANAGER, MD, AUDITOR}),
    **{
        f"stage action: {action.label}": (f"stage:{name}", roles)
        for name, action in STAGE_ACTIONS.items()
        for roles in [
            {
                "escalation.work_stage_one": STAGE_ONE_WORK,
                "escalation.respond_at_stage_two": MANAGEMENT,
                "escalation.manage_escalations": MANAGEMENT,
                "escalation.correct_first_received": MANAGEMENT,
                "escalation.decide_as_managing_director": {MD},
            }[action.permission]
        ]
    },
}


@pytest.mark.parametrize("role", sorted(EVERYONE))
@pytest.mark.parametrize("what", sorted(MATRIX))
def test_role_matrix(client, role, what):
    """A role without the permission gets 403; with it, the page (or, for a stage action its rule
    does not allow on a new complaint, 409 with the reason: a question of state, not of role)."""
    url_name, allowed_roles = MATRIX[what]
    complaint = filed_complaint()
    client.force_login(staff_member(role))
    allowed_statuses = {200}
    if url_name.startswith("stage:"):
        url = reverse("admin:escalation_stage_action", args=[complaint.pk, url_name.removeprefix("stage:")])
        allowed_statuses.add(409)
    elif url_name.endswith("_change"):
        url = reverse(url_name, args=[complaint.pk])
    else:
        url = reverse(url_name)
    status = client.get(url).status_code
    if role in allowed_roles:
        assert status in allowed_statuses, f"{role} → {what}: {status}"
    else:
        assert status == 403, f"{role} → {what}: {status}"


def test_the_auditor_changes_nothing(client):
    complaint = filed_complaint()
    client.force_login(staff_member(AUDITORS))
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert 'name="_save"' not in page
    assert "Add to the timeline" not in page
    response = client.post(
        reverse("admin:complaints_complaint_entry", args=[complaint.pk]), {"kind": "note", "body": "x"}
    )
    assert response.status_code == 403


def test_support_need_details_are_for_managers_and_the_flag_for_everyone(client):
    complaint = filed_complaint(
        support_needs="I am partially sighted; large print please.", needs_consent=True
    )
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    client.force_login(staff_member(AGENT))
    agent_page = client.get(url).content.decode()
    assert "partially sighted" not in agent_page
    assert "Needs: see record" in agent_page
    client.force_login(staff_member(MANAGER))
    assert "partially sighted" in client.get(url).content.decode()


def test_every_role_permission_exists():
    assert set(ROLE_PERMISSIONS) == EVERYONE  # setup_roles raised at migrate time if one were unknown
