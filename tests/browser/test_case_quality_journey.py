"""Issue 14 in one agent's morning, in a real browser: find the complaint by a surname typed without its
accent, reply from a template (which also proposes the resolution), record the redress given, and
record the customer's acceptance with its root cause and outcome."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from complaints.models import Complaint, ReplyTemplate, TimelineEntry
from escalation.models import Escalation, Redress
from escalation.roles import SUPPORT_AGENTS
from notifications.models import OutboundMessage
from tests.browser.support import screenshot
from tests.browser.test_staff_journeys import log_in
from tests.escalation.factories import filed_complaint, root_cause, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def test_an_agent_searches_replies_from_a_template_records_redress_and_resolves(live_server, desk):
    agent = staff_member(SUPPORT_AGENTS, username="amira", first_name="Amira", last_name="Khan")
    complaint = filed_complaint(
        customer_name="Anna Wójcik",
        email="anna.w@example.net",
        description="The router keeps overheating and the line drops every evening.",
    )
    filed_complaint(customer_name="Sam Patel", email="sam@example.com")
    cause = root_cause("Fault", "Repeated line drop")
    template = ReplyTemplate.objects.create(
        title="Offer a credit for the line drops",
        body="Dear {{ customer_name }}, we are sorry about the drops on {{ reference }}. We offer a £10 credit.",
        action=ReplyTemplate.Action.PROPOSE_RESOLUTION,
    )
    log_in(desk, live_server, agent)

    # Search: the surname without its accent (on PostgreSQL; SQLite's fallback matches the e-mail).
    desk.goto(live_server.url + reverse("admin:complaints_complaint_changelist"))
    typed = "wojcik" if connection.vendor == "postgresql" else "anna.w"
    desk.locator("#searchbar").fill(typed)
    desk.locator("#searchbar").press("Enter")
    desk.wait_for_url(f"**q={typed}**")
    rows = desk.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Anna Wójcik" in rows.first.inner_text()
    rows.first.get_by_role("link", name=complaint.reference).click()

    # Reply from the template: it fills the box for this customer; the agent edits, then sends.
    desk.get_by_label("Reply from a template").select_option(label=template.title)
    desk.get_by_role("button", name="Fill the reply").click()
    box = desk.get_by_label("What was said or written")
    expect(box).to_have_value(
        re.compile("^Dear Anna Wójcik, we are sorry about the drops on " + complaint.reference)
    )
    filled = box.input_value()
    assert (
        desk.locator("#template-action")
        .inner_text()
        .startswith("Sending this reply will also: Propose a resolution")
    )
    box.fill(filled + " An engineer will also check the line on Friday.")
    desk.get_by_label("Reply to the customer (sent to them)").check()
    screenshot(desk, "agent-reply-from-template")
    desk.get_by_role("button", name="Add", exact=True).click()
    desk.locator(".messagelist").wait_for()

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLUTION_PROPOSED  # the template's action
    reply = complaint.timeline.filter(kind=TimelineEntry.Kind.STAFF_REPLY).get()
    assert reply.body.endswith("An engineer will also check the line on Friday.")
    assert OutboundMessage.objects.filter(
        reference=complaint.reference, body_text__contains="Friday"
    ).exists()
    template.refresh_from_db()
    assert template.times_used == 1

    # Redress given: a £10 goodwill credit, today.
    desk.get_by_role("link", name="Record redress given").click()
    desk.get_by_label("What we gave").select_option(label="Goodwill credit (£)")
    desk.get_by_label("Amount (£)").fill("10")
    desk.get_by_label("Given on").fill(timezone.localdate().isoformat())
    desk.get_by_role("button", name="Save").click()
    desk.locator(".messagelist").wait_for()
    assert Redress.objects.get(complaint=complaint).amount == Decimal("10")

    # The customer accepts: the form refuses without a root cause and outcome, then resolves.
    desk.get_by_role("link", name="Record the customer's acceptance").click()
    desk.get_by_role("button", name="Save").click()
    desk.get_by_text("Choose the root cause: why the customer complained.").wait_for()
    assert Complaint.objects.get(pk=complaint.pk).status == Complaint.Status.RESOLUTION_PROPOSED
    desk.get_by_label("Root cause").select_option(label=str(cause))
    desk.get_by_label("Outcome").select_option(label="Upheld")
    screenshot(desk, "agent-acceptance-with-root-cause")
    desk.get_by_role("button", name="Save").click()
    desk.locator(".messagelist").wait_for()

    complaint.refresh_from_db()
    escalation = Escalation.objects.get(complaint=complaint)
    assert complaint.status == Complaint.Status.RESOLVED
    assert (escalation.root_cause, escalation.outcome) == (cause, "upheld")


def test_filling_the_reply_from_a_template_keeps_what_the_agent_had_typed(live_server, desk):
    agent = staff_member(SUPPORT_AGENTS, username="amira", first_name="Amira", last_name="Khan")
    complaint = filed_complaint(customer_name="Rhys Davies")
    apology = ReplyTemplate.objects.create(title="Apology", body="We are sorry, {{ customer_name }}.")
    proposal = ReplyTemplate.objects.create(
        title="Propose a credit",
        body="We offer a £10 credit on {{ reference }}.",
        action=ReplyTemplate.Action.PROPOSE_RESOLUTION,
    )
    log_in(desk, live_server, agent)
    desk.goto(live_server.url + reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    box = desk.get_by_label("What was said or written")
    box.fill("I called you this morning about the line.")
    page_url = desk.url

    desk.get_by_label("Reply from a template").select_option(label=apology.title)
    desk.get_by_role("button", name="Fill the reply").click()
    expect(box).to_have_value("I called you this morning about the line.\n\nWe are sorry, Rhys Davies.")
    assert desk.url == page_url  # no reload: the rest of the page keeps what was typed too
    assert desk.get_by_label("Reply to the customer (sent to them)").is_checked()

    # Another template right away replaces the one just filled, never the agent's own words.
    desk.get_by_label("Reply from a template").select_option(label=proposal.title)
    desk.get_by_role("button", name="Fill the reply").click()
    expect(box).to_have_value(
        f"I called you this morning about the line.\n\nWe offer a £10 credit on {complaint.reference}."
    )
    desk.locator("#template-action").get_by_text(
        "Sending this reply will also: Propose a resolution"
    ).wait_for()
    desk.get_by_role("button", name="Add", exact=True).click()
    desk.locator(".messagelist").wait_for()

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLUTION_PROPOSED  # the chosen template's action
    reply = complaint.timeline.get(kind=TimelineEntry.Kind.STAFF_REPLY)
    assert reply.body.startswith("I called you this morning about the line.")
    proposal.refresh_from_db()
    assert proposal.times_used == 1


def test_a_template_of_several_lines_is_swapped_and_a_failed_fill_keeps_the_text(live_server, desk):
    agent = staff_member(SUPPORT_AGENTS, username="amira", first_name="Amira", last_name="Khan")
    complaint = filed_complaint(customer_name="Rhys Davies")
    # As a manager's form saves it: line breaks as \r\n.
    letter = ReplyTemplate.objects.create(title="Letter", body="Dear {{ customer_name }},\r\nline two.")
    short = ReplyTemplate.objects.create(
        title="Short", body="Other words.", action=ReplyTemplate.Action.PROPOSE_RESOLUTION
    )
    log_in(desk, live_server, agent)
    desk.goto(live_server.url + reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    box = desk.get_by_label("What was said or written")
    box.fill("Mine.")
    chooser = desk.get_by_label("Reply from a template")
    chooser.select_option(label=letter.title)
    desk.get_by_role("button", name="Fill the reply").click()
    expect(box).to_have_value("Mine.\n\nDear Rhys Davies,\nline two.")
    chooser.select_option(label=short.title)
    desk.get_by_role("button", name="Fill the reply").click()
    expect(box).to_have_value("Mine.\n\nOther words.")

    # A manager retires the template meanwhile: the agent is told, and nothing typed is lost.
    ReplyTemplate.objects.filter(pk=letter.pk).update(active=False)
    box.fill("Mine, edited.")
    chooser.select_option(label=letter.title)
    desk.get_by_role("button", name="Fill the reply").click()
    note = desk.locator("#template-action")
    note.get_by_text("This template could not be filled just now.").wait_for()
    assert box.input_value() == "Mine, edited."
    # The reply still starts from the last template filled: what sending it will also do is still said.
    assert "Sending this reply will also: Propose a resolution" in note.inner_text()
    assert desk.locator("#complaint-entry input[name='reply_template']").input_value() == str(short.pk)
