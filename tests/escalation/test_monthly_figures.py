"""The monthly report at a million complaints: its figures are recomputed in the background (beat) into
a table, and the page reads that table, in the same few queries whatever the number of complaints."""

import pytest
from django.conf import settings
from django.urls import reverse

from complaints.models import Complaint
from escalation import reporting, tasks
from escalation.models import ReportFigures
from escalation.roles import COMPLAINTS_MANAGERS
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

REPORTS = reverse("staff:reports")


@pytest.fixture
def manager(client):
    client.force_login(staff_member(COMPLAINTS_MANAGERS))


def billing_received(by="category") -> int:
    rows, _ = reporting.stored_monthly_report(by=by)
    return sum(row["received"] for row in rows if row["group"] == Complaint.Category.BILLING)


def test_the_figures_are_stored_for_each_grouping_and_read_back_as_computed():
    filed_complaint(category=Complaint.Category.BILLING)
    filed_complaint(category=Complaint.Category.INSTALLATION)
    reporting.refresh_report_figures()
    for by in reporting.REPORT_GROUPS:
        stored, computed_at = reporting.stored_monthly_report(by=by)
        assert stored == reporting.monthly_report(by=by)
        assert computed_at is not None
    assert set(ReportFigures.objects.values_list("grouping", flat=True)) == {
        *reporting.REPORT_GROUPS,
        reporting.WEEKLY_BY_CATEGORY,
        ReportFigures.COMPUTED,
    }


def test_the_page_shows_the_figures_as_of_their_last_refresh_and_beat_refreshes_them(client, manager):
    filed_complaint(category=Complaint.Category.BILLING)
    first = client.get(REPORTS).content.decode()  # a read never computes them
    assert "These figures have not been computed yet" in first
    assert not ReportFigures.objects.exists()
    tasks.refresh_report_figures_task()
    assert billing_received() == 1
    filed_complaint(category=Complaint.Category.BILLING)
    assert billing_received() == 1  # as of the last refresh, which the page says
    assert "Figures as of" in client.get(REPORTS).content.decode()

    tasks.refresh_report_figures_task()
    assert billing_received() == 2
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert any(entry["task"] == "escalation.tasks.refresh_report_figures_task" for entry in schedule.values())


@pytest.mark.parametrize("page", [REPORTS, reverse("staff:root_causes")])
def test_figures_computed_over_nothing_are_still_computed(client, manager, page):
    """A new portal, or one whose complaints are all still open: nothing to count in 12 months is
    not "not computed yet" (the pages took when from the rows stored, and none were)."""
    reporting.refresh_report_figures()
    shown = client.get(page).content.decode()
    assert "have not been computed yet" not in shown
    assert "Figures as of" in shown


def test_a_refresh_replaces_the_figures_without_leaving_old_months_or_groups():
    complaint = filed_complaint(category=Complaint.Category.BILLING)
    reporting.refresh_report_figures()
    Complaint.objects.filter(pk=complaint.pk).update(category=Complaint.Category.CONTRACT)
    reporting.refresh_report_figures()
    assert billing_received() == 0
    assert not ReportFigures.objects.filter(group=Complaint.Category.BILLING).exists()


def test_the_page_costs_the_same_queries_for_more_complaints(client, manager, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    filed_complaint(category=Complaint.Category.BILLING)
    reporting.refresh_report_figures()
    with CaptureQueriesContext(connection) as few:
        client.get(REPORTS)
    for category in Complaint.Category.values:
        filed_complaint(category=category, days_ago=40)
    reporting.refresh_report_figures()
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(REPORTS, {"by": "channel"})
    assert page.status_code == 200
    csv = client.get(REPORTS, {"by": "category", "format": "csv"}).content.decode()
    assert len(csv.splitlines()) > 2


def test_the_dashboard_chart_reads_the_stored_weekly_figures_by_category(client, manager):
    filed_complaint(category=Complaint.Category.BILLING)
    filed_complaint(category=Complaint.Category.INSTALLATION)
    reporting.refresh_report_figures()
    everyone = reporting.DashboardFilters()
    assert reporting.stored_weekly_on_time_shares(everyone) == reporting.weekly_on_time_shares(everyone)
    billing = reporting.DashboardFilters(category=Complaint.Category.BILLING)
    assert reporting.stored_weekly_on_time_shares(billing) == reporting.weekly_on_time_shares(billing)
    this_week = reporting.stored_weekly_on_time_shares(billing)[-1]
    assert this_week["acknowledged_counts"] == (1, 1)
    filed_complaint(category=Complaint.Category.BILLING)  # counted at the next refresh
    assert reporting.stored_weekly_on_time_shares(billing)[-1]["acknowledged_counts"] == (1, 1)
    assert "Recomputed every 10 minutes" in client.get(reverse("staff:escalations")).content.decode()
