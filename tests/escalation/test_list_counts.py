"""The complaint list counts exactly up to 1,000 matches; past that, PostgreSQL's estimate, shown as
"about": counting a million rows exactly costs a fifth of a second for a number nobody reads exactly."""

import pytest
from django.db import connection
from django.urls import reverse

from complaints.models import Complaint
from escalation import list_order
from escalation.roles import SUPPORT_AGENTS
from tests.complaints.factories import ComplaintFactory
from tests.escalation.factories import staff_member

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")


@pytest.fixture
def agent(client):
    client.force_login(staff_member(SUPPORT_AGENTS))


def test_up_to_the_limit_the_count_is_exact(client, agent):
    ComplaintFactory.create_batch(3)
    assert list_order.bounded_count(Complaint.objects.all()) == (3, False)
    page = client.get(CHANGELIST).content.decode()
    assert "3 complaints" in page
    assert "about" not in page.split('class="paginator"')[1]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's estimate is PostgreSQL's")
def test_past_the_limit_the_list_says_about_and_still_pages(client, agent, monkeypatch):
    monkeypatch.setattr(list_order, "EXACT_COUNT_UP_TO", 2)
    ComplaintFactory.create_batch(5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE complaints_complaint")
    count, estimated = list_order.bounded_count(Complaint.objects.all())
    assert estimated
    assert count >= 3  # never fewer than were counted
    page = client.get(CHANGELIST).content.decode()
    assert "about" in page.split('class="paginator"')[1]
    assert page.count('class="action-select"') == 5
    filtered = client.get(CHANGELIST, {"status__exact": "closed"}).content.decode()
    assert "0 complaints" in filtered


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the planner's statistics are PostgreSQL's")
def test_the_planner_knows_that_every_complaint_past_stage_one_has_a_deadline():
    """Most complaints are at stage 1 and ended, without a next deadline; every one at stage 2 has one.
    Taken as independent, "stage 2 with a deadline" was estimated at 569 of the 13,500 there are at a
    million complaints, and the list of stage 2 (unassigned) walked all 13,500 to find the few who
    rely on a landline for safety (128 ms) instead of starting from those few (a partial index)."""
    from escalation.demo import seed_demo
    from escalation.models import Escalation

    seed_demo(complaints=2_000, seed=5)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE escalation_escalation")
    at_stage_two = Escalation.objects.filter(stage=2, next_deadline__isnull=False)
    actual = at_stage_two.count()
    sql, params = at_stage_two.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    estimated = plan[0]["Plan"]["Plan Rows"]
    assert actual >= 20
    assert actual / 2 <= estimated <= actual * 2
