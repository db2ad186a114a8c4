"""A customer who relies on a landline for safety (telecare) comes first within their deadline band,
and managers see how many there are; the reports count needs without naming anyone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints import needs_register
from complaints.models import Complaint, SupportNeeds
from complaints.workflow import OPEN_STATUSES
from escalation import list_order
from escalation.models import Escalation
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
    closed = telecare_complaint()
    Complaint.objects.filter(pk=closed.pk).update(status=Complaint.Status.CLOSED)
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


@pytest.mark.skipif(connection.vendor != "postgresql", reason="server-side cursors are PostgreSQL's")
def test_the_report_reads_the_needs_it_counts_in_one_result_not_through_a_cursor():
    """A cursor is planned for its first tenth of rows: at 100,000 complaints PostgreSQL then read the
    2,300 open complaints with needs row by row, 84 ms of a 116 ms report page, not 8 ms."""
    filed_complaint(needs=[Need.HEARING], needs_consent=True)
    with CaptureQueriesContext(connection) as queries:
        counts = needs_register.open_complaint_counts(OPEN_STATUSES)
    assert counts["with_needs"] == 1
    assert not any("DECLARE" in query["sql"] for query in queries.captured_queries)


ROWS = st.lists(
    st.tuples(st.none() | st.integers(min_value=-6, max_value=8), st.booleans()), min_size=1, max_size=9
)


@pytest.fixture
def pool():
    """Nine complaints with their clocks, made once for the test; each example rewrites their deadlines."""
    return [filed_complaint(acknowledged=False) for _ in range(9)]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=ROWS, per_page=st.integers(min_value=1, max_value=4), orphans=st.integers(min_value=0, max_value=2)
)
def test_each_page_of_the_default_order_is_the_slice_of_the_full_banded_sort(pool, rows, per_page, orphans):
    """The paginator sorts only the rows that can be on a page: its pages, end to end, are the list
    sorted by band, landline first and deadline, whatever the deadlines, flags and page sizes."""
    today = timezone.localdate()
    chosen = pool[: len(rows)]
    for complaint, (offset, landline) in zip(chosen, rows, strict=True):
        due = None if offset is None else today + timedelta(days=offset)
        Escalation.objects.filter(pk=complaint.pk).update(next_deadline=due)
        Complaint.objects.filter(pk=complaint.pk).update(relies_on_landline_for_safety=landline)
    listed = Complaint.objects.filter(pk__in=[c.pk for c in chosen], escalation__isnull=False)
    expected = list(listed.order_by(*list_order.banded_order()).values_list("pk", flat=True))
    paginator = list_order.LandlineFirstPaginator(
        listed.order_by(*list_order.banded_order()), per_page, orphans=orphans
    )
    paged = [c.pk for number in paginator.page_range for c in paginator.page(number).object_list]
    assert paged == expected


def test_a_complaints_history_page_still_opens(client):
    """The admin's history page pages log entries with the same paginator hook as the list."""
    complaint = telecare_complaint()
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    response = client.get(reverse("admin:complaints_complaint_history", args=[complaint.pk]))
    assert response.status_code == 200


def test_deep_pages_are_read_by_the_database_sort(monkeypatch, pool):
    """Past the first pages, the ids a page would need grow with its number: the database sorts instead."""
    monkeypatch.setattr(list_order.LandlineFirstPaginator, "CANDIDATES_AT_MOST", 4)
    today = timezone.localdate()
    for offset, complaint in enumerate(pool):
        Escalation.objects.filter(pk=complaint.pk).update(next_deadline=today + timedelta(days=offset - 4))
    Complaint.objects.filter(pk__in=[pool[5].pk, pool[8].pk]).update(relies_on_landline_for_safety=True)
    listed = Complaint.objects.filter(pk__in=[c.pk for c in pool]).order_by(*list_order.banded_order())
    expected = list(listed.values_list("pk", flat=True))
    paginator = list_order.LandlineFirstPaginator(listed, 2)
    assert [c.pk for n in paginator.page_range for c in paginator.page(n).object_list] == expected
