"""The procedure's side of a merge (complaints/merges.py): which merges its clocks refuse, and what a
merged duplicate had done for the customer that now counts for its primary."""

from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from complaints.transactions import one_transaction
from escalation.case import open_case
from escalation.models import Escalation, Redress, ServiceFailure
from escalation.stages import Stage


def merge_problem(duplicate: Complaint, primary: Complaint) -> str | None:
    """Why the procedure refuses to close `duplicate` as merged into `primary`, or None.

    A duplicate with the ombudsman keeps its case there; a deadlocked one keeps its final position
    and the ADR letter that goes with it (a letter is never suppressed). The other way round, or a
    link, keeps both.
    """
    merged = Escalation.objects.only("stage", "deadlocked_at").get(pk=duplicate.pk)
    staying = Escalation.objects.only("stage").get(pk=primary.pk)
    instead = f"merge {primary.reference} into it instead, or link them."
    if merged.stage == Stage.OMBUDSMAN:
        return f"{duplicate.reference} is with the ombudsman: {instead}"
    if merged.deadlocked_at is not None:
        return f"Our final position was given on {duplicate.reference} and its ADR letter stands: {instead}"
    if merged.stage > staying.stage:
        # Its stage, and the response owed at it, would be lost to the primary's earlier one.
        return (
            f"{duplicate.reference} is further along the procedure ({Stage(merged.stage).label}): {instead}"
        )
    return None


@one_transaction
def note_merge(*, duplicate: Complaint, primary: Complaint, by=None) -> Escalation:
    """What the duplicate did for the customer counts for its primary, whose clocks are recomputed.

    The earlier acknowledgement answers the primary's (its clock now runs from the earlier
    first-received time). An ADR letter sent on the duplicate was sent for this complaint: the first
    sending stands (so no second letter is written for the same period), and the customer's 12 months
    run from the latest letter either had. A letter written but not yet sent is not carried: the
    primary writes its own if it owes one.
    """
    with open_case(primary) as case:
        escalation = case.escalation
        merged = Escalation.objects.select_for_update().get(pk=duplicate.pk)
        if merged.acknowledged_at and (
            escalation.acknowledged_at is None or merged.acknowledged_at < escalation.acknowledged_at
        ):
            escalation.acknowledged_at = merged.acknowledged_at
        if merged.period_letter_sent_at and (
            escalation.period_letter_sent_at is None
            or merged.period_letter_sent_at < escalation.period_letter_sent_at
        ):
            escalation.period_letter_queued_at = merged.period_letter_queued_at
            escalation.period_letter_sent_at = merged.period_letter_sent_at
            complaint_services.record_event(
                complaint=case.complaint,
                kind=TimelineEntry.Kind.RECORD_CHANGED,
                body=(
                    f"The ADR letter sent on {duplicate.reference} on "
                    f"{timezone.localtime(merged.period_letter_sent_at):%-d %B %Y} counts for this complaint."
                ),
                by=by,
            )
        if merged.adr_letter_sent_at and (
            escalation.adr_letter_sent_at is None or merged.adr_letter_sent_at > escalation.adr_letter_sent_at
        ):
            escalation.adr_letter_sent_at = merged.adr_letter_sent_at
            escalation.adr_letter_channel = merged.adr_letter_channel
        # What we gave the customer, and the failures owed for, are the one complaint's now.
        Redress.objects.filter(complaint=duplicate).update(complaint=primary)
        ServiceFailure.objects.filter(complaint=duplicate).update(complaint=primary)
    return case.escalation
