"""Ofcom's automatic compensation, worked out: pure, no database (the rates are passed in).

- Delayed repair: the day the fault is reported is day 0; the next two working days (of the
  project's calendar, `escalation/working_days.py`) are the two full working days the provider
  has; every calendar day after them on which the service was not yet repaired is owed, up to and
  including the day it was fixed (the customer was without it for part of that day).
- Missed appointment: each missed (or cancelled at under 24 hours' notice) appointment is owed once.
- Delayed provision: every calendar day from the promised start date, included, until the day the
  service started, excluded.

Each day (or appointment) is priced at the rate in force that day: the rate of its kind with the
latest effective date on or before it, so a repair that runs over 31 March/1 April is paid at
both. A day before the first recorded rate has no price: it is counted, never guessed.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from escalation.resolution_models import CompensationKind
from escalation.working_days import WorkingCalendar, london_date

FULL_WORKING_DAYS_TO_REPAIR = 2


@dataclass(frozen=True)
class Rate:
    kind: str
    effective_from: date
    amount: Decimal


@dataclass(frozen=True)
class Calculation:
    """What a failure owes: each day (or appointment) with its rate; None where no rate was in force."""

    kind: str
    priced: tuple[tuple[date, Decimal | None], ...]

    @property
    def total(self) -> Decimal:
        return sum((rate for _, rate in self.priced if rate is not None), Decimal("0.00"))

    @property
    def units(self) -> int:
        return len(self.priced)

    @property
    def days_without_a_rate(self) -> tuple[date, ...]:
        return tuple(day for day, rate in self.priced if rate is None)

    def by_rate(self) -> list[tuple[Decimal | None, int]]:
        """(rate, how many days at it), in date order: the working shown to staff."""
        runs: list[tuple[Decimal | None, int]] = []
        for _, rate in self.priced:
            if runs and runs[-1][0] == rate:
                runs[-1] = (rate, runs[-1][1] + 1)
            else:
                runs.append((rate, 1))
        return runs


def rate_on(rates: Iterable[Rate], kind: str, day: date) -> Decimal | None:
    """The rate of `kind` in force on `day`: the latest effective on or before it; None if none was."""
    in_force = [rate for rate in rates if rate.kind == kind and rate.effective_from <= day]
    return max(in_force, key=lambda rate: rate.effective_from).amount if in_force else None


def delayed_repair_days(reported_at: datetime, fixed_at: datetime, calendar: WorkingCalendar) -> list[date]:
    """The calendar days a repair owes: after the two full working days that follow the report, to the fix."""
    reported_on, fixed_on = london_date(reported_at), london_date(fixed_at)
    last_full_working_day = calendar.add_working_days(reported_on, FULL_WORKING_DAYS_TO_REPAIR)
    return _days(last_full_working_day + timedelta(days=1), fixed_on)


def delayed_provision_days(promised_start_on: date, service_started_on: date) -> list[date]:
    """The calendar days a late start owes: from the promised date, included, to the start, excluded."""
    return _days(promised_start_on, service_started_on - timedelta(days=1))


def calculate(
    kind: str,
    *,
    rates: Iterable[Rate],
    calendar: WorkingCalendar,
    fault_reported_at: datetime | None = None,
    fault_fixed_at: datetime | None = None,
    appointment_on: date | None = None,
    promised_start_on: date | None = None,
    service_started_on: date | None = None,
) -> Calculation:
    """What one failure owes. The dates its kind needs must be given (`missing_dates` says which)."""
    problems = missing_dates(
        kind,
        fault_reported_at=fault_reported_at,
        fault_fixed_at=fault_fixed_at,
        appointment_on=appointment_on,
        promised_start_on=promised_start_on,
        service_started_on=service_started_on,
    )
    if problems:
        raise ValueError(f"Missing or inconsistent dates: {problems}")
    if kind == CompensationKind.DELAYED_REPAIR:
        days = delayed_repair_days(fault_reported_at, fault_fixed_at, calendar)
    elif kind == CompensationKind.MISSED_APPOINTMENT:
        days = [appointment_on]
    else:
        days = delayed_provision_days(promised_start_on, service_started_on)
    rates = list(rates)
    return Calculation(kind=kind, priced=tuple((day, rate_on(rates, kind, day)) for day in days))


# Ofcom's automatic compensation scheme began on 1 April 2019: nothing before it is owed by it (and a
# mistyped year would otherwise price tens of thousands of days).
SCHEME_BEGAN = date(2019, 4, 1)


def missing_dates(kind: str, **dates) -> dict[str, str]:
    """Which dates a failure of `kind` still needs, or has wrong: {field: problem}."""
    needed = {
        CompensationKind.DELAYED_REPAIR: ("fault_reported_at", "fault_fixed_at"),
        CompensationKind.MISSED_APPOINTMENT: ("appointment_on",),
        CompensationKind.DELAYED_PROVISION: ("promised_start_on", "service_started_on"),
    }[kind]
    problems = {field: "Required for this kind of failure." for field in needed if dates.get(field) is None}
    if problems:
        return problems
    for field in needed:
        day = dates[field].date() if isinstance(dates[field], datetime) else dates[field]
        if day < SCHEME_BEGAN:
            problems[field] = f"Before the automatic compensation scheme began ({SCHEME_BEGAN:%-d %B %Y})."
    if problems:
        return problems
    if kind == CompensationKind.DELAYED_REPAIR and dates["fault_fixed_at"] < dates["fault_reported_at"]:
        problems["fault_fixed_at"] = "The fault cannot be fixed before it was reported."
    return problems


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
