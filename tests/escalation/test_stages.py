"""The transition table: every pair of stages, allowed or refused, and the ombudsman's own gate."""

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
OPEN = {"complaint_closed": False, "manager_has_responded": True, "ombudsman_open": True}


@pytest.mark.parametrize(("current", "new"), list(itertools.product(Stage, Stage)))
def test_every_pair_of_stages(current, new):
    problem = stage_change_problem(current, new, **OPEN)
    if (current, new) in FORWARD_STEPS:
        assert problem is None
    else:
        assert problem, f"{current} → {new} should be refused"
    assert ((current, new) in FORWARD_STEPS) == (new in ALLOWED_STAGE_CHANGES[current])


def test_backwards_and_standing_still_are_refused_with_a_reason():
    assert "only move forward" in stage_change_problem(
        Stage.MANAGING_DIRECTOR, Stage.COMPLAINTS_MANAGER, **OPEN
    )
    assert "only move forward" in stage_change_problem(Stage.OMBUDSMAN, Stage.OMBUDSMAN, **OPEN)


def test_the_managing_director_is_not_skipped_to():
    problem = stage_change_problem(Stage.DIRECT_CONTACT, Stage.MANAGING_DIRECTOR, **OPEN)
    assert "follows Stage 2: Complaints Manager" in problem


@pytest.mark.parametrize("current", [Stage.DIRECT_CONTACT, Stage.COMPLAINTS_MANAGER, Stage.MANAGING_DIRECTOR])
def test_the_ombudsman_is_gated_on_eligibility_not_on_the_ladder(current):
    assert stage_change_problem(current, Stage.OMBUDSMAN, **{**OPEN, "manager_has_responded": False}) is None
    assert "ADR period" in stage_change_problem(current, Stage.OMBUDSMAN, **{**OPEN, "ombudsman_open": False})
    # A closed complaint can still go to the ombudsman: the customer's right outlives our closing it.
    assert stage_change_problem(current, Stage.OMBUDSMAN, **{**OPEN, "complaint_closed": True}) is None


def test_the_managing_director_reviews_after_the_managers_response():
    problem = stage_change_problem(
        Stage.COMPLAINTS_MANAGER, Stage.MANAGING_DIRECTOR, **{**OPEN, "manager_has_responded": False}
    )
    assert "after the Complaints Manager's written response" in problem


def test_a_closed_complaint_is_not_escalated_internally():
    problem = stage_change_problem(
        Stage.DIRECT_CONTACT, Stage.COMPLAINTS_MANAGER, **{**OPEN, "complaint_closed": True}
    )
    assert "closed" in problem
