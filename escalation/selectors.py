"""Reads that escalation's pages and the working-day calendar need."""

from dataclasses import dataclass
from datetime import date

from django.utils import timezone

from complaints.models import Complaint
from escalation import clocks
from escalation.clocks import DeadlineKind
from escalation.models import CalendarAdjustment, Escalation, OmbudsmanCase
from escalation.stages import Stage


def calendar_adjustments(region: str) -> tuple[frozenset[date], frozenset[date]]:
    """The days staff closed, and the listed holidays they opened, for one nation: one query."""
    closed, opened = set(), set()
    for day, kind in CalendarAdjustment.objects.for_region(region).values_list("day", "kind"):
        (closed if kind == CalendarAdjustment.Kind.CLOSED else opened).add(day)
    return frozenset(closed), frozenset(opened)


@dataclass(frozen=True)
class CustomerProgress:
    """What the customer's page says about stages, deadlines and next steps."""

    stage: int
    stages: list[tuple[int, str]]
    next_step_due: date | None
    next_step_text: str
    can_refer_to_manager: bool
    can_ask_for_md_review: bool
    ombudsman_open: bool
    ombudsman_open_from: date
    adr_window_ends: date | None
    key_dates: list[tuple[str, date, str]]


CUSTOMER_DEADLINE_TEXT = {
    DeadlineKind.ACKNOWLEDGEMENT: "We will acknowledge your complaint by",
    DeadlineKind.STAGE_ONE: "We aim to resolve your complaint by",
    DeadlineKind.STAGE_TWO: "The Complaints Manager's written response is due by",
    DeadlineKind.OMBUDSMAN_REMEDY: "We will do what the ombudsman decided by",
}


def escalation_for(complaint: Complaint) -> Escalation:
    """The complaint's stage and clocks (started now for a complaint written without the filing service)."""
    escalation = Escalation.objects.filter(pk=complaint.pk).first()
    if escalation is None:
        from escalation.services import start_clocks  # a repair, not a read: rare

        escalation = start_clocks(complaint=complaint)
    return escalation


def customer_progress(*, complaint: Complaint) -> CustomerProgress:
    """Where the complaint is and what the customer can do next, in one or two queries."""
    escalation = escalation_for(complaint)
    unresolved = complaint.status not in (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)
    case = (
        OmbudsmanCase.objects.filter(pk=complaint.pk).first() if escalation.stage == Stage.OMBUDSMAN else None
    )
    # The customer's next date is one we owe them; the ADR letter is shown as their right instead.
    owed = [
        deadline
        for deadline in clocks.open_deadlines(escalation, unresolved=unresolved, ombudsman_case=case)
        if deadline.kind in CUSTOMER_DEADLINE_TEXT
    ]
    open_from = clocks.ombudsman_open_from(escalation)
    return CustomerProgress(
        stage=escalation.stage,
        stages=[(stage.value, stage.label.split(": ", 1)[1]) for stage in Stage],
        next_step_due=owed[0].due if owed else None,
        next_step_text=CUSTOMER_DEADLINE_TEXT[owed[0].kind] if owed else "",
        can_refer_to_manager=(
            escalation.stage == Stage.DIRECT_CONTACT
            and complaint.status == Complaint.Status.RESOLUTION_PROPOSED
        ),
        can_ask_for_md_review=(
            escalation.stage == Stage.COMPLAINTS_MANAGER
            and escalation.stage_two_response_sent_at is not None
            and complaint.status != Complaint.Status.CLOSED
        ),
        ombudsman_open=timezone.localdate() >= open_from,
        ombudsman_open_from=open_from,
        adr_window_ends=escalation.adr_window_ends,
        key_dates=_key_dates(escalation, open_from, case),
    )


def _key_dates(escalation: Escalation, ombudsman_open_from: date, case) -> list[tuple[str, date, str]]:
    """Every clock the customer has, as (what, date, how it stands), in the order they come."""

    def done(moment):
        return f"done {timezone.localtime(moment):%-d %B %Y}" if moment else ""

    dates = [
        ("Acknowledgement due", escalation.acknowledgement_due, done(escalation.acknowledged_at)),
        (
            "Resolution due" + (" (complex case: new target)" if escalation.complex_case_told_at else ""),
            escalation.stage_one_due,
            done(escalation.stage_one_answered_at),
        ),
    ]
    if escalation.stage_two_response_due:
        dates.append(
            (
                "Complaints Manager's written response due",
                escalation.stage_two_response_due,
                done(escalation.stage_two_response_sent_at),
            )
        )
    dates.append(("You can go to the ombudsman from", ombudsman_open_from, ""))
    if escalation.adr_window_ends:
        dates.append(("Last day to go to the ombudsman", escalation.adr_window_ends, ""))
    if case is not None and case.remedy_due:
        dates.append(("We put the ombudsman's decision into effect by", case.remedy_due, _remedy_state(case)))
    return dates


def _remedy_state(case) -> str:
    return f"done {case.remedy_done_on:%-d %B %Y}" if case.remedy_done_on else ""
