"""The calendar-day clocks from shared/regulatory.md (C4-03, OS-02, OS-03): pure, no database."""

from datetime import UTC, date, datetime, time

import pytest

from escalation import clocks
from escalation.working_days import LONDON, WorkingCalendar

D = date.fromisoformat


def received(day: str, at: time = time(10, 0)) -> datetime:
    return datetime.combine(D(day), at, tzinfo=LONDON)


@pytest.mark.parametrize(
    ("first_received", "eligible"),
    [
        ("2026-04-08", "2026-05-20"),  # the first day of the 6-week rule
        ("2026-12-01", "2027-01-12"),
        ("2026-04-07", "2026-06-02"),  # the day before: the old 8-week rule
        ("2025-12-24", "2026-02-18"),
    ],
)
def test_adr_eligibility_is_counted_in_calendar_days_from_the_first_receipt(first_received, eligible):
    assert clocks.adr_eligible_on(received(first_received)) == D(eligible)


def test_the_adr_period_and_its_cut_over_are_settings(settings):
    settings.ADR_PERIOD_CUTOVER = D("2026-05-01")
    assert clocks.adr_eligible_on(received("2026-04-08")) == D("2026-06-03")  # now before the cut-over
    settings.ADR_PERIOD_DAYS = 28
    assert clocks.adr_eligible_on(received("2026-05-01")) == D("2026-05-29")


def test_adr_eligibility_uses_the_london_date():
    # 23:30 UTC on 7 April 2026 is 00:30 on 8 April in London: the 6-week rule applies.
    assert clocks.adr_eligible_on(datetime(2026, 4, 7, 23, 30, tzinfo=UTC)) == D("2026-05-20")


@pytest.mark.parametrize(
    ("letter_sent", "window_ends"),
    [
        ("2026-05-20", "2027-05-20"),
        ("2028-02-29", "2029-02-28"),  # no 29 February next year: the last day of the month
        ("2026-12-31", "2027-12-31"),
    ],
)
def test_the_adr_window_is_twelve_months_after_the_letter(letter_sent, window_ends):
    assert clocks.adr_window_ends(received(letter_sent)) == D(window_ends)


def test_an_accepted_ombudsman_decision_is_put_into_effect_within_28_days():
    assert clocks.ombudsman_remedy_due(D("2026-06-01")) == D("2026-06-29")


def test_a_data_protection_complaint_has_thirty_days_to_be_acknowledged_day_one_being_receipt():
    calendar = WorkingCalendar("ENG")
    assert clocks.acknowledgement_due(received("2026-07-01"), calendar, category="data_protection") == D(
        "2026-07-30"
    )
    assert clocks.acknowledgement_due(received("2026-07-01"), calendar, category="billing") == D("2026-07-02")
