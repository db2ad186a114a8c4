"""The procedure's four stages on one screen: which stage may follow which.

Stages only move forward. The ombudsman (stage 4) is not the top of a ladder: the customer may go
there from any stage once the ADR period has run out or at deadlock (Ofcom GC C4). When an action
that moves a stage may be taken is the business of `escalation/rules.py`; this table is the last
check of `advance_stage`, the one writer of a stage. A complaint may be resolved or closed at any
stage; that is its status, not its stage.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.IntegerChoices):
    DIRECT_CONTACT = 1, _("Stage 1: Direct contact")
    COMPLAINTS_MANAGER = 2, _("Stage 2: Complaints Manager")
    MANAGING_DIRECTOR = 3, _("Stage 3: Managing Director review")
    OMBUDSMAN = 4, _("Stage 4: Ombudsman")


ALLOWED_STAGE_CHANGES: dict[int, frozenset[int]] = {
    Stage.DIRECT_CONTACT: frozenset({Stage.COMPLAINTS_MANAGER, Stage.OMBUDSMAN}),
    Stage.COMPLAINTS_MANAGER: frozenset({Stage.MANAGING_DIRECTOR, Stage.OMBUDSMAN}),
    Stage.MANAGING_DIRECTOR: frozenset({Stage.OMBUDSMAN}),
    Stage.OMBUDSMAN: frozenset(),
}


def stage_change_problem(current: int, new: int) -> str | None:
    """Why a complaint at `current` cannot move to `new`, in words; None if the table allows it."""
    if new in ALLOWED_STAGE_CHANGES[current]:
        return None
    if new <= current:
        return f"Stages only move forward: this complaint is already at {Stage(current).label}."
    return f"{Stage(new).label} follows {Stage(new - 1).label}; this complaint is at {Stage(current).label}."
