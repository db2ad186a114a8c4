"""The transition table: every pair of stages, allowed or refused with a reason."""

import itertools

import pytest

from escalation.stages import ALLOWED_STAGE_CHANGES, Stage, stage_change_problem

FORWARD_STEPS = {
    (Stage.DIRECT_CONTACT, Stage.COMPLAINTS_MANAGER),
    (Stage.COMPLAINTS_MANAGER, Stage.MANAGING_DIRECTOR),
    (Stage.DIRECT_CONTACT, Stage.OMBUDSMAN),
    (Stage.COMPLAINTS_MANAGER, Stage.OMBUDSMAN),
    (Stage.MANAGING_DIRECTOR, Stage.OMBUDSMAN),
}


@pytest.mark.parametrize(("current", "new"), list(itertools.product(Stage, Stage)))
def test_every_pair_of_stages(current, new):
    problem = stage_change_problem(current, new)
    if (current, new) in FORWARD_STEPS:
        assert problem is None
    else:
        assert problem, f"{current} → {new} should be refused"
    assert ((current, new) in FORWARD_STEPS) == (new in ALLOWED_STAGE_CHANGES[current])


def test_backwards_and_standing_still_are_refused_with_a_reason():
    assert "only move forward" in stage_change_problem(Stage.MANAGING_DIRECTOR, Stage.COMPLAINTS_MANAGER)
    assert "only move forward" in stage_change_problem(Stage.OMBUDSMAN, Stage.OMBUDSMAN)


def test_the_managing_director_is_not_skipped_to():
    assert "follows Stage 2: Complaints Manager" in stage_change_problem(
        Stage.DIRECT_CONTACT, Stage.MANAGING_DIRECTOR
    )
