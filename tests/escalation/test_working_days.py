"""Working days: the tables from shared/regulatory.md (WD-02) and properties that hold for any date."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import working_days
from escalation.models import CalendarAdjustment
from escalation.working_days import (
    WorkingCalendar,
    add_working_days,
    is_working_day,
    response_due,
    working_days_between,
)

pytestmark = pytest.mark.django_db

D = date.fromisoformat


# received, 1 WD (acknowledgement), 3 WD (stage 1), 10 WD (stage 2) — England & Wales
ENGLAND_TABLE = [
    ("2026-03-30", "2026-03-31", "2026-04-02", "2026-04-15"),  # Monday before Easter
    ("2026-04-02", "2026-04-07", "2026-04-09", "2026-04-20"),  # Thursday before Good Friday
    ("2026-05-01", "2026-05-05", "2026-05-07", "2026-05-18"),  # Friday before the early May holiday
    ("2026-05-02", "2026-05-05", "2026-05-07", "2026-05-18"),  # Saturday: counting starts Tuesday
    ("2026-05-22", "2026-05-26", "2026-05-28", "2026-06-08"),  # Friday before the spring holiday
    ("2026-08-28", "2026-09-01", "2026-09-03", "2026-09-14"),  # Friday before the August holiday
    ("2026-08-30", "2026-09-01", "2026-09-03", "2026-09-14"),  # Sunday before the August holiday
    ("2026-12-24", "2026-12-29", "2026-12-31", "2027-01-12"),  # Christmas Eve into the new year
    ("2026-12-25", "2026-12-29", "2026-12-31", "2027-01-12"),  # received on Christmas Day
    ("2027-03-25", "2027-03-30", "2027-04-01", "2027-04-12"),  # Easter 2027
    ("2027-12-23", "2027-12-24", "2027-12-30", "2028-01-11"),  # needs 2028's substitute New Year holiday
]

# Scotland: 2 January and St Andrew's Day are holidays, the summer one is in early August, Easter
# Monday is not one.
SCOTLAND_TABLE = [
    ("2026-04-02", "2026-04-06", "2026-04-08", "2026-04-17"),  # Easter Monday is a working day
    ("2026-07-31", "2026-08-04", "2026-08-06", "2026-08-17"),  # first Monday in August
    ("2026-08-28", "2026-08-31", "2026-09-02", "2026-09-11"),  # last Monday in August is worked
    ("2026-11-27", "2026-12-01", "2026-12-03", "2026-12-14"),  # St Andrew's Day, Monday 30 November
    ("2026-12-31", "2027-01-05", "2027-01-07", "2027-01-18"),  # 1 and 4 January (for Saturday the 2nd)
]


@pytest.mark.parametrize(("received", "one", "three", "ten"), ENGLAND_TABLE)
def test_england_and_wales_due_dates(received, one, three, ten):
    assert add_working_days(D(received), 1, region="ENG") == D(one)
    assert add_working_days(D(received), 3, region="ENG") == D(three)
    assert add_working_days(D(received), 10, region="ENG") == D(ten)


@pytest.mark.parametrize(("received", "one", "three", "ten"), SCOTLAND_TABLE)
def test_scotland_due_dates(received, one, three, ten):
    assert add_working_days(D(received), 1, region="SCT") == D(one)
    assert add_working_days(D(received), 3, region="SCT") == D(three)
    assert add_working_days(D(received), 10, region="SCT") == D(ten)


def test_the_default_region_is_the_setting(settings):
    settings.WORKING_DAYS_REGION = "SCT"
    assert is_working_day(D("2026-04-06"))  # Easter Monday is worked in Scotland
    settings.WORKING_DAYS_REGION = "ENG"
    working_days.forget_working_calendars()
    assert not is_working_day(D("2026-04-06"))


@pytest.mark.parametrize(
    ("day", "england", "scotland", "northern_ireland"),
    [
        ("2026-01-02", True, False, True),
        ("2026-03-17", True, True, False),  # St Patrick's Day
        ("2026-04-06", False, True, False),  # Easter Monday
        ("2026-07-13", True, True, False),  # the Twelfth, observed on Monday
        ("2026-08-03", True, False, True),
        ("2026-08-31", False, True, False),
        ("2026-11-30", True, False, True),  # St Andrew's Day
        ("2026-05-02", False, False, False),  # a Saturday, although the phones are open
        ("2022-09-19", False, False, False),  # the proclaimed holiday of the Queen's funeral
    ],
)
def test_which_days_are_working_days_by_nation(day, england, scotland, northern_ireland):
    assert is_working_day(D(day), region="ENG") is england
    assert is_working_day(D(day), region="WLS") is england
    assert is_working_day(D(day), region="SCT") is scotland
    assert is_working_day(D(day), region="NIR") is northern_ireland


@pytest.mark.parametrize(
    ("received_at", "due"),
    [
        # 23:30 UTC on Sunday 31 May 2026 is 00:30 on Monday 1 June in London (BST): Monday is day 0.
        (datetime(2026, 5, 31, 23, 30, tzinfo=UTC), "2026-06-15"),
        # 22:30 UTC on the same Sunday is still Sunday in London: counting starts on Monday.
        (datetime(2026, 5, 31, 22, 30, tzinfo=UTC), "2026-06-12"),
        # In GMT London and UTC agree: 23:30 UTC on Sunday 29 November is still Sunday.
        (datetime(2026, 11, 29, 23, 30, tzinfo=UTC), "2026-12-11"),
        # The night the clocks go forward (29 March 2026) and back (25 October 2026).
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "2026-04-14"),  # still GMT: Saturday 28th
        (datetime(2026, 3, 29, 23, 30, tzinfo=UTC), "2026-04-15"),  # 00:30 BST on Monday 30th
        (datetime(2026, 10, 22, 23, 30, tzinfo=UTC), "2026-11-06"),  # 00:30 BST on Friday 23rd
        (datetime(2026, 10, 25, 23, 30, tzinfo=UTC), "2026-11-06"),  # back in GMT: still Sunday 25th
    ],
)
def test_response_due_counts_from_the_london_date(received_at, due):
    assert response_due(received_at, region="ENG") == D(due)


def test_response_due_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        response_due(datetime(2026, 5, 1, 12, 0), region="ENG")  # noqa: DTZ001


def test_working_days_between_counts_after_the_start_up_to_the_end():
    assert working_days_between(D("2026-12-24"), D("2027-01-12"), region="ENG") == 10
    assert working_days_between(D("2026-05-02"), D("2026-05-04"), region="ENG") == 0
    assert working_days_between(D("2026-05-05"), D("2026-05-01"), region="ENG") == -1
    assert working_days_between(D("2026-05-01"), D("2026-05-01"), region="ENG") == 0


def test_day_zero_is_the_start_and_negative_counts_are_refused():
    assert add_working_days(D("2026-05-02"), 0, region="ENG") == D("2026-05-02")
    with pytest.raises(ValueError, match="Count forwards"):
        add_working_days(D("2026-05-02"), -1, region="ENG")


def test_a_closure_staff_add_moves_every_due_date():
    assert add_working_days(D("2026-06-01"), 10, region="ENG") == D("2026-06-15")
    CalendarAdjustment.objects.create(day=D("2026-06-05"), reason="Office move")
    working_days.forget_working_calendars()
    assert not is_working_day(D("2026-06-05"), region="ENG")
    assert add_working_days(D("2026-06-01"), 10, region="ENG") == D("2026-06-16")


def test_a_listed_holiday_staff_open_becomes_a_working_day():
    CalendarAdjustment.objects.create(
        day=D("2026-05-04"), region="ENG", kind=CalendarAdjustment.Kind.OPEN, reason="Worked"
    )
    assert is_working_day(D("2026-05-04"), region="ENG")
    assert not is_working_day(D("2026-05-04"), region="WLS")  # the reopening was for England only


def test_a_long_count_loads_the_years_it_needs():
    calendar = WorkingCalendar("ENG")
    due = calendar.add_working_days(D("2026-01-05"), 1000)
    assert calendar.working_days_between(D("2026-01-05"), due) == 1000
    assert due.year == 2029


def test_the_calendar_is_loaded_once_then_costs_no_queries(django_assert_num_queries):
    add_working_days(D("2026-01-05"), 10)
    with django_assert_num_queries(0):
        for offset in range(400):
            add_working_days(D("2026-01-05") + timedelta(days=offset), 10)


# --- Properties, for any date from 2000 to 2060 and any nation --------------------------------

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
regions = st.sampled_from(sorted(working_days.REGIONS))
CALENDARS = {region: WorkingCalendar(region) for region in working_days.REGIONS}


@settings(max_examples=300, deadline=None)
@given(start=days, count=st.integers(min_value=1, max_value=60), region=regions)
def test_the_due_date_is_a_working_day_after_the_start_exactly_count_working_days_later(start, count, region):
    calendar = CALENDARS[region]
    due = calendar.add_working_days(start, count)
    assert due > start
    assert calendar.is_working_day(due)
    assert calendar.working_days_between(start, due) == count
    # …and it is the first such day: the day before it is one working day short.
    assert calendar.working_days_between(start, due - timedelta(days=1)) == count - 1


@settings(max_examples=300, deadline=None)
@given(first=days, gap=st.integers(min_value=0, max_value=30), count=st.integers(0, 30), region=regions)
def test_a_later_start_never_gives_an_earlier_due_date(first, gap, count, region):
    calendar = CALENDARS[region]
    later = first + timedelta(days=gap)
    assert calendar.add_working_days(later, count) >= calendar.add_working_days(first, count)


@settings(max_examples=200, deadline=None)
@given(start=days, region=regions)
def test_a_start_on_a_day_off_counts_like_the_last_working_day_before_it(start, region):
    calendar = CALENDARS[region]
    previous = start
    while not calendar.is_working_day(previous):
        previous -= timedelta(days=1)
    assert calendar.add_working_days(start, 5) == calendar.add_working_days(previous, 5)
