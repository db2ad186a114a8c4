"""The complaint list's default order: by next deadline, and within each deadline band (overdue, due
today, due within the due-soon period, later, none) the customers who rely on a landline for
safety first (Ofcom GC C5), never ahead of an earlier band.

The band is relative to today, so no index gives that order, and sorting the whole list by it
cost a whole scan (1 ms → 230 ms at 100,000 complaints). A page of it never needs that: its
first L rows are among the first L other complaints in plain deadline order (which the
next-deadline index gives) and the few who rely on a landline (a partial index), because every
complaint ahead of one of the others, in the banded order, is either in an earlier band, so due
earlier, or in the same band and due no later, or relies on a landline. The paginator sorts only those.
"""

import json

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import Case, F, QuerySet, Value, When
from django.utils import timezone

from escalation import clocks
from escalation.working_days import working_calendar

DEADLINE = "escalation__next_deadline"
LANDLINE = "relies_on_landline_for_safety"


def banded_order() -> list:
    today = timezone.localdate()
    soon = working_calendar().add_working_days(today, clocks.DUE_SOON_WORKING_DAYS)
    band = Case(
        When(**{f"{DEADLINE}__lt": today}, then=Value(0)),
        When(**{DEADLINE: today}, then=Value(1)),
        When(**{f"{DEADLINE}__lte": soon}, then=Value(2)),
        When(**{f"{DEADLINE}__isnull": False}, then=Value(3)),
        default=Value(4),
    )
    return [band.asc(), F(LANDLINE).desc(), F(DEADLINE).asc(nulls_last=True), "-pk"]


# The list counts exactly up to this many; past it, the database's estimate (shown as "about"):
# an exact COUNT(*) of a million complaints costs ~200 ms, and of 10,000 filtered ones ~80 ms, for a
# figure nobody reads to the unit.
EXACT_COUNT_UP_TO = 1_000


def bounded_count(queryset: QuerySet) -> tuple[int, bool]:
    """How many rows `queryset` has, and whether that is an estimate: exact up to EXACT_COUNT_UP_TO
    (reading no more rows than that), else PostgreSQL's planner estimate, never below what was
    counted. Other databases count exactly."""
    counted = queryset.order_by()[: EXACT_COUNT_UP_TO + 1].count()
    if counted <= EXACT_COUNT_UP_TO:
        return counted, False
    if connections[queryset.db].vendor != "postgresql":
        return queryset.count(), False
    sql, params = queryset.order_by().query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):  # psycopg2 decodes json columns; some drivers do not
        plan = json.loads(plan)
    return max(int(plan[0]["Plan"]["Plan Rows"]), counted), True


def deadline_order() -> list:
    return [F(DEADLINE).asc(nulls_last=True), "-pk"]


class LandlineFirstPaginator(Paginator):
    """Pages of a queryset in `banded_order()`, each read by sorting only the rows that can be on it."""

    # The pages up to the 5,000th row (1-100 at 50 a page) are read this way: at most 10,000 ids in
    # the IN list, well within SQLite's 32,766 parameters. Past them the ids grow with the page's
    # number and sorting the list in the database is as quick (the 5,000th row at 100,000
    # complaints: 217 ms this way, 441 ms that way).
    CANDIDATES_AT_MOST = 5_000

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:  # as Paginator.page: the orphans join the last page
            top = self.count
        if top > self.CANDIDATES_AT_MOST:
            return super().page(number)
        queryset = self.object_list
        # Read as lists: an OR of two subqueries would have the database test every row against them.
        # No more than `top` of either kind can be ahead of the page's end.
        others = list(
            queryset.filter(**{LANDLINE: False}).order_by(*deadline_order()).values_list("pk", DEADLINE)[:top]
        )
        landline = queryset.filter(**{LANDLINE: True})
        if len(others) == top and others[-1][1] is not None:
            # `top` complaints have a deadline, so none without one (the last band) reaches the page:
            # only the landline complaints still open are candidates (a few hundred of thousands).
            landline = landline.filter(**{f"{DEADLINE}__isnull": False})
        candidates = [pk for pk, _ in others] + list(landline.values_list("pk", flat=True)[:top])
        return self._get_page(list(queryset.filter(pk__in=candidates)[bottom:top]), number, self)
