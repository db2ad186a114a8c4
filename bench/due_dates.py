"""Benchmark: every due date of 100,000 complaints (issue 3: "well under a second").

For each complaint: acknowledgement (1 WD), stage 1 (3 WD), stage 2 response (10 WD from a
referral date) and ADR eligibility (calendar days), with receipt moments spread over two years so
deadlines cross year ends and clock changes. Two ways: as the services do it (escalation.clocks
with the calendar fetched once), and through the public working_days functions, one call per
date. The calendar is built cold each time. Run with `make bench`.
"""

import os
import random
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from escalation import clocks  # noqa: E402  (after django.setup)
from escalation.working_days import (  # noqa: E402
    add_working_days,
    forget_working_calendars,
    response_due,
    working_calendar,
)

COMPLAINTS = 100_000


def as_the_services_do(received, referrals):
    calendar = working_calendar()
    return [
        (
            clocks.acknowledgement_due(moment, calendar),
            clocks.stage_one_due(moment, calendar),
            clocks.stage_two_response_due(referral, calendar),
            clocks.adr_eligible_on(moment),
        )
        for moment, referral in zip(received, referrals, strict=True)
    ]


def through_the_public_functions(received, referrals):
    return [
        (response_due(moment, 1), response_due(moment, 3), add_working_days(referral, 10))
        for moment, referral in zip(received, referrals, strict=True)
    ]


def timed(function, *args):
    forget_working_calendars()
    began = time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - began


def main() -> None:
    rng = random.Random(42)
    start = datetime(2025, 6, 1, tzinfo=UTC)
    received = [start + timedelta(seconds=rng.randrange(2 * 365 * 86400)) for _ in range(COMPLAINTS)]
    referrals = [moment.date() + timedelta(days=rng.randrange(1, 30)) for moment in received]

    due_dates, services_time = timed(as_the_services_do, received, referrals)
    assert len(due_dates) == COMPLAINTS
    _, public_time = timed(through_the_public_functions, received, referrals)

    forget_working_calendars()
    tracemalloc.start()
    as_the_services_do(received, referrals)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"due dates of {COMPLAINTS:,} complaints, calendar built cold (one query for staff adjustments)")
    print(
        f"  as the services do (4 clocks each)          {services_time:.3f} s  ({services_time / COMPLAINTS * 1e6:.2f} µs each)"
    )
    print(
        f"  public functions, one call per date (3 WD)  {public_time:.3f} s  ({public_time / COMPLAINTS * 1e6:.2f} µs each)"
    )
    print(f"  peak memory (traced, incl. the results)     {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
