"""The automatic compensation calculator against vectors worked out by hand, across a rate change.

The rate table here is the function's input: the 2026 rows are the seeded rates, the 2025 rows are
made-up figures (distinct pence, so a day priced at the wrong rate shows).
"""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from escalation.compensation import Rate, calculate, delayed_repair_days, missing_dates, rate_on
from escalation.resolution_models import CompensationKind
from escalation.working_days import WorkingCalendar

LONDON = ZoneInfo("Europe/London")
UTC = ZoneInfo("UTC")
REPAIR, APPOINTMENT, PROVISION = (
    CompensationKind.DELAYED_REPAIR,
    CompensationKind.MISSED_APPOINTMENT,
    CompensationKind.DELAYED_PROVISION,
)
RATES = [
    Rate(REPAIR, date(2025, 4, 1), Decimal("9.99")),
    Rate(REPAIR, date(2026, 4, 1), Decimal("10.34")),
    Rate(APPOINTMENT, date(2025, 4, 1), Decimal("31.23")),
    Rate(APPOINTMENT, date(2026, 4, 1), Decimal("32.31")),
    Rate(PROVISION, date(2025, 4, 1), Decimal("6.24")),
    Rate(PROVISION, date(2026, 4, 1), Decimal("6.46")),
]
ENGLAND = WorkingCalendar("ENG")


def at(year, month, day, hour=12, minute=0, zone=LONDON):
    return datetime(year, month, day, hour, minute, tzinfo=zone)


@pytest.mark.parametrize(
    ("reported_at", "fixed_at", "expected_days", "expected_total"),
    [
        # Wed 25 Mar: full working days Thu 26, Fri 27; owed Sat 28 Mar to Thu 2 Apr: 4 x £9.99 + 2 x £10.34.
        (at(2026, 3, 25, 14), at(2026, 4, 2, 10), 6, "60.64"),
        # Thu 2 Apr: Good Friday and Easter Monday are not working days; full days Tue 7, Wed 8; owed Thu 9, Fri 10.
        (at(2026, 4, 2, 9), at(2026, 4, 10, 16), 2, "20.68"),
        # Fixed within the two full working days: nothing.
        (at(2026, 4, 13, 8), at(2026, 4, 15, 17), 0, "0.00"),
        # Fixed in the first minutes of the first day owed: that day counts.
        (at(2026, 4, 13, 8), at(2026, 4, 16, 0, 30), 1, "10.34"),
        # Reported on a Saturday: the full working days are Mon 13, Tue 14; owed Wed 15 to Fri 17.
        (at(2026, 4, 11, 10), at(2026, 4, 17, 9), 3, "31.02"),
        # 23:30 UTC on Tue 31 Mar is 00:30 BST on Wed 1 Apr: full days Thu 2, Tue 7; owed Wed 8, Thu 9.
        (at(2026, 3, 31, 23, 30, zone=UTC), at(2026, 4, 9, 18), 2, "20.68"),
    ],
)
def test_delayed_repair(reported_at, fixed_at, expected_days, expected_total):
    calculation = calculate(
        REPAIR, rates=RATES, calendar=ENGLAND, fault_reported_at=reported_at, fault_fixed_at=fixed_at
    )
    assert calculation.units == expected_days
    assert calculation.total == Decimal(expected_total)
    assert calculation.days_without_a_rate == ()


def test_a_repair_across_the_rate_change_shows_the_days_at_each_rate():
    calculation = calculate(
        REPAIR,
        rates=RATES,
        calendar=ENGLAND,
        fault_reported_at=at(2026, 3, 25, 14),
        fault_fixed_at=at(2026, 4, 2, 10),
    )
    assert calculation.by_rate() == [(Decimal("9.99"), 4), (Decimal("10.34"), 2)]
    assert calculation.priced[0] == (date(2026, 3, 28), Decimal("9.99"))
    assert calculation.priced[-1] == (date(2026, 4, 2), Decimal("10.34"))


def test_the_working_days_are_the_nations_own():
    """Easter Monday is no bank holiday in Scotland: the two full working days end a day sooner."""
    reported, fixed = at(2026, 4, 2, 9), at(2026, 4, 10, 16)
    assert len(delayed_repair_days(reported, fixed, ENGLAND)) == 2
    assert len(delayed_repair_days(reported, fixed, WorkingCalendar("SCT"))) == 3


@pytest.mark.parametrize(
    ("appointment_on", "expected"),
    [(date(2026, 3, 31), "31.23"), (date(2026, 4, 1), "32.31"), (date(2027, 1, 4), "32.31")],
)
def test_a_missed_appointment_is_paid_at_the_rate_of_its_day(appointment_on, expected):
    calculation = calculate(APPOINTMENT, rates=RATES, calendar=ENGLAND, appointment_on=appointment_on)
    assert (calculation.units, calculation.total) == (1, Decimal(expected))


@pytest.mark.parametrize(
    ("promised", "started", "expected_days", "expected_total"),
    [
        # Promised Mon 30 Mar, started Fri 3 Apr: 30, 31 Mar at £6.24 and 1, 2 Apr at £6.46.
        (date(2026, 3, 30), date(2026, 4, 3), 4, "25.40"),
        # The missed start date itself counts.
        (date(2026, 5, 1), date(2026, 5, 2), 1, "6.46"),
        (date(2026, 5, 1), date(2026, 5, 1), 0, "0.00"),  # started as promised
        (date(2026, 5, 1), date(2026, 4, 28), 0, "0.00"),  # started early
    ],
)
def test_delayed_provision(promised, started, expected_days, expected_total):
    calculation = calculate(
        PROVISION, rates=RATES, calendar=ENGLAND, promised_start_on=promised, service_started_on=started
    )
    assert (calculation.units, calculation.total) == (expected_days, Decimal(expected_total))


def test_days_before_the_first_recorded_rate_are_counted_not_guessed():
    only_2026 = [rate for rate in RATES if rate.effective_from.year == 2026]
    calculation = calculate(
        PROVISION,
        rates=only_2026,
        calendar=ENGLAND,
        promised_start_on=date(2026, 3, 30),
        service_started_on=date(2026, 4, 3),
    )
    assert calculation.days_without_a_rate == (date(2026, 3, 30), date(2026, 3, 31))
    assert calculation.total == Decimal("12.92")
    assert calculation.by_rate() == [(None, 2), (Decimal("6.46"), 2)]


def test_the_rate_in_force_is_the_latest_of_its_kind_on_or_before_the_day():
    assert rate_on(RATES, REPAIR, date(2026, 3, 31)) == Decimal("9.99")
    assert rate_on(RATES, REPAIR, date(2026, 4, 1)) == Decimal("10.34")
    assert rate_on(RATES, PROVISION, date(2026, 4, 1)) == Decimal("6.46")
    assert rate_on(RATES, REPAIR, date(2025, 3, 31)) is None


def test_each_kind_asks_for_its_own_dates():
    assert missing_dates(REPAIR, fault_reported_at=at(2026, 4, 1)) == {
        "fault_fixed_at": "Required for this kind of failure."
    }
    assert set(missing_dates(PROVISION)) == {"promised_start_on", "service_started_on"}
    assert missing_dates(APPOINTMENT, appointment_on=date(2026, 4, 1)) == {}
    assert missing_dates(REPAIR, fault_reported_at=at(2026, 4, 2), fault_fixed_at=at(2026, 4, 1)) == {
        "fault_fixed_at": "The fault cannot be fixed before it was reported."
    }
    with pytest.raises(ValueError, match="Missing"):
        calculate(APPOINTMENT, rates=RATES, calendar=ENGLAND)


@pytest.mark.parametrize(
    ("kind", "dates", "field"),
    [
        # Before the scheme began (a mistyped year): nothing the scheme owes, and no 32,767-day sums.
        (APPOINTMENT, {"appointment_on": date(1900, 1, 1)}, "appointment_on"),
        (
            REPAIR,
            {"fault_reported_at": at(1900, 1, 1), "fault_fixed_at": at(2026, 4, 1)},
            "fault_reported_at",
        ),
        (
            PROVISION,
            {"promised_start_on": date(26, 3, 30), "service_started_on": date(2026, 4, 2)},
            "promised_start_on",
        ),
    ],
)
def test_impossible_dates_are_refused_with_the_field_to_correct(kind, dates, field):
    assert field in missing_dates(kind, **dates)
