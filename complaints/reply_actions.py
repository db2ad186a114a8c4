"""A reply template's action (issue 14, part 2): the status change a reply from the template also
makes, applied in the reply's transaction when the complaint's rules and the sender's role allow it
at that moment.

The reply always goes: staff wrote it for the customer, and an action the rules refuse must not
lose it. Staff see before sending whether the action will be applied (or why not), and are told
after sending what was done. Another app adds its rules through `add_action_check` (escalation:
proposing a resolution is a stage 1 action of the roles that work stage 1), so this module needs no
import of it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from complaints import services, workflow
from complaints.models import Complaint, ReplyTemplate, TimelineEntry
from complaints.transactions import one_transaction

Action = ReplyTemplate.Action

# What each action does: the status it sets, and the note the status change is recorded with.
STATUS_SET_BY: dict[str, str] = {
    Action.MARK_IN_PROGRESS: Complaint.Status.IN_PROGRESS,
    Action.PROPOSE_RESOLUTION: Complaint.Status.RESOLUTION_PROPOSED,
}
NOTE_OF: dict[str, str] = {
    Action.MARK_IN_PROGRESS: "Marked as being looked into, with a reply from a template.",
    Action.PROPOSE_RESOLUTION: "We proposed a resolution.",
}
CHANGE_PERMISSION = "complaints.change_complaint"

ActionCheck = Callable[[str, Complaint, object], str | None]  # (action, complaint, user) -> why not
_checks: list[ActionCheck] = []


def add_action_check(check: ActionCheck) -> None:
    """Let another app refuse a template's action with its own rule, set once in its AppConfig.ready."""
    if check not in _checks:
        _checks.append(check)


def action_problem(action: str, complaint: Complaint, user) -> str | None:
    """Why a reply from a template with `action` would not apply it to this complaint now, for this
    member of staff; None if it would. The reply box asks it, and so does the service, under lock."""
    if not user.has_perm(CHANGE_PERMISSION):
        return "Your role cannot change a complaint's status."
    target = STATUS_SET_BY[action]
    if complaint.status != target and not workflow.can_change_status(complaint.status, target):
        return (
            f"A complaint that is “{complaint.get_status_display()}” cannot become "
            f"“{Complaint.Status(target).label}”."
        )
    for check in _checks:
        if (reason := check(action, complaint, user)) is not None:
            return reason
    return None


@dataclass(frozen=True)
class TemplateReply:
    """A reply sent from a template, and what became of the template's action."""

    entry: TimelineEntry
    applied: str = ""  # the action's label, when it was applied
    not_applied: str = ""  # why not, when the template has an action the rules refused


@one_transaction
def reply_from_template(
    *, complaint: Complaint, by, body: str, template: ReplyTemplate, attachments=()
) -> TemplateReply:
    """Send a reply started from `template` and apply the template's action if it is allowed then.

    The complaint is locked first, so the action's rule is asked about the complaint as the reply
    leaves it, with nothing changing it in between.
    """
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    entry = services.reply_to_customer(
        complaint=complaint, by=by, body=body, attachments=attachments, started_from=template
    )
    if not template.action:
        return TemplateReply(entry)
    complaint = Complaint.objects.get(pk=complaint.pk)  # as the reply left it (it may have started work)
    label = Action(template.action).label
    if (problem := action_problem(template.action, complaint, by)) is not None:
        return TemplateReply(entry, not_applied=f"{label}: not done. {problem}")
    target = STATUS_SET_BY[template.action]
    if complaint.status != target:
        services.change_complaint_status(
            complaint=complaint, new_status=target, by=by, note=NOTE_OF[template.action]
        )
    return TemplateReply(entry, applied=label)
