"""What every clock on a complaint is due, from its inputs: pure, no database.

The targets are the provider's own promises and the regulator's rules (README, "How deadlines are
counted"); the ADR period and its cut-over date are settings because Ofcom has changed them before.
"""

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models

from escalation.working_days import WorkingCalendar, london_date

ACKNOWLEDGE_WITHIN_WORKING_DAYS = 1
RESOLVE_AT_STAGE_ONE_WITHIN_WORKING_DAYS = 3
STAGE_TWO_RESPONSE_WITHIN_WORKING_DAYS = 10
OMBUDSMAN_REMEDY_WITHIN_DAYS = 28
ADR_WINDOW_MONTHS = 12
DATA_PROTECTION_ACKNOWLEDGE_WITHIN_DAYS = 30
DATA_PROTECTION_CATEGORY = "data_protection"  # Complaint.Category.DATA_PROTECTION
# An award above this is beyond the ombudsman's limit: recorded, with a warning, never refused.
OMBUDSMAN_AWARD_LIMIT = 10_000


class DeadlineKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Acknowledgement"
    STAGE_ONE = "stage_one", "Stage 1 resolution"
    STAGE_TWO = "stage_two", "Stage 2 written response"
    ADR_LETTER = "adr_letter", "ADR letter"
    OMBUDSMAN_REMEDY = "ombudsman_remedy", "Ombudsman remedy"


@dataclass(frozen=True)
class Deadline:
    kind: str
    due: date


def acknowledgement_due(
    first_received_at: datetime, calendar: WorkingCalendar, *, category: str = ""
) -> date:
    """1 working day; a data-protection complaint has the statutory 30 days (DPA 2018 s.164A), the
    day of receipt being the first of them."""
    if category == DATA_PROTECTION_CATEGORY:
        return london_date(first_received_at) + timedelta(days=DATA_PROTECTION_ACKNOWLEDGE_WITHIN_DAYS - 1)
    return calendar.response_due(first_received_at, ACKNOWLEDGE_WITHIN_WORKING_DAYS)


def stage_one_due(first_received_at: datetime, calendar: WorkingCalendar) -> date:
    return calendar.response_due(first_received_at, RESOLVE_AT_STAGE_ONE_WITHIN_WORKING_DAYS)


def stage_two_response_due(referral_received_on: date, calendar: WorkingCalendar) -> date:
    return calendar.add_working_days(referral_received_on, STAGE_TWO_RESPONSE_WITHIN_WORKING_DAYS)


def adr_period_days(first_received_on: date) -> int:
    """6 weeks for complaints first received from the cut-over date (8 April 2026), 8 weeks before."""
    if first_received_on >= settings.ADR_PERIOD_CUTOVER:
        return settings.ADR_PERIOD_DAYS
    return settings.ADR_PREVIOUS_PERIOD_DAYS


def adr_eligible_on(first_received_at: datetime) -> date:
    """The day the customer may go to the ombudsman: calendar days, counted from the first receipt."""
    first_received_on = london_date(first_received_at)
    return first_received_on + timedelta(days=adr_period_days(first_received_on))


def adr_window_ends(adr_letter_sent_at: datetime) -> date:
    """12 months after the ADR letter: the same day, or the month's last day when there is none."""
    return add_months(london_date(adr_letter_sent_at), ADR_WINDOW_MONTHS)


def ombudsman_remedy_due(accepted_on: date) -> date:
    return accepted_on + timedelta(days=OMBUDSMAN_REMEDY_WITHIN_DAYS)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def open_deadlines(escalation, *, unresolved: bool, ombudsman_case=None) -> list[Deadline]:
    """The clocks still running on a complaint, earliest first.

    Resolving a complaint stops the stage clocks; it never stops an ADR letter owed at deadlock,
    nor a remedy the customer accepted from the ombudsman.
    """
    kinds = DeadlineKind
    deadlines = []
    if unresolved and escalation.acknowledged_at is None:
        deadlines.append(Deadline(kinds.ACKNOWLEDGEMENT, escalation.acknowledgement_due))
    if unresolved and escalation.stage == 1 and escalation.stage_one_answered_at is None:
        deadlines.append(Deadline(kinds.STAGE_ONE, escalation.stage_one_due))
    if (
        unresolved
        and escalation.stage_two_response_due is not None
        and escalation.stage_two_response_sent_at is None
    ):
        deadlines.append(Deadline(kinds.STAGE_TWO, escalation.stage_two_response_due))
    if escalation.adr_letter_sent_at is None:
        if escalation.deadlocked_at is not None:
            deadlines.append(Deadline(kinds.ADR_LETTER, london_date(escalation.deadlocked_at)))
        elif unresolved:
            deadlines.append(Deadline(kinds.ADR_LETTER, escalation.adr_eligible_on))
    if ombudsman_case is not None and ombudsman_case.remedy_due and ombudsman_case.remedy_done_on is None:
        deadlines.append(Deadline(kinds.OMBUDSMAN_REMEDY, ombudsman_case.remedy_due))
    return sorted(deadlines, key=lambda deadline: deadline.due)


def next_deadline(escalation, *, unresolved: bool, ombudsman_case=None) -> Deadline | None:
    deadlines = open_deadlines(escalation, unresolved=unresolved, ombudsman_case=ombudsman_case)
    return deadlines[0] if deadlines else None


def ombudsman_open_from(escalation) -> date:
    """The first day the customer may go to the ombudsman: the ADR period's end, or deadlock if sooner."""
    if escalation.deadlocked_at is not None:
        return min(escalation.adr_eligible_on, london_date(escalation.deadlocked_at))
    return escalation.adr_eligible_on
