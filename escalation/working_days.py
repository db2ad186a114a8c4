"""Working-day arithmetic: Monday to Friday, not a bank holiday of the configured UK nation.

A working day is a calendar idea, not opening hours: Saturday is not one although the phones are
open. The day something arrives is day 0 and day 1 is the next working day, so a letter that
arrives on a Saturday, Sunday or holiday starts counting on the next working day. Dates are the
Europe/London date of the moment something arrived.

Bank holidays come from the `holidays` package for one subdivision (ENG, WLS, SCT, NIR: the GB
list without one drops Easter Monday and the August holiday), adjusted by the closures and
reopenings staff record in the admin. A calendar is built once per region and reused: every
lookup is an index into precomputed tables, never a query or a loop over days.
"""

import time
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings

LONDON = ZoneInfo("Europe/London")
REGIONS = {
    "ENG": "England",
    "WLS": "Wales",
    "SCT": "Scotland",
    "NIR": "Northern Ireland",
}
SATURDAY = 5

# How long a process trusts its cached calendar before checking the admin's adjustments again.
# The process that saves an adjustment forgets its calendars at once; others catch up within this.
ADJUSTMENTS_RECHECK_SECONDS = 60


class WorkingCalendar:
    """The working days of one UK nation, with staff adjustments; pure, no database."""

    def __init__(
        self, region: str = "ENG", *, closures: Iterable[date] = (), reopenings: Iterable[date] = ()
    ):
        if region not in REGIONS:
            raise ValueError(f"Unknown region {region!r}; use one of {', '.join(REGIONS)}.")
        self.region = region
        self.closures = frozenset(closures)
        self.reopenings = frozenset(reopenings)
        self._first_year = self._last_year = 0
        self._base_ordinal = 0
        self._days_off: frozenset[date] = frozenset()
        # _rank[i]: working days from the first loaded day up to and including day i.
        self._rank: list[int] = []
        # _working: the ordinals of the working days, in order.
        self._working: list[int] = []

    def is_working_day(self, day: date) -> bool:
        self._cover(day.year, day.year)
        return day.weekday() < SATURDAY and day not in self._days_off

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start`; `start` itself is day 0."""
        if days < 0:
            raise ValueError("Count forwards: days must be 0 or more.")
        if days == 0:
            return start
        self._cover(start.year, start.year + 1)
        index = self._rank_of(start) + days - 1
        while index >= len(self._working):  # a long count: load the following years as well
            self._cover(self._first_year, self._last_year + 1)
            index = self._rank_of(start) + days - 1
        return date.fromordinal(self._working[index])

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (negative when `end` is earlier)."""
        self._cover(min(start, end).year, max(start, end).year)
        return self._rank_of(end) - self._rank_of(start)

    def response_due(self, received_at: datetime, days: int = 10) -> date:
        """The due date of a reply owed `days` working days after an aware moment of receipt."""
        return self.add_working_days(london_date(received_at), days)

    def _rank_of(self, day: date) -> int:
        return self._rank[day.toordinal() - self._base_ordinal]

    def _cover(self, first_year: int, last_year: int) -> None:
        if self._rank and self._first_year <= first_year and last_year <= self._last_year:
            return
        if self._rank:
            first_year, last_year = min(first_year, self._first_year), max(last_year, self._last_year)
        self._load(first_year - 1, last_year + 1)  # a year of slack either side saves most reloads

    def _load(self, first_year: int, last_year: int) -> None:
        years = range(first_year, last_year + 1)
        listed = holidays.country_holidays("GB", subdiv=self.region, years=years)
        days_off = (set(listed) | self.closures) - self.reopenings
        base = date(first_year, 1, 1)
        total_days = (date(last_year, 12, 31) - base).days + 1
        rank, working, count = [], [], 0
        for offset in range(total_days):
            day = base + timedelta(days=offset)
            if day.weekday() < SATURDAY and day not in days_off:
                count += 1
                working.append(day.toordinal())
            rank.append(count)
        # Assign together, so a reader never sees tables of different ranges.
        (
            self._first_year,
            self._last_year,
            self._base_ordinal,
            self._days_off,
            self._rank,
            self._working,
        ) = (first_year, last_year, base.toordinal(), frozenset(days_off), rank, working)


def london_date(moment: datetime) -> date:
    """The Europe/London calendar date of an aware moment (23:30 UTC on a summer Sunday is Monday)."""
    if moment.tzinfo is None:
        raise ValueError("A moment of receipt must be timezone-aware.")
    return moment.astimezone(LONDON).date()


# --- The public API: the configured region's calendar with the admin's adjustments -----------------

_calendars: dict[str, tuple[WorkingCalendar, float]] = {}


def working_calendar(region: str | None = None) -> WorkingCalendar:
    """The calendar for `region` (default: the WORKING_DAYS_REGION setting), cached per process."""
    region = region or settings.WORKING_DAYS_REGION
    cached = _calendars.get(region)
    now = time.monotonic()
    if cached is not None and now - cached[1] < ADJUSTMENTS_RECHECK_SECONDS:
        return cached[0]
    closures, reopenings = _load_adjustments(region)
    if cached is not None and (cached[0].closures, cached[0].reopenings) == (closures, reopenings):
        calendar = cached[0]
    else:
        calendar = WorkingCalendar(region, closures=closures, reopenings=reopenings)
    _calendars[region] = (calendar, now)
    return calendar


def forget_working_calendars() -> None:
    """Drop the cached calendars: the next calculation reads the admin's adjustments again."""
    _calendars.clear()


def _no_adjustments(region: str) -> tuple[frozenset[date], frozenset[date]]:
    return frozenset(), frozenset()


AdjustmentsSource = Callable[[str], tuple[frozenset[date], frozenset[date]]]
_load_adjustments: AdjustmentsSource = _no_adjustments


def read_adjustments_from(source: AdjustmentsSource) -> None:
    """Where calendars get staff's closures and reopenings: (region) -> (closed days, opened days).

    Set once at start-up (EscalationConfig.ready) so this module needs no database of its own.
    """
    global _load_adjustments
    _load_adjustments = source
    forget_working_calendars()


def is_working_day(day: date, *, region: str | None = None) -> bool:
    return working_calendar(region).is_working_day(day)


def add_working_days(start: date, days: int, *, region: str | None = None) -> date:
    return working_calendar(region).add_working_days(start, days)


def working_days_between(start: date, end: date, *, region: str | None = None) -> int:
    return working_calendar(region).working_days_between(start, end)


def response_due(received_at: datetime, days: int = 10, *, region: str | None = None) -> date:
    return working_calendar(region).response_due(received_at, days)
