"""Every write to a complaint's stage, its clocks and its ombudsman case.

Each service opens the complaint's case (`open_case`): the complaint, then its clocks' row, are
locked once, however deeply services call each other (always in that order, as the complaint
services and the sweep do). The service asks its action's rule (`escalation/rules.py`) with the
locked facts, writes the audit and timeline rows, and the clocks are recomputed and saved once,
when the outermost service is done, in the same transaction. The staff member acting is `by`
(None when the customer acted in the portal).
"""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext

from complaints import record_changes
from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from complaints.notices import notify_customer
from complaints.transactions import one_transaction
from escalation import clocks, conclusions, rules, satisfaction, signals
from escalation.case import Case, compute_clocks, open_case
from escalation.models import Escalation, RootCause, StageChange
from escalation.rules import Action
from escalation.stages import Stage, stage_change_problem
from escalation.working_days import london_date

Status = Complaint.Status


# --- Clocks ------------------------------------------------------------------------------------


@one_transaction
def start_clocks(*, complaint: Complaint) -> Escalation:
    """Start a new complaint at stage 1 with its clocks."""
    escalation = Escalation(
        complaint=complaint, stage=Stage.DIRECT_CONTACT, stage_changed_at=complaint.first_received_at
    )
    compute_clocks(escalation, complaint=complaint)
    escalation.save(force_insert=True)
    return escalation


@one_transaction
def refresh_clocks(*, complaint: Complaint) -> Escalation:
    """Recompute every due date of a complaint from its inputs (after a calendar or record change)."""
    with open_case(complaint) as case:
        pass
    return case.escalation


@one_transaction
def note_status_change(
    *, complaint: Complaint, old_status: str, new_status: str, by=None, note: str = ""
) -> Escalation:
    """A status changed: a proposal or a resolution at stage 1 answers the stage-1 clock.

    Keeps when the complaint was resolved or closed (for the reports), cleared if it is reopened.
    Closing a complaint the customer has not accepted as resolved is our final position: deadlock,
    so the ADR letter is owed at once (Ofcom GC C4), unless the ombudsman already has it. Every
    way of ending a complaint passes here, so here it is refused without a root cause and outcome.
    """
    with open_case(complaint) as case:
        case.complaint = complaint  # the instance the status service has just saved
        escalation, now = case.escalation, timezone.now()
        conclusions.refuse_unless_concluded(escalation, old_status=old_status, new_status=new_status)
        if (
            escalation.stage == Stage.DIRECT_CONTACT
            and escalation.stage_one_answered_at is None
            and new_status in (Status.RESOLUTION_PROPOSED, Status.RESOLVED, Status.CLOSED)
        ):
            escalation.stage_one_answered_at = now
        if new_status in (Status.RESOLVED, Status.CLOSED, Status.MERGED):  # merged: the primary runs on
            escalation.resolved_at = escalation.resolved_at or now
        else:
            escalation.resolved_at = None
        if (
            new_status == Status.CLOSED
            and old_status not in complaint_services.CLOSING_WITHOUT_A_FINAL_POSITION
            and escalation.deadlocked_at is None
            and escalation.stage != Stage.OMBUDSMAN
        ):
            _give_final_position(case, by=by, final_position=note, already_told=True)
    return case.escalation


@one_transaction
def note_details_changed(*, complaint: Complaint) -> Escalation:
    """A clock input of the complaint changed (its category, its first-received time): recompute."""
    with open_case(complaint) as case:
        case.complaint = complaint
    return case.escalation


def correct_first_received(
    *, complaint: Complaint, by, first_received_at: datetime, reason: str
) -> Complaint:
    """Move the first-received time earlier; every clock that runs from it follows.

    Not one transaction: a refused attempt (a later time) is recorded, and that record must
    outlive the refusal (see `complaints.record_changes.correct_first_received_at`).
    """
    rules.refuse_unless_allowed(
        Action.CORRECT_FIRST_RECEIVED, rules.facts_of(complaint, Escalation.objects.get(pk=complaint.pk))
    )
    return record_changes.correct_first_received_at(
        complaint=complaint, first_received_at=first_received_at, reason=reason, by=by
    )


# Customer notices whose sending starts or answers a clock.
ACKNOWLEDGEMENT_NOTICE = "complaint_acknowledgement"
ADR_LETTER_NOTICE = "adr_letter"


@one_transaction
def record_notice_sent(
    *, reference: str, template_key: str, channel: str, sent_at: datetime, context: dict
) -> Escalation | None:
    """A notice to the customer went (an e-mail handed to the mail server, a letter marked posted).

    The written acknowledgement answers its clock then, not when it was queued; an ADR letter counts
    as sent then, and the customer's 12 months run from the date printed on it. A phone call is
    never the written notice. Other notices change no clock.
    """
    if template_key not in (ACKNOWLEDGEMENT_NOTICE, ADR_LETTER_NOTICE) or channel == "call":
        return None
    complaint = Complaint.objects.filter(reference=reference).first()
    if complaint is None:
        return None
    with open_case(complaint) as case:
        escalation = case.escalation
        if template_key == ACKNOWLEDGEMENT_NOTICE:
            escalation.acknowledged_at = escalation.acknowledged_at or sent_at
        else:
            _record_adr_letter_sent(
                case, at_deadlock=bool(context.get("at_deadlock")), sent_at=sent_at, channel=channel
            )
    return case.escalation


def _record_adr_letter_sent(case: Case, *, at_deadlock: bool, sent_at: datetime, channel: str) -> None:
    escalation = case.escalation
    field = "deadlock_letter_sent_at" if at_deadlock else "period_letter_sent_at"
    if getattr(escalation, field) is not None:
        return  # the first sending stands (a retried e-mail, a letter posted twice)
    setattr(escalation, field, sent_at)
    if escalation.adr_letter_sent_at is None or sent_at >= escalation.adr_letter_sent_at:
        escalation.adr_letter_sent_at, escalation.adr_letter_channel = sent_at, channel
    window_ends = clocks.adr_window_ends_after(escalation)
    how = "by letter, posted" if channel == "letter" else "by e-mail"
    complaint_services.record_event(
        complaint=case.complaint,
        kind=TimelineEntry.Kind.UPDATE,
        body=(
            f"We wrote to you about taking your complaint to the {settings.ADR_SCHEME['name']} "
            f"({how} on {timezone.localtime(sent_at):%-d %B %Y}). You can do so until {window_ends:%-d %B %Y}."
        ),
    )
    signals.adr_letter_sent.send(
        sender=Escalation, complaint=case.complaint, sent_at=sent_at, channel=channel, at_deadlock=at_deadlock
    )


# --- Stages ------------------------------------------------------------------------------------


@one_transaction
def advance_stage(*, complaint: Complaint, to_stage: int, reason: str, by=None) -> Escalation:
    """The one writer of a stage: checks the transition table and records who, when and why.

    The actions that move a stage check their own rule first; this is the table's last word.
    """
    with open_case(complaint) as case:
        escalation = case.escalation
        problem = stage_change_problem(escalation.stage, to_stage)
        if problem:
            raise ValidationError(problem)
        StageChange.objects.create(
            complaint=case.complaint,
            from_stage=escalation.stage,
            to_stage=to_stage,
            changed_by=by,
            reason=reason,
        )
        from_stage = escalation.stage
        escalation.stage = to_stage
        escalation.stage_changed_at = timezone.now()
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.STAGE_CHANGED,
            body=f"Moved to {complaint_services.english_label(Stage(to_stage).label)}. {reason}".strip(),
            by=by,
        )
        signals.stage_changed.send(
            sender=Escalation, complaint=case.complaint, from_stage=from_stage, to_stage=to_stage, by=by
        )
    return case.escalation


@one_transaction
def refer_to_complaints_manager(
    *,
    complaint: Complaint,
    channel: str,
    reply_preference: str,
    received_on: date | None = None,
    by=None,
    contact_details: dict | None = None,
    reason: str = "",
) -> Escalation:
    """Refer a complaint to the Complaints Manager: from the portal now, or by a letter that arrived on `received_on`.

    Starts the 10-working-day clock for the written response from the day the referral arrived.
    """
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.REFER_TO_COMPLAINTS_MANAGER)
        today = timezone.localdate()
        received_on = received_on or today
        if received_on > today:
            raise ValidationError({"received_on": "The date the letter arrived cannot be in the future."})
        if received_on < london_date(case.complaint.first_received_at):
            raise ValidationError(
                {"received_on": "The letter cannot have arrived before the complaint itself."}
            )
        who = "The customer asked online" if by is None else "Referral letter received"
        advance_stage(
            complaint=case.complaint,
            to_stage=Stage.COMPLAINTS_MANAGER,
            by=by,
            reason=f"{who}: not satisfied with the proposed resolution. {reason}".strip(),
        )
        case.complaint = record_changes.update_contact_details(
            complaint=case.complaint, by=by, reply_preference=reply_preference, **(contact_details or {})
        )
        _set_status(case, Status.IN_PROGRESS, by=by, note="Referred to the Complaints Manager.")
        escalation = case.escalation
        escalation.referral_received_on = received_on
        escalation.referral_channel = channel
        escalation.referral_reply_preference = reply_preference
        compute_clocks(escalation, complaint=case.complaint, ombudsman_case=case.ombudsman_case)
        notify_with_ombudsman_paragraph(
            case,
            "referral_received",
            f"referral-{received_on:%Y-%m-%d}",
            referral_received_on=written_date(received_on),
            response_due=written_date(escalation.stage_two_response_due, "l j F Y"),
        )
    return case.escalation


def record_referral_letter(
    *, complaint: Complaint, by, received_on: date, reply_preference: str, reason: str = ""
) -> Escalation:
    """A letter asking for the Complaints Manager arrived on `received_on`: staff record it."""
    return refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.LETTER,
        reply_preference=reply_preference,
        received_on=received_on,
        by=by,
        reason=reason,
    )


@one_transaction
def record_stage_two_response(*, complaint: Complaint, by, response: str, document) -> Escalation:
    """The Complaints Manager's written response, sent with its document; always a document, even by phone."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_WRITTEN_RESPONSE)
        if not document:
            raise ValidationError(
                {"document": "Attach the written response; stage 2 is answered in writing."}
            )
        entry = complaint_services.reply_to_customer(
            complaint=case.complaint,
            by=by,
            body=response,
            attachments=[document],
            template_key="written_response_sent",
            extra={"adr_open_text": _adr_open_text(case.escalation, language=case.complaint.language)},
        )
        _set_status(
            case, Status.RESOLUTION_PROPOSED, by=by, note="The Complaints Manager sent a written response."
        )
        case.escalation.stage_two_response_sent_at = timezone.now()
        case.escalation.stage_two_response_document = entry.attachments.first()
    return case.escalation


@one_transaction
def request_md_review(*, complaint: Complaint, by=None, reason: str = "") -> Escalation:
    """Ask for the Managing Director's review, after the Complaints Manager's response."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.REQUEST_MD_REVIEW)
        who = "The customer asked online" if by is None else "Review requested"
        advance_stage(
            complaint=case.complaint,
            to_stage=Stage.MANAGING_DIRECTOR,
            by=by,
            reason=f"{who} for a Managing Director review. {reason}".strip(),
        )
        _set_status(case, Status.IN_PROGRESS, by=by, note="Passed to the Managing Director for review.")
        case.escalation.md_review_requested_at = timezone.now()
        notify_with_ombudsman_paragraph(case, "md_review_requested", "md-review")
    return case.escalation


@one_transaction
def record_md_decision(
    *, complaint: Complaint, by, decision: str, document=None, scope_reason: str = ""
) -> Escalation:
    """The Managing Director's decision: our final position, so the ADR letter is owed from today."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_MD_DECISION)
        complaint_services.reply_to_customer(
            complaint=case.complaint,
            by=by,
            body=decision,
            attachments=[document] if document else [],
            template_key="md_decision",
            extra={"adr_open_text": _adr_open_now_text(language=case.complaint.language)},
        )
        _set_status(
            case, Status.RESOLUTION_PROPOSED, by=by, note="The Managing Director gave our final response."
        )
        escalation = case.escalation
        escalation.md_decision_at = timezone.now()
        if escalation.deadlocked_at is None:
            escalation.deadlocked_at = escalation.md_decision_at
            escalation.final_position = decision
        escalation.scope_reason = scope_reason or escalation.scope_reason
        satisfaction.invite_to_survey(complaint=case.complaint, trigger=satisfaction.Trigger.FINAL_RESPONSE)
    return case.escalation


@one_transaction
def record_ispa_referral(*, complaint: Complaint, by, referred_on: date) -> Escalation:
    """The customer told us they asked ISPA to look at it: for the record only; no clock pauses."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_ISPA_REFERRAL)
        refuse_future_date(referred_on, "referred_on")
        case.escalation.ispa_referred_on = referred_on
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.INTERNAL_NOTE,
            body=f"The customer asked ISPA to review the complaint on {referred_on:%-d %B %Y}.",
            by=by,
        )
    return case.escalation


# --- Outcomes ----------------------------------------------------------------------------------


@one_transaction
def mark_complex(
    *, complaint: Complaint, by, told_at: datetime, told_via: str, new_target: date
) -> Escalation:
    """A complex case: the customer has been told it needs longer, and by when we now aim to resolve it."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.MARK_COMPLEX)
        escalation = case.escalation
        if told_at > timezone.now():
            raise ValidationError({"told_at": "The customer cannot have been told in the future."})
        if told_at < case.complaint.first_received_at:
            raise ValidationError({"told_at": "The customer cannot have been told before they complained."})
        if new_target <= escalation.stage_one_due:
            raise ValidationError(
                {
                    "new_target": f"A complex case needs a later target than {escalation.stage_one_due:%-d %B %Y}."
                }
            )
        latest = clocks.latest_complex_case_target(timezone.localdate())
        if new_target > latest:
            raise ValidationError(
                {
                    "new_target": f"Aim within {clocks.COMPLEX_CASE_TARGET_WITHIN_MONTHS} months, by "
                    f"{latest:%-d %B %Y} at the latest; tell the customer again if it takes longer."
                }
            )
        escalation.complex_case_told_at = told_at
        escalation.complex_case_told_by = told_via
        escalation.stage_one_due = new_target
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.UPDATE,
            body=(
                "This is a complex complaint and needs longer to put right. "
                f"We now aim to resolve it by {new_target:%-d %B %Y}."
            ),
            by=by,
        )
        notify_with_ombudsman_paragraph(
            case, "complex_case", f"complex-{new_target:%Y-%m-%d}", new_target=written_date(new_target)
        )
    return case.escalation


@one_transaction
def propose_resolution(*, complaint: Complaint, by, resolution: str, scope_reason: str = "") -> Escalation:
    """Send the customer a proposed resolution at stage 1; it answers the 3-working-day clock."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.PROPOSE_RESOLUTION)
        complaint_services.reply_to_customer(complaint=case.complaint, by=by, body=resolution)
        _set_status(case, Status.RESOLUTION_PROPOSED, by=by, note="We proposed a resolution.")
        case.escalation.scope_reason = scope_reason or case.escalation.scope_reason
    return case.escalation


@one_transaction
def record_customer_acceptance(
    *, complaint: Complaint, by, root_cause: RootCause | None = None, outcome: str = "", note: str = ""
) -> Escalation:
    """The customer accepted what we proposed: the complaint is resolved, with its root cause and outcome."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_ACCEPTANCE)
        _conclude_if_given(case, by=by, root_cause=root_cause, outcome=outcome)
        _set_status(
            case,
            Status.RESOLVED,
            by=by,
            note=f"The customer accepted the proposed resolution. {note}".strip(),
        )
    return case.escalation


@one_transaction
def declare_deadlock(*, complaint: Complaint, by, final_position: str, scope_reason: str = "") -> Escalation:
    """Our final position is given and the customer is still dissatisfied: the ombudsman is open today."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.DECLARE_DEADLOCK)
        _give_final_position(case, by=by, final_position=final_position)
        case.escalation.scope_reason = scope_reason or case.escalation.scope_reason
    return case.escalation


@one_transaction
def close_with_final_position(
    *, complaint: Complaint, by, final_position: str, root_cause: RootCause | None = None, outcome: str = ""
) -> Escalation:
    """Close a complaint the customer has not accepted as resolved: our final position, told to them.

    Before the ombudsman, and unless one was given already, that is deadlock: the ADR letter is owed
    at once (see `note_status_change`, which every close goes through).
    """
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.CLOSE_WITH_FINAL_POSITION)
        _conclude_if_given(case, by=by, root_cause=root_cause, outcome=outcome)
        _set_status(case, Status.CLOSED, by=by, note=final_position)
    return case.escalation


# --- Helpers -----------------------------------------------------------------------------------


def _conclude_if_given(case: Case, *, by, root_cause: RootCause | None, outcome: str) -> None:
    """Record the root cause and outcome an ending action was given; one recorded earlier may stand."""
    if root_cause is not None or outcome:
        conclusions.conclude(case, by=by, root_cause=root_cause, outcome=outcome)


def _give_final_position(case: Case, *, by, final_position: str, already_told: bool = False) -> None:
    """Deadlock: our final position (kept for the ADR letter), and the customer told the ombudsman is open."""
    escalation = case.escalation
    escalation.deadlocked_at = timezone.now()
    escalation.final_position = final_position
    if escalation.stage == Stage.DIRECT_CONTACT and escalation.stage_one_answered_at is None:
        escalation.stage_one_answered_at = escalation.deadlocked_at  # a final position answers stage 1
    scheme = settings.ADR_SCHEME["name"]
    position = "" if already_told else f"Our final position: {final_position}\n\n"
    complaint_services.record_event(
        complaint=case.complaint,
        kind=TimelineEntry.Kind.UPDATE,
        body=(
            f"{position}You can now take your complaint to the {scheme}, which is free and independent. "
            "We will write to you with its details."
        ),
        by=by,
    )
    satisfaction.invite_to_survey(complaint=case.complaint, trigger=satisfaction.Trigger.FINAL_RESPONSE)


def _set_status(case: Case, status: str, *, by, note: str) -> None:
    if case.complaint.status != status:
        case.complaint = complaint_services.change_complaint_status(
            complaint=case.complaint, new_status=status, by=by, note=note
        )


def _adr_open_text(escalation: Escalation, *, language: str) -> str:
    """When the customer may go to the ombudsman, in the words (and language) of their notice."""
    open_from = clocks.ombudsman_open_from(escalation)
    with translation.override(language):
        if open_from <= timezone.localdate():
            return gettext("now")
        return gettext("from %(date)s, or straight away once we give you our final response") % {
            "date": dateformat.format(open_from, "j F Y")
        }


def _adr_open_now_text(*, language: str) -> str:
    with translation.override(language):
        return gettext("now, as this is our final response")


def notify_with_ombudsman_paragraph(case: Case, template_key: str, event_id: str, **extra) -> None:
    """A customer notice with the paragraph on the ombudsman. A callable value in `extra` (a date to
    write out) is called in the customer's language, so a staff member's English never leaks in."""
    language = case.complaint.language
    with translation.override(language):
        worked_out = {key: value() if callable(value) else value for key, value in extra.items()}
    notify_customer(
        complaint=case.complaint,
        template_key=template_key,
        event_id=event_id,
        extra={"adr_open_text": _adr_open_text(case.escalation, language=language), **worked_out},
    )


def written_date(day: date, format_string: str = "j F Y"):
    """A date as the notice will write it, worked out later in the customer's language."""
    return lambda: dateformat.format(day, format_string)


def refuse_future_date(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "This date cannot be in the future."})
