"""The managers' dashboard and the monthly report: what they show, who may see them, what they cost."""

import csv
import io

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from escalation import reporting, services
from escalation.models import Escalation
from escalation.roles import AUDITORS, COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import conclude, conclusion, filed_complaint, staff_member

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("staff:escalations")
REPORTS = reverse("staff:reports")


@pytest.fixture
def manager(client):
    user = staff_member(COMPLAINTS_MANAGERS, first_name="Mei", last_name="Lewis")
    client.force_login(user)
    return user


def test_the_dashboard_lists_overdue_complaints_oldest_first_with_owner_and_days(client, manager):
    older = filed_complaint(days_ago=20, category=Complaint.Category.BILLING)
    newer = filed_complaint(days_ago=8, category=Complaint.Category.BROADBAND_FAULT)
    fine = filed_complaint()
    newer.assigned_to = manager
    newer.save()
    page = client.get(DASHBOARD).content.decode()
    assert page.index(older.reference) < page.index(newer.reference)
    assert fine.reference not in page
    assert "Mei Lewis" in page
    assert "overdue" in page
    billing_only = client.get(DASHBOARD, {"category": "billing"}).content.decode()
    assert older.reference in billing_only
    assert newer.reference not in billing_only
    mine = client.get(DASHBOARD, {"assignee": str(manager.pk)}).content.decode()
    assert newer.reference in mine
    assert older.reference not in mine


def test_the_dashboard_exports_what_it_shows_as_csv(client, manager):
    late = filed_complaint(days_ago=9)
    response = client.get(DASHBOARD, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "reference"
    assert rows[1][0] == late.reference
    assert rows[1][3] == "Stage 1 resolution"


def test_counts_per_stage_and_weekly_shares():
    filed_complaint(days_ago=9)
    referred = filed_complaint()
    services.propose_resolution(complaint=referred, by=StaffUserFactory(), resolution="Credit")
    services.refer_to_complaints_manager(
        complaint=referred, channel=Complaint.Channel.PORTAL, reply_preference=Complaint.ReplyPreference.EMAIL
    )
    counts = {row["stage"]: row for row in reporting.counts_per_stage(reporting.DashboardFilters())}
    assert counts["Stage 1: Direct contact"]["open"] == 1
    assert counts["Stage 1: Direct contact"]["overdue"] == 1
    assert counts["Stage 2: Complaints Manager"]["open"] == 1
    weeks = reporting.weekly_on_time_shares(reporting.DashboardFilters())
    assert len(weeks) == reporting.CHART_WEEKS
    assert sum(week["acknowledged_counts"][1] for week in weeks) == 2
    # Both were acknowledged as they were logged, but the older one was logged 9 days after it arrived.
    assert sum(week["acknowledged_counts"][0] for week in weeks) == 1


@pytest.mark.parametrize(
    "path",
    [
        ["in_progress", "resolution_proposed", "resolved", "in_progress", "closed"],
        ["resolution_proposed", "in_progress", "resolved", "closed"],
        ["resolved", "in_progress", "resolution_proposed", "closed"],
        ["closed"],
    ],
)
def test_a_complaint_counts_as_open_on_the_dashboard_exactly_while_its_status_is_open(path):
    """The dashboard counts open complaints from their escalation alone (resolved_at empty), which
    its index holds: every change of status keeps that the same as the complaint's status."""
    complaint = filed_complaint()
    conclude(complaint)
    for status in path:
        complaint_services.change_complaint_status(
            complaint=complaint, new_status=status, by=StaffUserFactory(), note="Our final position."
        )
        complaint.refresh_from_db()
        is_open = complaint.status in OPEN_STATUSES
        assert (Escalation.objects.get(pk=complaint.pk).resolved_at is None) is is_open
        assert sum(row["open"] for row in reporting.counts_per_stage(reporting.DashboardFilters())) == is_open


def test_the_dashboard_counts_open_complaints_per_stage_from_one_index():
    """At a million complaints, 58,800 of them open, the counts read only the index of open ones on
    PostgreSQL, never the rows (SQLite, the embedded default, prefers its index of resolved_at: a few
    rows either way). Counting a column the index lacks read 16,400 pages of rows: 124 ms, not 6 ms."""
    filed_complaint(days_ago=9)
    counts = reporting.stage_counts(reporting.DashboardFilters(), today=timezone.localdate())
    sql, params = counts.query.sql_with_params()
    assert "complaints_complaint" not in sql  # no join: the escalation knows whether it is open
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index Only Scan using escalation_open_stage_deadline" in plan


def test_the_dashboard_costs_the_same_queries_for_more_complaints(
    client, manager, django_assert_max_num_queries
):
    filed_complaint(days_ago=9)
    client.get(DASHBOARD)
    with django_assert_max_num_queries(12) as few:
        client.get(DASHBOARD)
    for days in range(10, 20):
        filed_complaint(days_ago=days)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(DASHBOARD)


def test_the_monthly_report_counts_by_category_and_exports_csv(client, manager):
    agent = StaffUserFactory()
    resolved = filed_complaint(days_ago=1, category=Complaint.Category.BILLING)
    services.propose_resolution(complaint=resolved, by=agent, resolution="Refund")
    services.record_customer_acceptance(complaint=resolved, by=agent, **conclusion())
    deadlocked = filed_complaint(days_ago=1, category=Complaint.Category.BILLING)
    services.declare_deadlock(complaint=deadlocked, by=agent, final_position="No more.")
    filed_complaint(days_ago=1, category=Complaint.Category.INSTALLATION)

    rows = {
        row["group"]: row
        for row in reporting.monthly_report(by="category")
        if row["month"] == rows_month(resolved)
    }
    billing = rows["billing"]
    assert billing["received"] == 2
    assert billing["acknowledged_on_time"] == 2
    assert billing["resolved_at_stage_one_on_time"] == 1
    assert billing["deadlocks"] == 1
    assert billing["median_days_to_resolve"] is not None
    assert rows["installation"]["received"] == 1

    reporting.refresh_report_figures()  # as beat does
    page = client.get(REPORTS).content.decode()
    assert "Billing" in page
    assert "Median days to resolve" in page
    by_channel = client.get(REPORTS, {"by": "channel", "format": "csv"}).content.decode()
    assert by_channel.splitlines()[0].startswith("month,channel,Received")


def rows_month(complaint):
    return timezone.localtime(complaint.first_received_at).date().replace(day=1)


@pytest.mark.parametrize(
    ("role", "allowed"), [(SUPPORT_AGENTS, False), (COMPLAINTS_MANAGERS, True), (AUDITORS, True)]
)
def test_who_sees_the_dashboard_and_reports(client, role, allowed):
    client.force_login(staff_member(role))
    for url in (DASHBOARD, REPORTS):
        assert client.get(url).status_code == (200 if allowed else 403)


def test_the_public_cannot_see_them(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_complaints_ended_before_resolved_at_existed_get_one_and_open_ones_none():
    """Migration escalation 0016: rows written before 0005 added resolved_at keep the dashboard true."""
    from importlib import import_module

    from django.apps import apps

    ended_long_ago, reopened, open_one = filed_complaint(), filed_complaint(), filed_complaint()
    Complaint.objects.filter(pk=ended_long_ago.pk).update(status=Complaint.Status.CLOSED)
    Escalation.objects.filter(pk=reopened.pk).update(resolved_at=timezone.now())
    assert sum(row["open"] for row in reporting.counts_per_stage(reporting.DashboardFilters())) == 2

    import_module("escalation.migrations.0016_resolved_at_where_ended").resolved_at_where_ended(apps, None)

    ended_long_ago.refresh_from_db()
    assert Escalation.objects.get(pk=ended_long_ago.pk).resolved_at == ended_long_ago.updated_at
    assert Escalation.objects.get(pk=reopened.pk).resolved_at is None
    assert Escalation.objects.get(pk=open_one.pk).resolved_at is None
    assert sum(row["open"] for row in reporting.counts_per_stage(reporting.DashboardFilters())) == 2
    for escalation in Escalation.objects.select_related("complaint"):
        assert (escalation.resolved_at is None) is (escalation.complaint.status in OPEN_STATUSES)
