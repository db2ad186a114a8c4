"""Whether a stage action may be taken now: one rule per action, asked everywhere. Pure.

The admin offers an action only where its rule allows it (and the role holds its permission), the
customer's "what you can do next" comes from the same rules, and the views and the services refuse
what a rule does not allow, in the rule's own words. Nothing else decides it: the services call
`refuse_unless_allowed` with the facts of the complaint they have locked.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from escalation import clocks
from escalation.stages import Stage


class Action(models.TextChoices):
    """Everything staff (and, for two of them, the customer) can do to move a complaint on."""

    PROPOSE_RESOLUTION = "propose", "Propose a resolution"
    MARK_COMPLEX = "complex", "Mark complex (customer told)"
    RECORD_ACCEPTANCE = "accept", "Record the customer's acceptance"
    REFER_TO_COMPLAINTS_MANAGER = "refer", "Refer to the Complaints Manager"
    RECORD_WRITTEN_RESPONSE = "stage-two-response", "Record the written response sent"
    REQUEST_MD_REVIEW = "md-review", "Pass to the Managing Director"
    RECORD_MD_DECISION = "md-decision", "Record the Managing Director's decision"
    DECLARE_DEADLOCK = "deadlock", "Declare deadlock (our final position)"
    CLOSE_WITH_FINAL_POSITION = "close", "Close with our final position"
    CLOSE_AFTER_THE_OMBUDSMAN = "close-after-ombudsman", "Close: the ombudsman's case is over"
    RECORD_ISPA_REFERRAL = "ispa", "Record an ISPA referral"
    RECORD_OMBUDSMAN_REFERRAL = "ombudsman", "Record an ombudsman case"
    RECORD_OMBUDSMAN_DECISION = "ombudsman-decision", "Record the ombudsman's decision"
    RECORD_REMEDY_DONE = "remedy-done", "Record the ombudsman remedy done"
    CORRECT_FIRST_RECEIVED = "first-received", "Correct the first-received time"
    RECORD_CONCLUSION = "conclusion", "Record the root cause and outcome"
    RECORD_REDRESS = "redress", "Record redress given"
    RECORD_SERVICE_FAILURE = "service-failure", "Record a delayed repair, missed appointment or late start"
    WITHDRAW_REDRESS = "withdraw-redress", "Withdraw a redress or compensation record made in error"


@dataclass(frozen=True)
class CaseFacts:
    """What the rules look at: a snapshot of one complaint, its clocks and its ombudsman case."""

    status: str
    category: str
    stage: int
    anonymised: bool
    stage_one_answered: bool
    stage_one_due: date
    stage_two_response_sent: bool
    md_decided: bool
    deadlocked: bool
    ispa_referred: bool
    ombudsman_open_from: date
    ombudsman_case: bool
    ombudsman_answer_recorded: bool
    remedy_owed: bool
    ispa_member: bool
    today: date
    merged: bool = False


def facts_of(complaint, escalation, ombudsman_case=None, *, today: date | None = None) -> CaseFacts:
    """The facts of a complaint as the rules see them (today, and the ISPA setting, read here)."""
    return CaseFacts(
        status=complaint.status,
        category=complaint.category,
        stage=escalation.stage,
        anonymised=complaint.anonymised_at is not None,
        merged=complaint.status == Complaint.Status.MERGED,
        stage_one_answered=escalation.stage_one_answered_at is not None,
        stage_one_due=escalation.stage_one_due,
        stage_two_response_sent=escalation.stage_two_response_sent_at is not None,
        md_decided=escalation.md_decision_at is not None,
        deadlocked=escalation.deadlocked_at is not None,
        ispa_referred=escalation.ispa_referred_on is not None,
        ombudsman_open_from=clocks.ombudsman_open_from(escalation),
        ombudsman_case=ombudsman_case is not None,
        ombudsman_answer_recorded=bool(
            ombudsman_case and ombudsman_case.decision_on and ombudsman_case.customer_response
        ),
        remedy_owed=bool(ombudsman_case and ombudsman_case.remedy_due and not ombudsman_case.remedy_done_on),
        ispa_member=settings.ISPA_MEMBER,
        today=today or timezone.localdate(),
    )


class ActionNotAllowed(ValidationError):
    """The rule of an action does not allow it now; the message says why, for staff or the customer."""


Check = tuple[Callable[[CaseFacts], bool], str]


def _is_open(facts: CaseFacts) -> bool:
    return facts.status in OPEN_STATUSES


def _not_deadlocked(facts: CaseFacts) -> bool:
    return not facts.deadlocked


def _at(stage: int) -> Callable[[CaseFacts], bool]:
    return lambda facts: facts.stage == stage


# Ofcom's automatic compensation covers repairs, appointments and provision: these categories.
AUTOMATIC_COMPENSATION_CATEGORIES = (Complaint.Category.BROADBAND_FAULT, Complaint.Category.INSTALLATION)

OPEN: Check = (_is_open, "This complaint is resolved or closed.")
NOT_DEADLOCKED: Check = (_not_deadlocked, "Our final position has been given (deadlock).")
BEFORE_THE_OMBUDSMAN: Check = (
    lambda facts: facts.stage < Stage.OMBUDSMAN,
    "The complaint is with the ombudsman.",
)

# Each action's conditions, in the order they are explained; the first one unmet is the reason.
RULES: dict[Action, tuple[Check, ...]] = {
    Action.PROPOSE_RESOLUTION: (
        (
            _at(Stage.DIRECT_CONTACT),
            "A resolution is proposed at stage 1; later our answer is the Complaints Manager's "
            "written response, then the Managing Director's decision.",
        ),
        OPEN,
        NOT_DEADLOCKED,
    ),
    Action.MARK_COMPLEX: (
        (_at(Stage.DIRECT_CONTACT), "Only a complaint at stage 1 can be marked complex."),
        OPEN,
        NOT_DEADLOCKED,
        (lambda facts: not facts.stage_one_answered, "We have already answered at stage 1."),
    ),
    Action.RECORD_ACCEPTANCE: (
        (
            lambda facts: facts.status == Complaint.Status.RESOLUTION_PROPOSED,
            "There is no proposed resolution for the customer to accept.",
        ),
        BEFORE_THE_OMBUDSMAN,
    ),
    Action.REFER_TO_COMPLAINTS_MANAGER: (
        (_at(Stage.DIRECT_CONTACT), "The complaint has already gone past stage 1."),
        OPEN,
        NOT_DEADLOCKED,
        (
            lambda facts: facts.stage_one_answered or facts.today > facts.stage_one_due,
            "The Complaints Manager looks at a complaint once we have proposed a resolution, "
            "or once the date we aimed to resolve it by has passed.",
        ),
    ),
    Action.RECORD_WRITTEN_RESPONSE: (
        (_at(Stage.COMPLAINTS_MANAGER), "No referral to the Complaints Manager is waiting for a response."),
        (lambda facts: not facts.stage_two_response_sent, "The written response has already been sent."),
        OPEN,
    ),
    Action.REQUEST_MD_REVIEW: (
        (
            _at(Stage.COMPLAINTS_MANAGER),
            "The Managing Director reviews a complaint after the Complaints Manager's written response.",
        ),
        (
            lambda facts: facts.stage_two_response_sent,
            "The Managing Director reviews a complaint after the Complaints Manager's written response.",
        ),
        OPEN,
        NOT_DEADLOCKED,
    ),
    Action.RECORD_MD_DECISION: (
        (_at(Stage.MANAGING_DIRECTOR), "No Managing Director review is waiting for a decision."),
        (lambda facts: not facts.md_decided, "The Managing Director has already decided."),
    ),
    Action.DECLARE_DEADLOCK: (
        NOT_DEADLOCKED,
        OPEN,
        BEFORE_THE_OMBUDSMAN,
    ),
    # Closing a complaint the customer has not accepted as resolved is our final position: deadlock,
    # unless one was given already or the ombudsman has the complaint (a resolved one is simply closed).
    Action.CLOSE_WITH_FINAL_POSITION: (OPEN, BEFORE_THE_OMBUDSMAN),
    # At the ombudsman the case ends with its decision: rejected by the customer, or put into effect.
    Action.CLOSE_AFTER_THE_OMBUDSMAN: (
        (lambda facts: facts.stage == Stage.OMBUDSMAN, "The complaint is not with the ombudsman."),
        OPEN,
        (
            lambda facts: facts.ombudsman_answer_recorded and not facts.remedy_owed,
            "The ombudsman's case is over once the customer has answered its decision and any remedy is done.",
        ),
    ),
    Action.RECORD_ISPA_REFERRAL: (
        (
            lambda facts: facts.ispa_member,
            "We are not an ISPA member, so ISPA does not review our complaints.",
        ),
        (
            lambda facts: facts.stage in (Stage.COMPLAINTS_MANAGER, Stage.MANAGING_DIRECTOR),
            "ISPA reviews a complaint after a manager's involvement, before the ombudsman.",
        ),
        (lambda facts: not facts.ispa_referred, "An ISPA referral is already recorded."),
    ),
    Action.RECORD_OMBUDSMAN_REFERRAL: (
        (lambda facts: facts.stage != Stage.OMBUDSMAN, "The ombudsman's case is already recorded."),
        (
            lambda facts: facts.today >= facts.ombudsman_open_from,
            "The customer can take this complaint to the ombudsman once the ADR period has run out "
            "or at deadlock; neither has happened yet.",
        ),
    ),
    Action.RECORD_OMBUDSMAN_DECISION: (
        (
            lambda facts: facts.stage == Stage.OMBUDSMAN and facts.ombudsman_case,
            "Record the ombudsman's case before its decision.",
        ),
        (
            lambda facts: not facts.ombudsman_answer_recorded,
            "The decision and the customer's answer to it are recorded.",
        ),
    ),
    Action.RECORD_REMEDY_DONE: (
        (
            lambda facts: facts.remedy_owed,
            "No accepted ombudsman decision is waiting to be put into effect.",
        ),
    ),
    Action.CORRECT_FIRST_RECEIVED: (),
    # Recorded at any time (a complaint that ended before they were asked for can be given them).
    Action.RECORD_CONCLUSION: (),
    Action.RECORD_REDRESS: (),
    Action.WITHDRAW_REDRESS: (),
    Action.RECORD_SERVICE_FAILURE: (
        (
            lambda facts: facts.category in AUTOMATIC_COMPENSATION_CATEGORIES,
            "Automatic compensation is for complaints about a fault or an installation.",
        ),
    ),
}

NOT_ANONYMISED: Check = (
    lambda facts: not facts.anonymised,
    "This complaint's personal data has been removed under the retention policy; its record is closed.",
)

# A merged complaint's history and clocks are its primary's: every action is taken there.
NOT_MERGED: Check = (
    lambda facts: not facts.merged,
    "This complaint was joined with another; its history and clocks are there.",
)


def problem(action: Action, facts: CaseFacts) -> str | None:
    """Why `action` may not be taken now, in words for staff and customers; None if it may."""
    for holds, reason in (NOT_ANONYMISED, NOT_MERGED, *RULES[action]):
        if not holds(facts):
            return reason
    return None


def allowed(action: Action, facts: CaseFacts) -> bool:
    return problem(action, facts) is None


def refuse_unless_allowed(action: Action, facts: CaseFacts) -> None:
    """Raise `ActionNotAllowed` with the rule's reason unless `action` may be taken now."""
    reason = problem(action, facts)
    if reason is not None:
        raise ActionNotAllowed(reason)
