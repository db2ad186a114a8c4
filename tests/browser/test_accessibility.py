"""WCAG 2.2 AA, measured: axe-core (axe-playwright-python) on every customer page in every state and
every staff page, at a desktop's and a phone's size, in Debian's Chromium. Any violation fails,
named with its page and the first element it was found on."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import timezone

from complaints.models import ReplyTemplate
from complaints.tracking_links import make_tracking_token
from escalation import redress, rules, satisfaction, selectors
from escalation.models import CompensationRate, Escalation, SatisfactionSurvey
from escalation.roles import COMPLAINTS_MANAGERS
from escalation.satisfaction_links import make_stop_token, make_survey_token
from escalation.stage_actions import STAGE_ACTIONS, offered_stage_actions
from tests.browser.support import fill_in_the_complaint_form
from tests.browser.test_staff_journeys import log_in
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import conclusion, filed_complaint, root_cause, staff_member
from tests.escalation.states import STATES, complaint_in
from tests.notifications.factories import OutboundMessageFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Axe()
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


def violations(page) -> list[str]:
    """What axe finds on the page as it is now: one line per rule broken."""
    page.wait_for_load_state("load")
    found = AXE.run(page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}}).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}) ×{len(rule['nodes'])}, first at {rule['nodes'][0]['target']}"
        for rule in found
    ]


class Audit:
    """Visits pages and keeps what axe found on each."""

    def __init__(self, page, base_url: str):
        self.page, self.base_url, self.found, self.checked = page, base_url, {}, []

    def visit(self, name: str, path: str | None = None):
        if path is not None:
            self.page.goto(self.base_url + path)
        self.check(name)

    def check(self, name: str):
        self.checked.append(name)
        if problems := violations(self.page):
            self.found[name] = problems

    def assert_clean(self):
        report = "\n".join(f"{name}:\n  " + "\n  ".join(problems) for name, problems in self.found.items())
        assert not self.found, f"axe found violations on {len(self.found)} pages:\n{report}"


@pytest.fixture(params=sorted(VIEWPORTS))
def audit(request, browser, live_server):
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    yield Audit(context.new_page(), live_server.url)
    context.close()


def customer_page(complaint) -> str:
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    return reverse("complaints:tracking_link", args=[token])


def test_every_customer_page_in_every_state_has_no_violations(audit):
    page = audit.page
    audit.visit("home", "/")
    audit.visit("complaints code", reverse("complaints_code"))
    audit.visit("filing form", reverse("complaints:new"))
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    audit.check("filing form with errors")
    fill_in_the_complaint_form(page)
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="We've received your complaint").wait_for()
    audit.check("complaint filed")
    page.get_by_role("link", name="See your complaint").click()
    page.get_by_label("Your message").fill("It dropped again last night.")
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("Your message has been added").wait_for()
    audit.check("complaint page after a message")
    audit.visit("tracking form", reverse("complaints:track"))
    page.get_by_label("Complaint reference").fill("NS-7K2M-Q9XD")
    page.get_by_label("Your e-mail address").fill("someone@example.com")
    page.get_by_role("button", name="Find my complaint").click()
    page.get_by_text("We couldn't find a complaint with those details").wait_for()
    audit.check("tracking form, not found")
    audit.visit("a complaint not found", reverse("complaints:detail", args=["NS-7K2M-Q9XD"]))

    agent = staff_member(COMPLAINTS_MANAGERS)
    for state in STATES:
        complaint = complaint_in(state, by=agent)
        audit.visit(f"complaint page: {state}", customer_page(complaint))
        if state == "proposed":
            audit.visit("referral form", reverse("escalation:refer", args=[complaint.reference]))
            page.get_by_role("button", name="Refer my complaint").click()
            audit.check("referral form with errors")
        if state == "answered by the Complaints Manager":
            audit.visit("MD review form", reverse("escalation:md_review", args=[complaint.reference]))

    audit.assert_clean()


def test_the_welsh_pages_have_no_violations_and_the_switch_keeps_the_page(audit):
    page = audit.page
    page.goto(audit.base_url + reverse("complaints:new"))
    page.get_by_role("button", name="Cymraeg").click()  # a form and a button: no JavaScript needed
    page.get_by_role("heading", name="Gwneud cwyn", exact=True).wait_for()
    assert page.url == audit.base_url + reverse("complaints:new")
    assert page.locator("html").get_attribute("lang") == "cy"
    audit.check("filing form in Welsh")
    page.get_by_role("button", name="Anfon fy nghwyn").click()
    page.get_by_role("heading", name="Mae problem").wait_for()
    audit.check("filing form with errors in Welsh")
    audit.visit("home in Welsh", "/")
    audit.visit("complaints code in Welsh", reverse("complaints_code"))
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Our complaints code").wait_for()
    assert page.locator("html").get_attribute("lang") == "en-gb"
    audit.assert_clean()


def test_every_staff_page_has_no_violations(audit, settings):
    # A superuser is offered every stage action the rules allow, whatever the role; as an ISPA
    # member, the ISPA referral too.
    settings.ISPA_MEMBER = True
    staff = StaffUserFactory(is_superuser=True)
    complaints = [complaint_in(state, by=staff) for state in STATES]
    OutboundMessageFactory()
    template = ReplyTemplate.objects.create(title="Acknowledge", body="Dear {{ customer_name }}")
    log_in(audit.page, type("Server", (), {"url": audit.base_url}), staff)
    audit.check("admin index")
    changelist = reverse("admin:complaints_complaint_changelist")
    audit.visit("complaint list", changelist)
    audit.visit("complaint list, filtered", changelist + "?stage=1&deadline=overdue&waiting=replied")
    audit.visit(
        "complaint, a reply filled from a template",
        reverse("admin:complaints_complaint_change", args=[complaints[0].pk])
        + f"?reply_template={template.pk}",
    )
    audit.visit("reply templates", reverse("admin:complaints_replytemplate_changelist"))
    audit.visit("a reply template", reverse("admin:complaints_replytemplate_change", args=[template.pk]))
    seen_actions = set()
    for state, complaint in zip(STATES, complaints, strict=True):
        audit.visit(f"complaint: {state}", reverse("admin:complaints_complaint_change", args=[complaint.pk]))
        escalation = Escalation.objects.get(pk=complaint.pk)
        facts = rules.facts_of(complaint, escalation, selectors.ombudsman_case_for(escalation))
        for action in sorted(set(offered_stage_actions(staff, facts)) - seen_actions):
            seen_actions.add(action)
            audit.visit(
                f"{action} form", reverse("admin:escalation_stage_action", args=[complaint.pk, action])
            )
            if audit.page.locator("#content-main form [required]").count():  # empty, it is refused
                audit.page.locator("#content-main form [type=submit]").click()
                audit.page.locator(".errorlist").first.wait_for()
                audit.check(f"{action} form with errors")
    assert seen_actions == set(STAGE_ACTIONS)  # every stage action's form, at least once
    audit.visit("log a complaint", reverse("admin:complaints_complaint_add"))
    audit.visit("outbox", reverse("admin:notifications_outboundmessage_changelist"))
    audit.visit("calendar adjustments", reverse("admin:escalation_calendaradjustment_changelist"))
    audit.visit("add a calendar adjustment", reverse("admin:escalation_calendaradjustment_add"))
    audit.visit("e-mails received", reverse("admin:complaints_inboundemail_changelist"))
    audit.visit("escalations", reverse("staff:escalations"))
    audit.visit("reports", reverse("staff:reports"))
    audit.visit("root causes report", reverse("staff:root_causes"))
    group = root_cause().group
    audit.visit("root-cause groups", reverse("admin:escalation_rootcausegroup_changelist"))
    audit.visit("a root-cause group", reverse("admin:escalation_rootcausegroup_change", args=[group.pk]))
    audit.visit("add a root-cause group", reverse("admin:escalation_rootcausegroup_add"))
    audit.visit("compensation rates", reverse("admin:escalation_compensationrate_changelist"))
    audit.visit("add a compensation rate", reverse("admin:escalation_compensationrate_add"))
    audit.visit("redress given", reverse("admin:escalation_redress_changelist"))
    audit.visit("service failures", reverse("admin:escalation_servicefailure_changelist"))
    audit.assert_clean()


def test_the_redress_panel_with_compensation_owed_has_no_violations(audit):
    staff = StaffUserFactory(is_superuser=True)
    complaint = complaint_in("ombudsman remedy done", by=staff, category="broadband_fault")
    CompensationRate.objects.get_or_create(
        kind="delayed_repair", effective_from=date(2026, 4, 1), defaults={"amount": Decimal("10.34")}
    )
    redress.record_conclusion(complaint=complaint, by=staff, **conclusion())
    redress.record_redress(complaint=complaint, by=staff, kind="apology", given_on=date(2026, 4, 3))
    redress.record_service_failure(
        complaint=complaint,
        by=staff,
        kind="delayed_repair",
        fault_reported_at=datetime(2026, 3, 25, 14, tzinfo=UTC),
        fault_fixed_at=datetime(2026, 4, 10, 10, tzinfo=UTC),
    )
    log_in(audit.page, type("Server", (), {"url": audit.base_url}), staff)
    audit.visit("complaint with redress", reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert "no rate recorded" in audit.page.content()  # the days before 1 April 2026, in this test's table
    audit.assert_clean()


def test_merging_and_linking_have_no_violations_staff_or_customer_side(audit):
    """Issue 14, part 3, in the browser: a manager merges from the possible duplicates through the
    page that says what will happen, links another; the customer follows the merged reference."""
    page = audit.page
    manager = staff_member(COMPLAINTS_MANAGERS)
    primary = filed_complaint(days_ago=3, email="zoe@example.com")
    duplicate = filed_complaint(email="zoe@example.com")
    neighbour = filed_complaint(email="sam@example.com", customer_name="Sam Patel")
    proposal = ReplyTemplate.objects.create(
        title="Propose", body="We propose a credit.", action=ReplyTemplate.Action.PROPOSE_RESOLUTION
    )
    log_in(page, type("Server", (), {"url": audit.base_url}), manager)
    audit.visit("merge: choose the other", reverse("admin:complaints_complaint_merge", args=[duplicate.pk]))
    page.get_by_label("The other complaint's reference").fill("NS-0000-0000")
    page.get_by_role("button", name="Continue").click()
    page.get_by_text("No complaint has this reference.").wait_for()
    audit.check("merge: an unknown reference")
    audit.visit(
        "complaint with possible duplicates",
        reverse("admin:complaints_complaint_change", args=[duplicate.pk]),
    )
    page.get_by_role("link", name=f"Merge with {primary.reference}…").click()
    page.get_by_role("heading", name="What merging will do").wait_for()
    audit.check("merge: what will happen")
    page.get_by_role("button", name="Merge").click()
    page.locator(".errorlist").first.wait_for()
    audit.check("merge: with errors")
    page.get_by_label(f"{primary.reference}, first received").check()
    page.get_by_label("Why they are the same complaint").fill("Phoned, then filed online.")
    page.get_by_role("button", name="Merge").click()
    page.get_by_text(f"{duplicate.reference} merged into {primary.reference}").wait_for()
    audit.check("complaint after a merge")
    page.get_by_label("Another complaint's reference").fill(neighbour.reference)
    page.get_by_role("button", name="Link…").click()
    audit.check("link: confirm")
    page.get_by_role("button", name="Link").click()
    page.get_by_role("button", name=f"Unlink {neighbour.reference}").wait_for()
    audit.check("complaint with a linked complaint")
    audit.visit("merged complaint", reverse("admin:complaints_complaint_change", args=[duplicate.pk]))
    audit.visit(
        "reply box with a template's action",
        reverse("admin:complaints_complaint_change", args=[primary.pk]) + f"?reply_template={proposal.pk}",
    )
    duplicate.refresh_from_db()
    page.goto(audit.base_url + customer_page(duplicate))
    page.get_by_text(f"Your complaint {duplicate.reference} was joined with {primary.reference}").wait_for()
    assert page.url.endswith(reverse("complaints:detail", args=[primary.reference]))
    audit.check("customer: the merged reference opens the primary")
    audit.assert_clean()


def test_the_satisfaction_survey_pages_have_no_violations(audit):
    """The survey from the e-mail's link (chosen, with a mistake, answered), closed, a broken link,
    "don't ask me again" before and after, in English and, opened by a Welsh customer, in Welsh."""
    page = audit.page
    agent = staff_member(COMPLAINTS_MANAGERS)
    welsh = complaint_in("resolved", by=agent, language="cy")
    audit.visit("survey in Welsh (from the e-mail)", reverse("escalation:survey", args=[survey_token(welsh)]))
    assert page.locator("html").get_attribute("lang") == "cy"
    page.context.clear_cookies()
    complaint = complaint_in("resolved", by=agent)
    survey = reverse("escalation:survey", args=[survey_token(complaint)])
    audit.visit("survey, a score chosen in the e-mail", survey + "?score=4")
    audit.visit("survey", survey)
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    audit.check("survey with errors")
    page.get_by_label("3 – neither satisfied nor dissatisfied").check()
    page.get_by_role("button", name="Send", exact=True).click()
    page.get_by_text("Thank you for your answer.").first.wait_for()
    audit.check("survey answered")
    audit.visit("complaint page with the survey answered", customer_page(complaint))
    SatisfactionSurvey.objects.filter(pk=complaint.pk).update(invited_at=timezone.now() - timedelta(days=30))
    audit.visit("survey closed", survey)
    audit.visit("survey link not genuine", reverse("escalation:survey", args=["1:abc:def"]))
    stop = reverse("escalation:survey_stop", args=[make_stop_token(complaint.pk)])
    audit.visit("don't ask me again", stop)
    page.get_by_role("button", name="Don't ask me again").click()
    page.get_by_text("we will not ask you").wait_for()
    audit.check("don't ask me again, done")
    audit.assert_clean()


def test_the_satisfaction_staff_pages_have_no_violations(audit):
    agent = staff_member(COMPLAINTS_MANAGERS)
    complaint = complaint_in("resolved", by=agent)
    satisfaction.answer_survey(survey=complaint.satisfaction_survey, score=1, comment="Nobody rang me back.")
    log_in(audit.page, type("Server", (), {"url": audit.base_url}), agent)
    audit.visit(
        "surveys", reverse("admin:escalation_satisfactionsurvey_changelist") + "?follow_up__exact=needed"
    )
    audit.visit("a survey", reverse("admin:escalation_satisfactionsurvey_change", args=[complaint.pk]))
    audit.visit(
        "complaints with low satisfaction",
        reverse("admin:complaints_complaint_changelist") + "?satisfaction=to-follow-up",
    )
    audit.visit(
        "complaint with a low score", reverse("admin:complaints_complaint_change", args=[complaint.pk])
    )
    audit.visit(
        "follow-up form", reverse("admin:escalation_satisfactionsurvey_follow_up", args=[complaint.pk])
    )
    audit.page.locator("#content-main form [type=submit]").click()
    audit.page.locator(".errorlist").first.wait_for()
    audit.check("follow-up form with errors")
    audit.assert_clean()


def survey_token(complaint) -> str:
    return make_survey_token(complaint.pk)
