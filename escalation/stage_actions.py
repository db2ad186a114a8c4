"""The staff's stage actions on one screen: each names its rule, the permission its role needs, its
form and its service. The admin offers and runs them (`escalation/admin.py`); whether one may be
taken now is only ever its rule's answer (`escalation/rules.py`).
"""

from collections.abc import Callable
from dataclasses import dataclass

from complaints.models import ReplyTemplate
from escalation import forms, ombudsman, redress, rules, selectors, services
from escalation.rules import Action


@dataclass(frozen=True)
class StageAction:
    """One staff action on the complaint page: its rule, who may take it, its form, and its service.

    The service is called as `service(complaint=..., by=<the staff member>, **form.cleaned_data)`.
    """

    rule: Action
    label: str
    permission: str
    form_class: type
    service: Callable[..., object]


WORK_STAGE_ONE = "escalation.work_stage_one"
RESPOND_AT_STAGE_TWO = "escalation.respond_at_stage_two"
MANAGE_ESCALATIONS = "escalation.manage_escalations"
DECIDE_AS_MD = "escalation.decide_as_managing_director"
CORRECT_FIRST_RECEIVED = "escalation.correct_first_received"

STAGE_ACTIONS: dict[str, StageAction] = {
    "propose": StageAction(
        Action.PROPOSE_RESOLUTION,
        "Propose a resolution",
        WORK_STAGE_ONE,
        forms.ProposeResolutionForm,
        services.propose_resolution,
    ),
    "complex": StageAction(
        Action.MARK_COMPLEX,
        "Mark complex (customer told)",
        WORK_STAGE_ONE,
        forms.ComplexCaseForm,
        services.mark_complex,
    ),
    "accept": StageAction(
        Action.RECORD_ACCEPTANCE,
        "Record the customer's acceptance",
        WORK_STAGE_ONE,
        forms.AcceptanceForm,
        services.record_customer_acceptance,
    ),
    "stage-two-letter": StageAction(
        Action.REFER_TO_COMPLAINTS_MANAGER,
        "Record a stage 2 letter received",
        WORK_STAGE_ONE,
        forms.StageTwoLetterForm,
        services.record_referral_letter,
    ),
    "stage-two-response": StageAction(
        Action.RECORD_WRITTEN_RESPONSE,
        "Record the written response sent",
        RESPOND_AT_STAGE_TWO,
        forms.StageTwoResponseForm,
        services.record_stage_two_response,
    ),
    "md-review": StageAction(
        Action.REQUEST_MD_REVIEW,
        "Pass to the Managing Director",
        MANAGE_ESCALATIONS,
        forms.ManagingDirectorReferralForm,
        services.request_md_review,
    ),
    "md-decision": StageAction(
        Action.RECORD_MD_DECISION,
        "Record the Managing Director's decision",
        DECIDE_AS_MD,
        forms.ManagingDirectorDecisionForm,
        services.record_md_decision,
    ),
    "deadlock": StageAction(
        Action.DECLARE_DEADLOCK,
        "Declare deadlock",
        MANAGE_ESCALATIONS,
        forms.DeadlockForm,
        services.declare_deadlock,
    ),
    "close": StageAction(
        Action.CLOSE_WITH_FINAL_POSITION,
        "Close with our final position",
        MANAGE_ESCALATIONS,
        forms.FinalPositionForm,
        services.close_with_final_position,
    ),
    "close-after-ombudsman": StageAction(
        Action.CLOSE_AFTER_THE_OMBUDSMAN,
        "Close: the ombudsman's case is over",
        MANAGE_ESCALATIONS,
        forms.AcceptanceForm,
        ombudsman.close_after_the_ombudsman,
    ),
    "ispa": StageAction(
        Action.RECORD_ISPA_REFERRAL,
        "Record an ISPA referral",
        MANAGE_ESCALATIONS,
        forms.IspaReferralForm,
        services.record_ispa_referral,
    ),
    "ombudsman": StageAction(
        Action.RECORD_OMBUDSMAN_REFERRAL,
        "Record an ombudsman case",
        MANAGE_ESCALATIONS,
        forms.OmbudsmanReferralForm,
        ombudsman.record_ombudsman_referral,
    ),
    "ombudsman-decision": StageAction(
        Action.RECORD_OMBUDSMAN_DECISION,
        "Record the ombudsman's decision",
        MANAGE_ESCALATIONS,
        forms.OmbudsmanDecisionForm,
        ombudsman.record_ombudsman_decision,
    ),
    "remedy-done": StageAction(
        Action.RECORD_REMEDY_DONE,
        "Record the ombudsman remedy done",
        MANAGE_ESCALATIONS,
        forms.RemedyDoneForm,
        ombudsman.record_ombudsman_remedy_done,
    ),
    "conclusion": StageAction(
        Action.RECORD_CONCLUSION,
        "Record the root cause and outcome",
        WORK_STAGE_ONE,
        forms.ConclusionForm,
        redress.record_conclusion,
    ),
    "redress": StageAction(
        Action.RECORD_REDRESS,
        "Record redress given",
        WORK_STAGE_ONE,
        forms.RedressForm,
        redress.record_redress,
    ),
    "service-failure": StageAction(
        Action.RECORD_SERVICE_FAILURE,
        "Work out automatic compensation",
        WORK_STAGE_ONE,
        forms.ServiceFailureForm,
        redress.record_service_failure,
    ),
    "withdraw-redress": StageAction(
        Action.WITHDRAW_REDRESS,
        "Withdraw a redress or compensation record made in error",
        MANAGE_ESCALATIONS,
        forms.WithdrawRecordForm,
        redress.withdraw_record,
    ),
    "first-received": StageAction(
        Action.CORRECT_FIRST_RECEIVED,
        "Correct the first-received time",
        CORRECT_FIRST_RECEIVED,
        forms.CorrectFirstReceivedForm,
        services.correct_first_received,
    ),
}


def offered_stage_actions(user, facts: rules.CaseFacts) -> list[str]:
    """The stage actions this member of staff may take on a complaint with these facts, now."""
    return [
        name
        for name, action in STAGE_ACTIONS.items()
        if user.has_perm(action.permission) and rules.allowed(action.rule, facts)
    ]


# A reply template's action that is one of these stage actions follows its rule and permission.
REPLY_TEMPLATE_ACTIONS = {ReplyTemplate.Action.PROPOSE_RESOLUTION: "propose"}


def reply_template_action_problem(action: str, complaint, user) -> str | None:
    """Why a reply template's action may not be applied to this complaint by this member of staff
    now (the stage action's permission and rule, for an action that is one); None if it may."""
    stage_action = STAGE_ACTIONS.get(REPLY_TEMPLATE_ACTIONS.get(action, ""))
    if stage_action is None:
        return None  # a plain status change: the status workflow decides
    if not user.has_perm(stage_action.permission):
        return f"Your role cannot {stage_action.label[0].lower()}{stage_action.label[1:]}."
    escalation = selectors.escalation_for(complaint)
    return rules.problem(
        stage_action.rule, rules.facts_of(complaint, escalation, selectors.ombudsman_case_for(escalation))
    )
