"""What every clock on a complaint is due, from its inputs: pure, no database.

The targets are the provider's own promises and the regulator's rules (README, "How deadlines are
counted"); the ADR period and its cut-over date are settings because Ofcom has changed them before.
"""

import calendar as month_calendar
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import dateformat, timezone
from django.utils.translation import gettext, ngettext

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
# Staff are reminded of a stage 2 response this long before it is due; the Managing Director is told
# of one this late; the dashboard's "due soon" looks this far ahead.
REMIND_WORKING_DAYS_BEFORE = 2
TELL_MD_AFTER_WORKING_DAYS_LATE = 3
DUE_SOON_WORKING_DAYS = 2
# A complex case's new target is a promise the customer can hold us to: a real date, not "some day".
COMPLEX_CASE_TARGET_WITHIN_MONTHS = 6


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


def latest_complex_case_target(today: date) -> date:
    return add_months(today, COMPLEX_CASE_TARGET_WITHIN_MONTHS)


def ombudsman_remedy_due(accepted_on: date) -> date:
    return accepted_on + timedelta(days=OMBUDSMAN_REMEDY_WITHIN_DAYS)


def add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, month_calendar.monthrange(year, month)[1]))


def open_deadlines(escalation, *, unresolved: bool, ombudsman_case=None) -> list[Deadline]:
    """The clocks still running on a complaint, earliest first.

    Resolving a complaint stops the stage clocks; it never stops an ADR letter owed at deadlock,
    nor a remedy the customer accepted from the ombudsman. A notice runs until it is sent (a
    letter, until it is posted), not merely written.
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
    letter = adr_letter_owed(escalation, unresolved=unresolved)
    if letter is not None and not letter.sent:
        deadlines.append(Deadline(kinds.ADR_LETTER, letter.due))
    if ombudsman_case is not None and ombudsman_case.remedy_due and ombudsman_case.remedy_done_on is None:
        deadlines.append(Deadline(kinds.OMBUDSMAN_REMEDY, ombudsman_case.remedy_due))
    return sorted(deadlines, key=lambda deadline: deadline.due)


@dataclass(frozen=True)
class AdrLetter:
    """The ADR letter a complaint owes now: at deadlock, or because the ADR period ran out unresolved."""

    at_deadlock: bool
    due: date
    written: bool
    sent: bool


def adr_letter_owed(escalation, *, unresolved: bool) -> AdrLetter | None:
    """The ADR letter the complaint owes, if any, and how far it has got.

    At deadlock it is the deadlock letter, even when the period's letter went before (our final
    position, and a fresh 12 months). Otherwise, while the complaint is unresolved, it is the letter
    at the end of the ADR period, due whether or not that day has come.
    """
    if escalation.deadlocked_at is not None:
        return AdrLetter(
            at_deadlock=True,
            due=london_date(escalation.deadlocked_at),
            written=escalation.deadlock_letter_queued_at is not None,
            sent=escalation.deadlock_letter_sent_at is not None,
        )
    if unresolved:
        return AdrLetter(
            at_deadlock=False,
            due=escalation.adr_eligible_on,
            written=escalation.period_letter_queued_at is not None,
            sent=escalation.period_letter_sent_at is not None,
        )
    return None


def adr_letter_to_write(escalation, *, unresolved: bool, today: date) -> AdrLetter | None:
    """The ADR letter the deadline sweep must write today: owed, due, and not written yet."""
    letter = adr_letter_owed(escalation, unresolved=unresolved)
    if letter is None or letter.written or letter.due > today:
        return None
    return letter


def adr_window_ends_after(escalation) -> date | None:
    """12 months from the date of the latest ADR letter that went (the date printed on it)."""
    if escalation.deadlock_letter_sent_at is not None:
        return adr_window_ends(escalation.deadlock_letter_queued_at or escalation.deadlock_letter_sent_at)
    if escalation.period_letter_sent_at is not None:
        return adr_window_ends(escalation.period_letter_queued_at or escalation.period_letter_sent_at)
    return None


def weeks_and_days(days: int) -> str:
    """How long, as people say it: "6 weeks", "8 weeks and 4 days", "1 week and 1 day", "3 days"."""
    weeks, rest = divmod(days, 7)
    parts = []
    if weeks:
        parts.append(ngettext("%(count)d week", "%(count)d weeks", weeks) % {"count": weeks})
    if rest or not weeks:
        parts.append(ngettext("%(count)d day", "%(count)d days", rest) % {"count": rest})
    if len(parts) == 2:
        return gettext("%(weeks)s and %(days)s") % {"weeks": parts[0], "days": parts[1]}
    return parts[0]


def next_deadline(escalation, *, unresolved: bool, ombudsman_case=None) -> Deadline | None:
    deadlines = open_deadlines(escalation, unresolved=unresolved, ombudsman_case=ombudsman_case)
    return deadlines[0] if deadlines else None


def ombudsman_open_from(escalation) -> date:
    """The first day the customer may go to the ombudsman: the ADR period's end, or deadlock if sooner."""
    if escalation.deadlocked_at is not None:
        return min(escalation.adr_eligible_on, london_date(escalation.deadlocked_at))
    return escalation.adr_eligible_on


def _in_days(days: int) -> str:
    if days % 7 == 0:
        return weeks_and_days(days)
    return ngettext("%(count)d day", "%(count)d days", days) % {"count": days}


def _working_days(days: int) -> str:
    return ngettext("%(count)d working day", "%(count)d working days", days) % {"count": days}


def procedure_rules(first_received_on: date | None = None) -> dict:
    """The procedure's promises and the regulator's periods as customers and staff read them, from
    the constants and settings the clocks use, so that no template retypes them. The ADR period is
    the one of a complaint first received on `first_received_on` (default: today)."""
    received_on = first_received_on or timezone.localdate()
    return {
        "acknowledge": _working_days(ACKNOWLEDGE_WITHIN_WORKING_DAYS),
        "resolve_at_stage_one": _working_days(RESOLVE_AT_STAGE_ONE_WITHIN_WORKING_DAYS),
        "stage_two_response": _working_days(STAGE_TWO_RESPONSE_WITHIN_WORKING_DAYS),
        "adr_period": _in_days(adr_period_days(received_on)),
        "adr_period_before_cutover": _in_days(settings.ADR_PREVIOUS_PERIOD_DAYS),
        "adr_period_cutover": dateformat.format(settings.ADR_PERIOD_CUTOVER, "j F Y"),
        "adr_window": ngettext("%(count)d month", "%(count)d months", ADR_WINDOW_MONTHS)
        % {"count": ADR_WINDOW_MONTHS},
        "award_limit": f"£{OMBUDSMAN_AWARD_LIMIT:,}",
        "ombudsman_remedy": f"{OMBUDSMAN_REMEDY_WITHIN_DAYS} days",
        "data_protection_acknowledgement": f"{DATA_PROTECTION_ACKNOWLEDGE_WITHIN_DAYS} days",
        "complex_case_target_within": f"{COMPLEX_CASE_TARGET_WITHIN_MONTHS} months",
        "reminder_before": _working_days(REMIND_WORKING_DAYS_BEFORE),
        "md_told_after": _working_days(TELL_MD_AFTER_WORKING_DAYS_LATE),
        "due_soon": _working_days(DUE_SOON_WORKING_DAYS),
    }
