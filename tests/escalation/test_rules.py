"""The rule of each action, on facts alone (no database): when it may be taken, and the reason when not."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from complaints.models import Complaint
from escalation.rules import Action, CaseFacts, allowed, problem
from escalation.stages import Stage

Status = Complaint.Status
TODAY = date(2026, 11, 25)

NEW = CaseFacts(
    status=Status.RECEIVED,
    category=Complaint.Category.BILLING,
    stage=Stage.DIRECT_CONTACT,
    anonymised=False,
    stage_one_answered=False,
    stage_one_due=TODAY + timedelta(days=3),
    stage_two_response_sent=False,
    md_decided=False,
    deadlocked=False,
    ispa_referred=False,
    ombudsman_open_from=TODAY + timedelta(days=42),
    ombudsman_case=False,
    ombudsman_answer_recorded=False,
    remedy_owed=False,
    ispa_member=False,
    today=TODAY,
)
PROPOSED = replace(NEW, status=Status.RESOLUTION_PROPOSED, stage_one_answered=True)
AT_STAGE_TWO = replace(PROPOSED, status=Status.IN_PROGRESS, stage=Stage.COMPLAINTS_MANAGER)
ANSWERED_AT_STAGE_TWO = replace(AT_STAGE_TWO, status=Status.RESOLUTION_PROPOSED, stage_two_response_sent=True)


def offered(facts):
    return {action for action in Action if allowed(action, facts)}


def test_a_new_complaint_offers_the_stage_one_work_and_nothing_of_later_stages():
    assert offered(NEW) == {
        Action.PROPOSE_RESOLUTION,
        Action.MARK_COMPLEX,
        Action.DECLARE_DEADLOCK,
        Action.CLOSE_WITH_FINAL_POSITION,
        Action.CORRECT_FIRST_RECEIVED,
        Action.RECORD_CONCLUSION,
        Action.RECORD_REDRESS,
        Action.WITHDRAW_REDRESS,  # its form lists the records there are (managers only, by role)
    }


def test_the_complaints_manager_follows_a_proposal_or_a_missed_stage_one_target():
    assert "once we have proposed a resolution" in problem(Action.REFER_TO_COMPLAINTS_MANAGER, NEW)
    assert allowed(Action.REFER_TO_COMPLAINTS_MANAGER, PROPOSED)
    late = replace(NEW, status=Status.IN_PROGRESS, stage_one_due=TODAY - timedelta(days=1))
    assert allowed(Action.REFER_TO_COMPLAINTS_MANAGER, late)


def test_after_the_written_response_no_resolution_is_proposed_again():
    assert "stage 1" in problem(Action.PROPOSE_RESOLUTION, ANSWERED_AT_STAGE_TWO)
    assert offered(ANSWERED_AT_STAGE_TWO) >= {Action.REQUEST_MD_REVIEW, Action.RECORD_ACCEPTANCE}


def test_the_managing_director_reviews_after_the_managers_response():
    assert "after the Complaints Manager's written response" in problem(
        Action.REQUEST_MD_REVIEW, AT_STAGE_TWO
    )


@pytest.mark.parametrize("status", [Status.RESOLVED, Status.CLOSED])
def test_a_resolved_or_closed_complaint_is_not_escalated_internally(status):
    assert "resolved or closed" in problem(
        Action.REFER_TO_COMPLAINTS_MANAGER, replace(PROPOSED, status=status)
    )
    assert "resolved or closed" in problem(
        Action.REQUEST_MD_REVIEW, replace(ANSWERED_AT_STAGE_TWO, status=status)
    )


@pytest.mark.parametrize(
    "facts", [NEW, AT_STAGE_TWO, ANSWERED_AT_STAGE_TWO], ids=["stage 1", "stage 2", "answered"]
)
def test_the_ombudsman_is_gated_on_eligibility_never_on_the_ladder(facts):
    assert "ADR period" in problem(Action.RECORD_OMBUDSMAN_REFERRAL, facts)
    assert allowed(Action.RECORD_OMBUDSMAN_REFERRAL, replace(facts, ombudsman_open_from=TODAY))
    # A closed complaint can still go: the customer's right outlives our closing it.
    assert allowed(
        Action.RECORD_OMBUDSMAN_REFERRAL, replace(facts, ombudsman_open_from=TODAY, status=Status.CLOSED)
    )


def test_ispa_is_offered_only_to_a_member_after_a_managers_involvement():
    assert "not an ISPA member" in problem(Action.RECORD_ISPA_REFERRAL, ANSWERED_AT_STAGE_TWO)
    member = replace(ANSWERED_AT_STAGE_TWO, ispa_member=True)
    assert allowed(Action.RECORD_ISPA_REFERRAL, member)
    assert "already recorded" in problem(Action.RECORD_ISPA_REFERRAL, replace(member, ispa_referred=True))
    assert "manager's involvement" in problem(Action.RECORD_ISPA_REFERRAL, replace(NEW, ispa_member=True))


def test_deadlock_is_declared_once_and_ends_internal_escalation():
    deadlocked = replace(PROPOSED, deadlocked=True)
    assert "final position" in problem(Action.DECLARE_DEADLOCK, deadlocked)
    assert "final position" in problem(Action.REFER_TO_COMPLAINTS_MANAGER, deadlocked)
    assert allowed(Action.RECORD_OMBUDSMAN_REFERRAL, replace(deadlocked, ombudsman_open_from=TODAY))


def test_an_anonymised_complaint_offers_nothing():
    assert offered(replace(PROPOSED, anonymised=True)) == set()


def test_a_merged_complaint_is_offered_nothing_its_primary_is_acted_on():
    merged = replace(NEW, status=Status.MERGED, merged=True)
    assert offered(merged) == set()
    assert problem(Action.RECORD_OMBUDSMAN_REFERRAL, replace(merged, today=TODAY + timedelta(days=60))) == (
        "This complaint was joined with another; its history and clocks are there."
    )


@pytest.mark.parametrize(
    ("category", "offered_then"),
    [
        (Complaint.Category.BROADBAND_FAULT, True),
        (Complaint.Category.INSTALLATION, True),
        (Complaint.Category.BILLING, False),
        (Complaint.Category.CUSTOMER_SERVICE, False),
    ],
)
def test_automatic_compensation_is_worked_out_on_fault_and_installation_complaints(category, offered_then):
    facts = replace(NEW, category=category)
    assert allowed(Action.RECORD_SERVICE_FAILURE, facts) is offered_then
    # Root cause, outcome and redress can be recorded on any complaint, open or ended.
    assert allowed(Action.RECORD_REDRESS, replace(facts, status=Status.CLOSED))
    assert allowed(Action.RECORD_CONCLUSION, replace(facts, status=Status.RESOLVED))
