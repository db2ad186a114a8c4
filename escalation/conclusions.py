"""Why the customer complained and how it ended: a root cause and an outcome, owed whenever a
complaint is resolved or closed.

Every path that ends a complaint (the customer's acceptance recorded by staff, closing with our
final position, closing after the ombudsman, or any other change of status from an open one to
resolved or closed) passes `refuse_unless_concluded` in `services.note_status_change`, so none
can end a complaint without them. Complaints that ended before this was asked keep them empty;
the reports count those as "not recorded".
"""

from django.core.exceptions import ValidationError

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from complaints.workflow import OPEN_STATUSES
from escalation.case import Case
from escalation.models import Escalation, Outcome, RootCause

ENDING_STATUSES = (Complaint.Status.RESOLVED, Complaint.Status.CLOSED)

ROOT_CAUSE_REQUIRED = "Choose the root cause: why the customer complained."
OUTCOME_REQUIRED = "Choose the outcome: upheld, partly upheld, not upheld or withdrawn."


def conclude(case: Case, *, by, root_cause: RootCause | None, outcome: str) -> None:
    """Record the root cause and outcome on the case (saved with its clocks), with an internal note."""
    problems = {}
    if root_cause is None:
        problems["root_cause"] = ROOT_CAUSE_REQUIRED
    elif not (root_cause.active and root_cause.group.active):
        problems["root_cause"] = "That root cause has been retired; choose a current one."
    if outcome not in Outcome.values:
        problems["outcome"] = OUTCOME_REQUIRED
    if problems:
        raise ValidationError(problems)
    escalation = case.escalation
    if escalation.root_cause_id == root_cause.pk and escalation.outcome == outcome:
        return
    escalation.root_cause, escalation.outcome = root_cause, outcome
    complaint_services.record_event(
        complaint=case.complaint,
        kind=TimelineEntry.Kind.INTERNAL_NOTE,
        body=f"Root cause: {root_cause}. Outcome: {Outcome(outcome).label}.",
        by=by,
    )


def refuse_unless_concluded(escalation: Escalation, *, old_status: str, new_status: str) -> None:
    """A complaint leaving the open statuses for resolved or closed needs its root cause and outcome."""
    if new_status not in ENDING_STATUSES or old_status not in OPEN_STATUSES:
        return
    problems = {}
    if escalation.root_cause_id is None:
        problems["root_cause"] = ROOT_CAUSE_REQUIRED
    if not escalation.outcome:
        problems["outcome"] = OUTCOME_REQUIRED
    if problems:
        raise ValidationError(problems)
