"""Assigning complaints and logging calls and letters in the admin, as the roles allow."""

import pytest
from django.urls import reverse

from complaints.models import Complaint, TimelineEntry
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.complaints.factories import ComplaintFactory
from tests.escalation.factories import staff_member

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")


def run_action(client, action, complaints, **extra):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [c.pk for c in complaints], **extra}, follow=True
    )


def test_an_agent_takes_complaints_and_finds_them_under_mine(client):
    agent = staff_member(SUPPORT_AGENTS, first_name="Amira", last_name="Khan")
    client.force_login(agent)
    mine, other = ComplaintFactory(), ComplaintFactory()
    run_action(client, "assign_to_me", [mine])
    assert Complaint.objects.get(pk=mine.pk).assigned_to == agent
    assert mine.timeline.get(kind=TimelineEntry.Kind.ASSIGNED).body == "Assigned to Amira Khan (was nobody)."
    page = client.get(CHANGELIST, {"assignee": "mine"}).content.decode()
    assert mine.reference in page
    assert other.reference not in page
    unassigned = client.get(CHANGELIST, {"assignee": "none"}).content.decode()
    assert other.reference in unassigned
    assert mine.reference not in unassigned


def test_only_a_manager_assigns_to_someone_else(client):
    agent = staff_member(SUPPORT_AGENTS)
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = ComplaintFactory()

    client.force_login(agent)
    run_action(client, "assign_to_someone", [complaint], assignee=manager.pk)
    assert Complaint.objects.get(pk=complaint.pk).assigned_to is None  # not an action agents have

    client.force_login(manager)
    page = run_action(client, "assign_to_someone", [complaint]).content.decode()
    assert "Assign to" in page  # the intermediate page asks who
    run_action(client, "assign_to_someone", [complaint], assignee=agent.pk)
    assert Complaint.objects.get(pk=complaint.pk).assigned_to == agent


@pytest.mark.parametrize(("kind", "timeline_kind"), [("call", "call_logged"), ("letter", "letter_received")])
def test_an_agent_logs_a_call_or_a_letter_that_the_customer_also_sees(client, kind, timeline_kind):
    client.force_login(staff_member(SUPPORT_AGENTS))
    complaint = ComplaintFactory()
    client.post(
        reverse("admin:complaints_complaint_entry", args=[complaint.pk]),
        {"kind": kind, "body": "Spoke to the customer about the refund."},
    )
    entry = complaint.timeline.get(kind=timeline_kind)
    assert entry.kind in TimelineEntry.CUSTOMER_VISIBLE_KINDS
