"""The procedure's four stages on one screen: which stage may follow which, and why not.

Stages only move forward. The ombudsman (stage 4) is not the top of a ladder: the customer may go
there from any stage once the ADR period has run out or at deadlock (Ofcom GC C4), so its gate is
eligibility, never the Complaints Manager or the Managing Director. A complaint may be resolved or
closed at any stage; that is its status, not its stage.
"""

from django.db import models


class Stage(models.IntegerChoices):
    DIRECT_CONTACT = 1, "Stage 1: Direct contact"
    COMPLAINTS_MANAGER = 2, "Stage 2: Complaints Manager"
    MANAGING_DIRECTOR = 3, "Stage 3: Managing Director review"
    OMBUDSMAN = 4, "Stage 4: Ombudsman"


ALLOWED_STAGE_CHANGES: dict[int, frozenset[int]] = {
    Stage.DIRECT_CONTACT: frozenset({Stage.COMPLAINTS_MANAGER, Stage.OMBUDSMAN}),
    Stage.COMPLAINTS_MANAGER: frozenset({Stage.MANAGING_DIRECTOR, Stage.OMBUDSMAN}),
    Stage.MANAGING_DIRECTOR: frozenset({Stage.OMBUDSMAN}),
    Stage.OMBUDSMAN: frozenset(),
}


def stage_change_problem(
    current: int,
    new: int,
    *,
    complaint_closed: bool,
    manager_has_responded: bool,
    ombudsman_open: bool,
) -> str | None:
    """Why a complaint at `current` cannot move to `new`, in words for staff and customers; None if it can."""
    if new not in ALLOWED_STAGE_CHANGES[current]:
        if new <= current:
            return f"Stages only move forward: this complaint is already at {Stage(current).label}."
        return (
            f"{Stage(new).label} follows {Stage(new - 1).label}; this complaint is at {Stage(current).label}."
        )
    if new == Stage.OMBUDSMAN:
        if not ombudsman_open:
            return (
                "The customer can take this complaint to the ombudsman once the ADR period has run out "
                "or at deadlock; neither has happened yet."
            )
        return None  # open to closed complaints as well: the customer's right outlives our closing it
    if complaint_closed:
        return "This complaint is closed, so it cannot be escalated."
    if new == Stage.MANAGING_DIRECTOR and not manager_has_responded:
        return "The Managing Director reviews a complaint after the Complaints Manager's written response."
    return None
