"""A complaint's case: the complaint, its clocks and its ombudsman case, locked once per action, and its
clocks computed and saved once at the action's end, however many services the action calls.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from types import MappingProxyType

from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from escalation import clocks, rules
from escalation.models import Escalation, OmbudsmanCase
from escalation.rules import Action
from escalation.stages import Stage
from escalation.working_days import working_calendar


@dataclass
class Case:
    """A complaint, its clocks and its ombudsman case, locked for one service (and those it calls)."""

    complaint: Complaint
    escalation: Escalation
    ombudsman_case: OmbudsmanCase | None

    def refuse_unless_allowed(self, action: Action) -> None:
        rules.refuse_unless_allowed(
            action, rules.facts_of(self.complaint, self.escalation, self.ombudsman_case)
        )


_open_cases: ContextVar[MappingProxyType] = ContextVar("open_cases", default=MappingProxyType({}))


@contextmanager
def open_case(complaint: Complaint) -> Iterator[Case]:
    """Lock the complaint and its clocks (once per outermost service), and save the clocks once at its end.

    A complaint without its clocks' row is an error: filing writes it, and a migration wrote it
    for older complaints.
    """
    cases = _open_cases.get()
    if complaint.pk in cases:
        yield cases[complaint.pk]
        return
    locked = Complaint.objects.for_update().get(pk=complaint.pk)
    escalation = Escalation.objects.select_for_update().get(pk=complaint.pk)
    ombudsman_case = (
        OmbudsmanCase.objects.filter(pk=complaint.pk).first() if escalation.stage == Stage.OMBUDSMAN else None
    )
    case = Case(locked, escalation, ombudsman_case)
    token = _open_cases.set(MappingProxyType({**cases, complaint.pk: case}))
    try:
        yield case
        compute_clocks(case.escalation, complaint=case.complaint, ombudsman_case=case.ombudsman_case)
        case.escalation.save()
    finally:
        _open_cases.reset(token)


def compute_clocks(escalation: Escalation, *, complaint: Complaint, ombudsman_case=None) -> None:
    """Every due date of the complaint from its inputs, and the next deadline: pure, no query."""
    calendar = working_calendar()
    escalation.acknowledgement_due = clocks.acknowledgement_due(
        complaint.first_received_at, calendar, category=complaint.category
    )
    if escalation.complex_case_told_at is None:
        escalation.stage_one_due = clocks.stage_one_due(complaint.first_received_at, calendar)
    if escalation.referral_received_on is not None:
        escalation.stage_two_response_due = clocks.stage_two_response_due(
            escalation.referral_received_on, calendar
        )
    escalation.adr_eligible_on = clocks.adr_eligible_on(complaint.first_received_at)
    escalation.adr_window_ends = clocks.adr_window_ends_after(escalation)
    set_next_deadline(escalation, unresolved=complaint.status in OPEN_STATUSES, ombudsman_case=ombudsman_case)


def set_next_deadline(escalation: Escalation, *, unresolved: bool, ombudsman_case=None) -> None:
    """Store the earliest clock still running, for lists and the sweep to sort and filter on."""
    deadline = clocks.next_deadline(escalation, unresolved=unresolved, ombudsman_case=ombudsman_case)
    escalation.next_deadline = deadline.due if deadline else None
    escalation.next_deadline_kind = deadline.kind if deadline else ""
