"""Staff journeys in a real headless browser: an agent triaging in the admin, a manager's dashboard."""

import pytest
from django.urls import reverse

from complaints.models import Complaint
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.browser.support import screenshot
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"  # StaffUserFactory's


@pytest.fixture
def desk(browser):
    """A desktop-sized window: staff work at a desk."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def log_in(page, live_server, user):
    page.goto(live_server.url + reverse("admin:login"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Site administration").or_(
        page.get_by_text("Complaints administration")
    ).first.wait_for()


def test_an_agent_filters_overdue_complaints_and_takes_one(live_server, desk):
    agent = staff_member(SUPPORT_AGENTS, username="amira", first_name="Amira", last_name="Khan")
    overdue = filed_complaint(days_ago=12, customer_name="Rhys Davies")
    filed_complaint(customer_name="Isla Brown")  # fresh: not overdue
    log_in(desk, live_server, agent)

    desk.goto(live_server.url + reverse("admin:complaints_complaint_changelist"))
    desk.get_by_role("link", name="Overdue").click()
    desk.wait_for_url("**deadline=overdue**")
    desk.locator("#result_list").wait_for()
    rows = desk.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "Rhys Davies" in rows.first.inner_text()
    assert "overdue" in rows.first.inner_text()

    rows.first.locator("input.action-select").check()
    desk.locator("select[name=action]").select_option("assign_to_me")
    desk.get_by_role("button", name="Go").click()
    desk.get_by_text("1 complaint(s) assigned to you.").wait_for()
    screenshot(desk, "agent-overdue-list")

    desk.get_by_role("link", name="Me", exact=True).click()
    desk.wait_for_url("**assignee=mine**")
    assert "Rhys Davies" in desk.locator("#result_list").inner_text()
    assert Complaint.objects.get(pk=overdue.pk).assigned_to == agent


def test_a_manager_sees_what_is_late_on_the_dashboard(live_server, desk):
    manager = staff_member(COMPLAINTS_MANAGERS, username="mei", first_name="Mei", last_name="Lewis")
    late = [
        filed_complaint(days_ago=days, customer_name=name)
        for days, name in ((15, "Owen Hughes"), (6, "Priya Patel"))
    ]
    filed_complaint(customer_name="Tom Walsh")
    log_in(desk, live_server, manager)

    desk.get_by_role("link", name="Escalations").click()
    desk.get_by_role("heading", name="Overdue and due within 2 working days, oldest first").wait_for()
    table = desk.locator("table").last.inner_text()
    assert table.index(late[0].reference) < table.index(late[1].reference)  # oldest first
    assert "Tom Walsh" not in table
    tiles = desk.get_by_label("Open complaints per stage").inner_text()
    assert "2 overdue" in tiles
    screenshot(desk, "manager-dashboard")

    desk.get_by_role("link", name=late[0].reference).click()
    desk.get_by_role("heading", name="Stage and clocks: Stage 1: Direct contact").wait_for()
