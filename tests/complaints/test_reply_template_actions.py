"""A reply template's action (issue 14, part 2): a reply from the template also changes the status
(marks it in progress, proposes a resolution) when the complaint's rules and the sender's role allow
it then. The reply always goes; staff see beforehand whether the action will be applied, and are
told afterwards what was done and, if not, why."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from complaints import reply_actions
from complaints.models import Complaint, ReplyTemplate, TimelineEntry
from escalation.models import Escalation
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import filed_complaint, staff_member
from tests.escalation.states import complaint_in

pytestmark = pytest.mark.django_db

Action = ReplyTemplate.Action


@pytest.fixture
def proposal():
    return ReplyTemplate.objects.create(
        title="Propose a credit",
        body="Dear {{ customer_name }}, we propose a credit of £10.",
        action=Action.PROPOSE_RESOLUTION,
    )


def change_page(complaint):
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def send(client, complaint, template, body="We propose a credit of £10."):
    return client.post(
        reverse("admin:complaints_complaint_entry", args=[complaint.pk]),
        {"kind": "reply", "body": body, "reply_template": template.pk},
        follow=True,
    )


def test_an_agent_proposes_a_resolution_with_the_reply_in_one_go(client, proposal):
    complaint = filed_complaint()
    client.force_login(staff_member(SUPPORT_AGENTS))
    box = client.get(change_page(complaint), {"reply_template": proposal.pk}).content.decode()
    assert "Sending this reply will also: Propose a resolution (stage 1)." in box

    page = send(client, complaint, proposal).content.decode()
    assert "Reply added and sent to the customer. Also done: Propose a resolution (stage 1)." in page
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLUTION_PROPOSED
    assert Escalation.objects.get(pk=complaint.pk).stage_one_answered_at is not None  # answers stage 1
    assert complaint.timeline.filter(
        kind=TimelineEntry.Kind.STATUS_CHANGED, body="We proposed a resolution."
    ).exists()
    proposal.refresh_from_db()
    assert proposal.times_used == 1


def test_where_the_rules_refuse_the_reply_goes_without_the_action_and_staff_are_told_why(client, proposal):
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = complaint_in("with the Complaints Manager", by=manager)
    client.force_login(manager)
    box = client.get(change_page(complaint), {"reply_template": proposal.pk}).content.decode()
    assert "This template would also: Propose a resolution (stage 1). Not now:" in box
    assert "A resolution is proposed at stage 1" in box

    page = send(client, complaint, proposal).content.decode()
    assert "Reply added and sent to the customer." in page
    assert "The template&#x27;s action was not applied. Propose a resolution (stage 1): not done." in page
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS
    assert complaint.timeline.filter(
        kind=TimelineEntry.Kind.STAFF_REPLY, body__startswith="We propose"
    ).exists()


def test_a_role_without_the_stage_action_sends_the_reply_only(client, proposal):
    """Someone who may reply but not work stage 1 (a custom role): the rule's permission stands."""
    replier = StaffUserFactory()
    replier.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_complaint", "change_complaint", "view_replytemplate"])
    )
    complaint = filed_complaint()
    assert reply_actions.action_problem(Action.PROPOSE_RESOLUTION, complaint, replier) == (
        "Your role cannot propose a resolution."
    )
    client.force_login(replier)
    send(client, complaint, proposal)
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS  # the reply started work; no proposal


def test_marking_in_progress_reopens_a_resolved_complaint_and_a_closed_one_is_left_alone(client):
    manager = staff_member(COMPLAINTS_MANAGERS)
    template = ReplyTemplate.objects.create(
        title="Looking again", body="We are looking again.", action=Action.MARK_IN_PROGRESS
    )
    resolved = complaint_in("resolved", by=manager)
    closed = complaint_in("closed unresolved", by=manager)
    client.force_login(manager)
    send(client, resolved, template)
    resolved.refresh_from_db()
    assert resolved.status == Complaint.Status.IN_PROGRESS
    assert Escalation.objects.get(pk=resolved.pk).resolved_at is None  # its clocks run again

    page = send(client, closed, template).content.decode()
    assert "cannot become “Being looked into”" in page
    assert Complaint.objects.get(pk=closed.pk).status == Complaint.Status.CLOSED


def test_a_template_without_an_action_changes_nothing_but_starting_work(client):
    template = ReplyTemplate.objects.create(title="Plain", body="Thanks.")
    complaint = filed_complaint()
    client.force_login(staff_member(SUPPORT_AGENTS))
    box = client.get(change_page(complaint), {"reply_template": template.pk}).content.decode()
    assert '<p class="help" id="template-action" aria-live="polite"></p>' in box  # says nothing
    page = send(client, complaint, template).content.decode()
    assert "Also done" not in page
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.IN_PROGRESS


def test_managers_choose_the_action_on_the_template(client):
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    response = client.post(
        reverse("admin:complaints_replytemplate_add"),
        {
            "title": "Proposal",
            "body": "Dear {{ customer_name }}",
            "action": "propose_resolution",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert ReplyTemplate.objects.get(title="Proposal").action == Action.PROPOSE_RESOLUTION
    refused = client.post(
        reverse("admin:complaints_replytemplate_add"),
        {"title": "Closing", "body": "Bye", "action": "closed", "active": "on"},
    )
    assert refused.status_code == 200  # not a choice: closing is our final position, never a template's
