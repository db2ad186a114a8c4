"""The API's writes: each through the service the admin uses for the same thing."""

from django.core.exceptions import ValidationError

from complaints import services
from complaints.models import Complaint, TimelineEntry
from escalation import rules, selectors
from escalation.stage_actions import STAGE_ACTIONS
from integrations.forms import ApiComplaintForm
from integrations.serializers import (
    AcceptInput,
    ComplaintInputSerializer,
    ComplexInput,
    ConclusionInput,
    ProposeInput,
    StageTwoLetterInput,
)

# The stage actions another system may take, each with what it takes. The rest are a person's
# decision in the admin: a final position (deadlock, closing), the Managing Director's, what the
# ombudsman decided, and the stage 2 response, which is a document.
API_STAGE_ACTIONS = {
    "propose": ProposeInput,
    "complex": ComplexInput,
    "accept": AcceptInput,
    "stage-two-letter": StageTwoLetterInput,
    "conclusion": ConclusionInput,
}


def open_complaint(*, data, by) -> Complaint:
    """A complaint from another system, checked by the admin's "Log a complaint" rules and filed by
    the same service (so acknowledged and clocked as any other); ValidationError by field if not."""
    form = ApiComplaintForm(data=_typed(ComplaintInputSerializer, data))
    _refuse_unless_valid(form)
    return services.file_complaint(**form.cleaned_data, by=by)


def take_stage_action(*, complaint: Complaint, action: str, data, by) -> None:
    """A stage action through the admin's form and service for it, if its rule allows it now
    (rules.ActionNotAllowed, in the rule's words, if not; checked again by the service under lock)."""
    stage_action = STAGE_ACTIONS[action]
    problem = rules.problem(stage_action.rule, facts_now(complaint))
    if problem is not None:
        raise rules.ActionNotAllowed(problem)
    typed = _typed(API_STAGE_ACTIONS[action], data)
    form = stage_action.form_class(data=typed)
    _refuse_unless_valid(form)
    stage_action.service(complaint=complaint, by=by, **form.cleaned_data)


def stage_actions_now(complaint: Complaint) -> list[dict]:
    """Each stage action the API takes, and whether its rule allows it now (and why not)."""
    facts = facts_now(complaint)
    listed = []
    for name in API_STAGE_ACTIONS:
        problem = rules.problem(STAGE_ACTIONS[name].rule, facts)
        listed.append(
            {
                "action": name,
                "label": STAGE_ACTIONS[name].label,
                "allowed": problem is None,
                "problem": problem,
            }
        )
    return listed


def facts_now(complaint: Complaint) -> rules.CaseFacts:
    escalation = complaint.escalation  # selected with the complaint
    return rules.facts_of(complaint, escalation, selectors.ombudsman_case_for(escalation))


def _typed(serializer_class, data) -> dict:
    if not isinstance(data, dict):
        raise ValidationError({"non_field_errors": ["Send a JSON object."]})
    typed = serializer_class(data=data)
    if not typed.is_valid():
        raise ValidationError(
            {field: [str(error) for error in errors] for field, errors in typed.errors.items()}
        )
    return typed.validated_data


def _refuse_unless_valid(form) -> None:
    if not form.is_valid():
        raise ValidationError(
            {
                field: [error["message"] for error in errors]
                for field, errors in form.errors.get_json_data().items()
            }
        )


def add_entry(*, complaint: Complaint, by, kind: str, body: str) -> TimelineEntry:
    """A call or a letter through the same service as the admin's; a note likewise."""
    if kind == TimelineEntry.Kind.INTERNAL_NOTE:
        return services.add_internal_note(complaint=complaint, by=by, body=body)
    return services.log_contact(complaint=complaint, by=by, kind=kind, body=body)
