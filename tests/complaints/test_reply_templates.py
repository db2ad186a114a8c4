"""Replies from templates (issue 14, part 2): staff keep templates with placeholders from a fixed
list; one fills the reply box, staff edit it and send it through the reply service; use is counted."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from complaints import reply_templates
from complaints.models import ReplyTemplate, TimelineEntry
from escalation.models import Escalation
from escalation.roles import AUDITORS, COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from notifications.models import OutboundMessage
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

BODY = (
    "Dear {{ customer_name }},\n\nThank you for your complaint {{ reference }}. You may take it to the "
    "ombudsman from {{ adr_date }}."
)


def change_page(complaint):
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def test_placeholders_are_filled_from_the_complaint_and_its_clocks():
    complaint = filed_complaint(customer_name="Siân Wójcik")
    escalation = Escalation.objects.get(pk=complaint.pk)
    template = ReplyTemplate.objects.create(title="Acknowledge", body=BODY)
    text = reply_templates.fill(template, complaint)
    assert text.startswith("Dear Siân Wójcik,")
    assert complaint.reference in text
    assert f"{escalation.adr_eligible_on:%-d %B %Y}" in text


@pytest.mark.parametrize(
    "body",
    [
        "Hello {{ customer_nme }}",  # a typo names no placeholder
        "{% load static %}{{ reference }}",  # no template tags
        "{{ reference|upper }}",  # no filters
        "{{ complaint.email }}",  # no attribute lookups
        "Your complaint {{ reference }",  # half a placeholder would reach the customer as it is
        "Dear {customer_name}}",
    ],
)
def test_a_template_with_anything_but_the_known_placeholders_cannot_be_saved(body):
    with pytest.raises(ValidationError):
        ReplyTemplate(title="Bad", body=body).full_clean()


def test_what_the_customer_wrote_is_never_read_as_a_placeholder():
    complaint = filed_complaint(customer_name="{{ reference }}")
    text = reply_templates.fill(
        ReplyTemplate.objects.create(title="Hi", body="Dear {{ customer_name }}"), complaint
    )
    assert text == "Dear {{ reference }}"


def test_an_agent_fills_the_reply_box_from_a_template_edits_it_and_sends_it(client):
    complaint = filed_complaint()
    template = ReplyTemplate.objects.create(title="Acknowledge", body=BODY)
    ReplyTemplate.objects.create(title="Retired", body="Old words.", active=False)
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(change_page(complaint)).content.decode()
    assert "Reply from a template" in page
    assert "Acknowledge" in page
    assert "Retired" not in page

    filled = client.get(change_page(complaint), {"reply_template": template.pk}).content.decode()
    assert f"Thank you for your complaint {complaint.reference}" in filled
    assert re.search(r'<input type="radio" name="kind" value="reply"[^>]*checked', filled)
    assert f'name="reply_template" value="{template.pk}"' in filled

    edited = reply_templates.fill(template, complaint) + "\n\nI have also booked an engineer."
    response = client.post(
        reverse("admin:complaints_complaint_entry", args=[complaint.pk]),
        {"kind": "reply", "body": edited, "reply_template": template.pk},
    )
    assert response.status_code == 302
    reply = complaint.timeline.get(kind=TimelineEntry.Kind.STAFF_REPLY)
    assert reply.body.endswith("I have also booked an engineer.")
    assert OutboundMessage.objects.filter(reference=complaint.reference, template_key="staff_reply").exists()
    template.refresh_from_db()
    assert template.times_used == 1


def test_a_welsh_customer_gets_the_welsh_version_when_there_is_one():
    complaint = filed_complaint(language="cy")
    template = ReplyTemplate.objects.create(
        title="Acknowledge", body="Dear {{ customer_name }}", body_cy="Annwyl {{ customer_name }}"
    )
    assert reply_templates.fill(template, complaint) == f"Annwyl {complaint.customer_name}"
    english_only = ReplyTemplate.objects.create(title="English", body="Dear {{ customer_name }}")
    assert reply_templates.fill(english_only, complaint) == f"Dear {complaint.customer_name}"


def test_managers_keep_the_templates_and_agents_only_use_them(client):
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    add = reverse("admin:complaints_replytemplate_add")
    refused = client.post(add, {"title": "Typo", "body": "Dear {{ nme }}", "active": "on"})
    assert refused.status_code == 200
    assert "Unknown placeholder" in refused.content.decode()
    assert (
        client.post(add, {"title": "Fine", "body": "Dear {{ customer_name }}", "active": "on"}).status_code
        == 302
    )
    client.force_login(staff_member(SUPPORT_AGENTS))
    assert client.get(add).status_code == 403


def test_a_reply_started_from_a_template_retired_meanwhile_is_still_sent(client):
    """The agent's words are never lost to a manager tidying the templates."""
    complaint = filed_complaint()
    template = ReplyTemplate.objects.create(title="Acknowledge", body=BODY)
    client.force_login(staff_member(SUPPORT_AGENTS))
    ReplyTemplate.objects.filter(pk=template.pk).update(active=False)
    response = client.post(
        reverse("admin:complaints_complaint_entry", args=[complaint.pk]),
        {"kind": "reply", "body": "Our words.", "reply_template": template.pk},
    )
    assert response.status_code == 302
    assert complaint.timeline.get(kind=TimelineEntry.Kind.STAFF_REPLY).body == "Our words."


def filled_template(complaint, template):
    url = reverse("admin:complaints_complaint_reply_template", args=[complaint.pk])
    return f"{url}?reply_template={template.pk}"


def test_the_page_fetches_a_template_filled_for_the_complaint_without_reloading(client):
    """What "Fill the reply" reads in the page, so the text the agent has typed stays where it is."""
    complaint = filed_complaint()
    template = ReplyTemplate.objects.create(
        title="Propose", body=BODY, action=ReplyTemplate.Action.PROPOSE_RESOLUTION
    )
    client.force_login(staff_member(SUPPORT_AGENTS))
    response = client.get(filled_template(complaint, template))
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    assert response.json() == {
        "template": template.pk,
        "body": reply_templates.fill(template, complaint),
        "action": "Propose a resolution (stage 1)",
        "action_problem": None,
    }
    assert ReplyTemplate.objects.get(pk=template.pk).times_used == 0  # counted when sent, not when read


def test_a_filled_template_is_only_for_staff_who_may_change_the_complaint(client):
    complaint = filed_complaint()
    template = ReplyTemplate.objects.create(title="Acknowledge", body=BODY)
    retired = ReplyTemplate.objects.create(title="Retired", body="Old words.", active=False)
    assert client.get(filled_template(complaint, template)).status_code == 302  # to the log-in page
    client.force_login(staff_member(AUDITORS))  # reads complaints, changes none
    assert client.get(filled_template(complaint, template)).status_code == 403
    client.force_login(staff_member(SUPPORT_AGENTS))
    assert client.get(filled_template(complaint, retired)).status_code == 404
    assert client.post(filled_template(complaint, template)).status_code == 405
    other = filed_complaint()
    missing = reverse("admin:complaints_complaint_reply_template", args=[other.pk + 1000])
    assert client.get(missing, {"reply_template": template.pk}).status_code == 404
    url = reverse("admin:complaints_complaint_reply_template", args=[complaint.pk])
    assert client.get(url, {"reply_template": "x"}).status_code == 404
