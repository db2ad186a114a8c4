"""The root-cause report (by month ended, root cause and outcome), its CSV, the compensation owed
against paid, and the dashboard's top 5 root causes: through the selectors and the staff pages."""

import csv
import io
import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from escalation import redress, root_cause_reporting, services
from escalation.models import CompensationRate, Escalation, Outcome, ReportFigures
from escalation.reporting import refresh_report_figures
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.escalation.factories import conclusion, filed_complaint, staff_member

pytestmark = pytest.mark.django_db

REPORT = reverse("staff:root_causes")


def resolved(by, *, outcome=Outcome.UPHELD, category=Complaint.Category.BROADBAND_FAULT, **cause):
    complaint = filed_complaint(days_ago=2, category=category)
    services.propose_resolution(complaint=complaint, by=by, resolution="A fix.")
    services.record_customer_acceptance(complaint=complaint, by=by, **conclusion(outcome, **cause))
    return complaint


@pytest.fixture
def manager(client):
    user = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(user)
    return user


@pytest.fixture
def ended_this_month(manager):
    """Three line drops (2 upheld, 1 not), one wrong charge partly upheld, one ended before they were asked."""
    CompensationRate.objects.update_or_create(
        kind="missed_appointment", effective_from=date(2026, 4, 1), defaults={"amount": Decimal("32.31")}
    )
    drops = [resolved(manager), resolved(manager), resolved(manager, outcome=Outcome.NOT_UPHELD)]
    charge = resolved(
        manager,
        outcome=Outcome.PARTLY_UPHELD,
        category=Complaint.Category.BILLING,
        group="Billing",
        name="Wrong charge after cancellation",
    )
    legacy = filed_complaint(days_ago=2)
    Complaint.objects.filter(pk=legacy.pk).update(status=Complaint.Status.RESOLVED)
    Escalation.objects.filter(pk=legacy.pk).update(resolved_at=timezone.now())
    today = timezone.localdate()
    redress.record_redress(
        complaint=charge, by=manager, kind="refund", given_on=today, amount=Decimal("20.00")
    )
    redress.record_redress(complaint=charge, by=manager, kind="apology", given_on=today)
    for complaint in drops[:2]:
        redress.record_service_failure(
            complaint=complaint, by=manager, kind="missed_appointment", appointment_on=date(2026, 4, 1)
        )
    redress.record_redress(
        complaint=drops[0], by=manager, kind="automatic_compensation", given_on=today, amount=Decimal("32.31")
    )
    redress.record_redress(
        complaint=drops[2], by=manager, kind="goodwill_credit", given_on=today, amount=Decimal("5.00")
    )
    return drops, charge


def test_the_report_counts_each_root_cause_and_outcome_with_the_share_upheld_and_redress(ended_this_month):
    rows = {row.root_cause: row for row in root_cause_reporting.root_cause_report()}
    drops = rows["Fault → Repeated line drop"]
    assert (drops.ended, drops.outcome_counts, drops.upheld_share) == (3, [2, 0, 1, 0], 67)
    assert (drops.goodwill, drops.automatic_compensation, drops.redress_total) == (
        Decimal("5.00"),
        Decimal("32.31"),
        Decimal("37.31"),
    )
    charge = rows["Billing → Wrong charge after cancellation"]
    assert (charge.ended, charge.upheld_share, charge.refunds, charge.apologies) == (
        1,
        100,
        Decimal("20.00"),
        1,
    )
    not_recorded = rows[root_cause_reporting.NOT_RECORDED]
    assert (not_recorded.ended, not_recorded.upheld_share) == (1, None)


def test_compensation_owed_is_counted_against_paid(ended_this_month):
    [month] = root_cause_reporting.compensation_owed_and_paid()
    assert month.month == timezone.localdate().replace(day=1)
    assert (month.complaints_owed, month.complaints_paid_in_full) == (2, 1)
    assert (month.owed, month.paid) == (Decimal("64.62"), Decimal("32.31"))
    # In pounds and pence as shown, on every database (SQLite's sums came back as "64.6200000000000").
    assert (str(month.owed), str(month.paid)) == ("64.62", "32.31")


def test_the_top_root_causes_of_the_month_come_most_first(ended_this_month):
    assert root_cause_reporting.top_root_causes() == [
        {"root_cause": "Fault → Repeated line drop", "count": 3},
        {"root_cause": "Billing → Wrong charge after cancellation", "count": 1},
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="covering indexes are PostgreSQL's")
def test_the_top_root_causes_are_counted_from_an_index_alone(ended_this_month):
    """Complaints ended this month grow to about 30,000 at a million by its last day; reading each
    one's row for its root cause took 12 ms for the first 6 days' 5,800 (2.6 ms from the index). The
    index of when complaints ended holds the root cause, and the count reads nothing else. (Which
    index a few test rows are read by is the planner's choice, so the index and the SQL are checked.)"""
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'escalation_resolved_cause'")
        (definition,) = cursor.fetchone()
    assert definition.endswith("(resolved_at) INCLUDE (root_cause_id)")
    with CaptureQueriesContext(connection) as queries:
        root_cause_reporting.top_root_causes()
    (query,) = queries.captured_queries
    assert 'COUNT("escalation_escalation"."root_cause_id")' in query["sql"]
    escalation_columns = set(re.findall(r'"escalation_escalation"\."(\w+)"', query["sql"]))
    assert escalation_columns == {"resolved_at", "root_cause_id"}


def test_the_page_shows_the_figures_beat_stored_and_reads_no_complaint(client, ended_this_month):
    """Computed per request, the page read 12 months of ended complaints and their redress: about
    4 s of SQL at a million complaints. It shows what beat last stored, and says when that was."""
    refresh_report_figures()
    manager = staff_member(COMPLAINTS_MANAGERS)
    resolved(manager, group="Contract", name="Mis-sold contract")  # after the figures were stored
    with CaptureQueriesContext(connection) as queries:
        page = client.get(REPORT).content.decode()
    assert "Fault → Repeated line drop" in page
    assert "Mis-sold contract" not in page
    assert "Figures as of" in page
    read = " ".join(query["sql"] for query in queries.captured_queries)
    for table in ("escalation_escalation", "escalation_redress", "escalation_servicefailure"):
        assert table not in read
    refresh_report_figures()
    assert "Contract → Mis-sold contract" in client.get(REPORT).content.decode()


def test_before_the_figures_are_first_computed_the_page_says_so(client, ended_this_month):
    ReportFigures.objects.all().delete()
    page = client.get(REPORT).content.decode()
    assert "have not been computed yet" in page


def test_the_report_page_and_its_csv(client, ended_this_month, django_assert_max_num_queries):
    refresh_report_figures()
    client.get(REPORT)
    with django_assert_max_num_queries(12) as counted:
        page = client.get(REPORT).content.decode()
    queries = len(counted.captured_queries)  # read now: the next request clears the connection's log
    assert "Fault → Repeated line drop" in page
    assert "67%" in page
    assert "Not recorded" in page
    response = client.get(REPORT, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["month ended", "root cause", "complaints ended"]
    drops = next(row for row in rows if row[1] == "Fault → Repeated line drop")
    assert drops[2:8] == ["3", "2", "0", "1", "0", "67"]
    assert drops[-1] == "37.31"
    # More complaints, the same queries.
    manager = staff_member(COMPLAINTS_MANAGERS)
    for _ in range(4):
        resolved(manager, outcome=Outcome.WITHDRAWN, group="Contract", name="Mis-sold contract")
    refresh_report_figures()
    with django_assert_max_num_queries(queries):
        page = client.get(REPORT).content.decode()
    assert "Contract → Mis-sold contract" in page


def test_the_dashboard_shows_the_top_five_in_constant_queries(
    client, ended_this_month, django_assert_max_num_queries
):
    dashboard = reverse("staff:escalations")
    client.get(dashboard)
    with django_assert_max_num_queries(30) as counted:
        page = client.get(dashboard).content.decode()
    assert "Top root causes this month" in page
    assert "Fault → Repeated line drop" in page
    manager = staff_member(COMPLAINTS_MANAGERS)
    for name in ("One", "Two", "Three", "Four", "Five"):
        resolved(manager, group="Other", name=name)
    with django_assert_max_num_queries(len(counted.captured_queries)):
        page = client.get(dashboard).content.decode()
    # Five in all: the line drops first, then those of one complaint each by name: Billing, three Others.
    assert page.count("Other → ") == 3


def test_the_report_is_for_those_who_see_the_dashboard(client):
    client.force_login(staff_member(SUPPORT_AGENTS))
    assert client.get(REPORT).status_code == 403
