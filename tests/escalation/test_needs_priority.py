"""A customer who relies on a landline for safety (telecare) comes first within their deadline band,
and managers see how many there are; the reports count needs without naming anyone."""

import pytest
from django.urls import reverse

from complaints.models import SupportNeeds
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")
Need = SupportNeeds.Need


def telecare_complaint(**overrides):
    return filed_complaint(needs=[Need.TELECARE], needs_consent=True, **overrides)


def test_telecare_complaints_come_first_within_their_deadline_band_not_before_an_earlier_band(client):
    most_overdue = filed_complaint(days_ago=12)
    overdue_telecare = telecare_complaint(days_ago=8)
    fresh = filed_complaint()
    fresh_telecare = telecare_complaint()
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(CHANGELIST).content.decode()
    order = sorted(
        (overdue_telecare, most_overdue, fresh, fresh_telecare), key=lambda c: page.index(c.reference)
    )
    assert order == [overdue_telecare, most_overdue, fresh_telecare, fresh]


def test_a_column_sort_chosen_by_staff_still_wins(client):
    most_overdue = filed_complaint(days_ago=12)
    overdue_telecare = telecare_complaint(days_ago=8)
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(CHANGELIST, {"o": "6"}).content.decode()  # the next-deadline column, ascending
    assert page.index(most_overdue.reference) < page.index(overdue_telecare.reference)


def test_the_dashboard_counts_open_telecare_complaints_and_links_to_them(client):
    telecare_complaint()
    telecare_complaint(days_ago=8)
    filed_complaint()
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    page = client.get(reverse("staff:escalations")).content.decode()
    assert "Rely on a landline for safety" in page
    assert '<strong id="telecare-count">2</strong>' in page
    assert "landline=yes" in page
    listed = client.get(CHANGELIST, {"landline": "yes"}).content.decode()
    assert listed.count('class="action-select"') == 2


def test_the_report_counts_needs_without_naming_anyone(client):
    filed_complaint(customer_name="Ffion Hughes", needs=[Need.HEARING, Need.TELECARE], needs_consent=True)
    filed_complaint(needs=[Need.HEARING], needs_consent=True)
    filed_complaint()
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    page = client.get(reverse("staff:reports")).content.decode()
    assert "Customers' needs (open complaints, counted)" in page
    assert f'<th scope="row">{Need.HEARING.label}</th><td>2</td>' in page
    assert f'<th scope="row">{Need.TELECARE.label}</th><td>1</td>' in page
    assert "Ffion Hughes" not in page
