"""Every write to a complaint's stage, its clocks and its ombudsman case.

Each service locks the complaint, then its escalation row (always in that order, as
`change_complaint_status` does), checks the rules, writes the audit and timeline rows, and
recomputes the stored clocks in the same transaction.
"""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from complaints.notices import notify_customer
from complaints.workflow import OPEN_STATUSES
from escalation import clocks
from escalation.models import Escalation, OmbudsmanCase, StageChange
from escalation.stages import Stage, stage_change_problem
from escalation.working_days import london_date, working_calendar

Status = Complaint.Status


# --- Clocks ------------------------------------------------------------------------------------


@transaction.atomic
def start_clocks(*, complaint: Complaint) -> Escalation:
    """Start a new complaint at stage 1 with its clocks; its acknowledgement went out as it was filed."""
    escalation = Escalation(
        complaint=complaint,
        stage=Stage.DIRECT_CONTACT,
        stage_changed_at=complaint.first_received_at,
        acknowledged_at=timezone.now(),
    )
    _compute_clocks(escalation, complaint=complaint)
    escalation.save(force_insert=True)
    return escalation


@transaction.atomic
def refresh_clocks(*, complaint: Complaint) -> Escalation:
    """Recompute every due date of a complaint from its inputs (after a calendar or record change)."""
    complaint, escalation = lock_for_update(complaint)
    _compute_clocks(escalation, complaint=complaint)
    escalation.save()
    return escalation


@transaction.atomic
def note_status_change(*, complaint: Complaint, new_status: str) -> Escalation:
    """A status changed: a proposal or a resolution at stage 1 answers the stage-1 clock.

    Also keeps when the complaint was resolved (for the reports), cleared if it is reopened.
    """
    complaint, escalation = lock_for_update(complaint)
    now = timezone.now()
    if (
        escalation.stage == Stage.DIRECT_CONTACT
        and escalation.stage_one_answered_at is None
        and new_status in (Status.RESOLUTION_PROPOSED, Status.RESOLVED, Status.CLOSED)
    ):
        escalation.stage_one_answered_at = now
    if new_status in (Status.RESOLVED, Status.CLOSED):
        escalation.resolved_at = escalation.resolved_at or now
    else:
        escalation.resolved_at = None
    return save_clocks(escalation, complaint=complaint)


def correct_first_received(
    *, complaint: Complaint, first_received_at: datetime, changed_by, reason: str
) -> Escalation:
    """Move the first-received time earlier and recompute every clock that runs from it.

    A later time is refused, and the refused attempt is itself recorded (outside the refused
    transaction, so the record survives the refusal).
    """
    try:
        with transaction.atomic():
            complaint = complaint_services.correct_first_received_at(
                complaint=complaint,
                first_received_at=first_received_at,
                changed_by=changed_by,
                reason=reason,
            )
            return refresh_clocks(complaint=complaint)
    except ValidationError:
        complaint_services.record_event(
            complaint=complaint,
            kind=TimelineEntry.Kind.RECORD_CORRECTED,
            body=(
                "Refused: an attempt to move the first-received time later, to "
                f"{timezone.localtime(first_received_at):%-d %B %Y, %H:%M}. Reason given: {reason}"
            ),
            author=changed_by,
        )
        raise


# --- Stages ------------------------------------------------------------------------------------


@transaction.atomic
def advance_stage(*, complaint: Complaint, to_stage: int, changed_by, reason: str) -> Escalation:
    """The one writer of a stage: checks the transition table and records who, when and why."""
    complaint, escalation = lock_for_update(complaint)
    problem = stage_change_problem(
        escalation.stage,
        to_stage,
        complaint_closed=complaint.status == Status.CLOSED,
        manager_has_responded=escalation.stage_two_response_sent_at is not None,
        ombudsman_open=timezone.localdate() >= clocks.ombudsman_open_from(escalation),
    )
    if problem:
        raise ValidationError(problem)
    StageChange.objects.create(
        complaint=complaint,
        from_stage=escalation.stage,
        to_stage=to_stage,
        changed_by=changed_by,
        reason=reason,
    )
    escalation.stage = to_stage
    escalation.stage_changed_at = timezone.now()
    complaint_services.record_event(
        complaint=complaint,
        kind=TimelineEntry.Kind.STAGE_CHANGED,
        body=f"Moved to {Stage(to_stage).label}. {reason}".strip(),
        author=changed_by,
    )
    return save_clocks(escalation, complaint=complaint)


@transaction.atomic
def refer_to_complaints_manager(
    *,
    complaint: Complaint,
    channel: str,
    reply_preference: str,
    received_on: date | None = None,
    recorded_by=None,
    contact_details: dict | None = None,
    reason: str = "",
) -> Escalation:
    """Refer a complaint to the Complaints Manager: from the portal now, or by a letter that arrived on `received_on`.

    Starts the 10-working-day clock for the written response from the day the referral arrived.
    """
    complaint, _ = lock_for_update(complaint)
    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise ValidationError({"received_on": "The date the letter arrived cannot be in the future."})
    if received_on < london_date(complaint.first_received_at):
        raise ValidationError({"received_on": "The letter cannot have arrived before the complaint itself."})
    who = "The customer asked online" if recorded_by is None else "Referral letter received"
    advance_stage(
        complaint=complaint,
        to_stage=Stage.COMPLAINTS_MANAGER,
        changed_by=recorded_by,
        reason=f"{who}: not satisfied with the proposed resolution. {reason}".strip(),
    )
    complaint_services.update_contact_details(
        complaint=complaint,
        changed_by=recorded_by,
        reply_preference=reply_preference,
        **(contact_details or {}),
    )
    if complaint.status in (Status.RECEIVED, Status.RESOLUTION_PROPOSED, Status.RESOLVED):
        complaint_services.change_complaint_status(
            complaint=complaint,
            new_status=Status.IN_PROGRESS,
            changed_by=recorded_by,
            note="Referred to the Complaints Manager.",
        )
    complaint, escalation = lock_for_update(complaint)
    escalation.referral_received_on = received_on
    escalation.referral_channel = channel
    escalation.referral_reply_preference = reply_preference
    save_clocks(escalation, complaint=complaint)
    notify_with_ombudsman_paragraph(
        complaint,
        escalation,
        "referral_received",
        f"referral-{received_on:%Y-%m-%d}",
        referral_received_on=f"{received_on:%-d %B %Y}",
        response_due=f"{escalation.stage_two_response_due:%A %-d %B %Y}",
    )
    return escalation


@transaction.atomic
def record_stage_two_response(*, complaint: Complaint, sent_by, response: str, document) -> Escalation:
    """The Complaints Manager's written response, sent with its document; always a document, even by phone."""
    complaint, escalation = lock_for_update(complaint)
    if escalation.stage != Stage.COMPLAINTS_MANAGER or escalation.stage_two_response_sent_at:
        raise ValidationError("No referral to the Complaints Manager is waiting for a written response.")
    if not document:
        raise ValidationError({"document": "Attach the written response; stage 2 is answered in writing."})
    entry = complaint_services.reply_to_customer(
        complaint=complaint,
        author=sent_by,
        body=response,
        attachments=[document],
        template_key="written_response_sent",
        extra={"adr_open_text": _adr_open_text(escalation)},
    )
    _propose(complaint, changed_by=sent_by, note="The Complaints Manager sent a written response.")
    complaint, escalation = lock_for_update(complaint)
    escalation.stage_two_response_sent_at = timezone.now()
    escalation.stage_two_response_document = entry.attachments.get()
    return save_clocks(escalation, complaint=complaint)


@transaction.atomic
def request_md_review(*, complaint: Complaint, requested_by=None, reason: str = "") -> Escalation:
    """Ask for the Managing Director's review, after the Complaints Manager's response."""
    complaint, _ = lock_for_update(complaint)
    who = "The customer asked online" if requested_by is None else "Review requested"
    advance_stage(
        complaint=complaint,
        to_stage=Stage.MANAGING_DIRECTOR,
        changed_by=requested_by,
        reason=f"{who} for a Managing Director review. {reason}".strip(),
    )
    if complaint.status != Status.IN_PROGRESS:
        complaint_services.change_complaint_status(
            complaint=complaint,
            new_status=Status.IN_PROGRESS,
            changed_by=requested_by,
            note="Passed to the Managing Director for review.",
        )
    complaint, escalation = lock_for_update(complaint)
    escalation.md_review_requested_at = timezone.now()
    save_clocks(escalation, complaint=complaint)
    notify_with_ombudsman_paragraph(complaint, escalation, "md_review_requested", "md-review")
    return escalation


@transaction.atomic
def record_md_decision(
    *, complaint: Complaint, decided_by, decision: str, document=None, scope_reason: str = ""
) -> Escalation:
    """The Managing Director's decision: our final position, so the ADR letter is owed from today."""
    complaint, escalation = lock_for_update(complaint)
    if escalation.stage != Stage.MANAGING_DIRECTOR or escalation.md_decision_at:
        raise ValidationError("No Managing Director review is waiting for a decision.")
    complaint_services.reply_to_customer(
        complaint=complaint,
        author=decided_by,
        body=decision,
        attachments=[document] if document else [],
        template_key="md_decision",
        extra={"adr_open_text": "now, as this is our final response"},
    )
    _propose(complaint, changed_by=decided_by, note="The Managing Director gave our final response.")
    complaint, escalation = lock_for_update(complaint)
    escalation.md_decision_at = timezone.now()
    escalation.deadlocked_at = escalation.deadlocked_at or escalation.md_decision_at
    escalation.scope_reason = scope_reason or escalation.scope_reason
    return save_clocks(escalation, complaint=complaint)


@transaction.atomic
def record_ispa_referral(*, complaint: Complaint, referred_on: date, recorded_by) -> Escalation:
    """The customer told us they asked ISPA to look at it: for the record only; no clock pauses."""
    complaint, escalation = lock_for_update(complaint)
    refuse_future_date(referred_on, "referred_on")
    escalation.ispa_referred_on = referred_on
    complaint_services.record_event(
        complaint=complaint,
        kind=TimelineEntry.Kind.INTERNAL_NOTE,
        body=f"The customer asked ISPA to review the complaint on {referred_on:%-d %B %Y}.",
        author=recorded_by,
    )
    return save_clocks(escalation, complaint=complaint)


# --- Outcomes ----------------------------------------------------------------------------------


@transaction.atomic
def mark_complex(
    *, complaint: Complaint, marked_by, told_at: datetime, told_by: str, new_target: date
) -> Escalation:
    """A complex case: the customer has been told it needs longer, and by when we now aim to resolve it."""
    complaint, escalation = lock_for_update(complaint)
    if escalation.stage != Stage.DIRECT_CONTACT or escalation.stage_one_answered_at:
        raise ValidationError("Only a complaint still being worked on at stage 1 can be marked complex.")
    if told_at > timezone.now():
        raise ValidationError({"told_at": "The customer cannot have been told in the future."})
    if told_at < complaint.first_received_at:
        raise ValidationError({"told_at": "The customer cannot have been told before they complained."})
    if new_target <= escalation.stage_one_due:
        raise ValidationError(
            {"new_target": f"A complex case needs a later target than {escalation.stage_one_due:%-d %B %Y}."}
        )
    escalation.complex_case_told_at = told_at
    escalation.complex_case_told_by = told_by
    escalation.stage_one_due = new_target
    complaint_services.record_event(
        complaint=complaint,
        kind=TimelineEntry.Kind.UPDATE,
        body=(
            "This is a complex complaint and needs longer to put right. "
            f"We now aim to resolve it by {new_target:%-d %B %Y}."
        ),
        author=marked_by,
    )
    save_clocks(escalation, complaint=complaint)
    notify_with_ombudsman_paragraph(
        complaint,
        escalation,
        "complex_case",
        f"complex-{new_target:%Y-%m-%d}",
        new_target=f"{new_target:%-d %B %Y}",
    )
    return escalation


@transaction.atomic
def propose_resolution(
    *, complaint: Complaint, proposed_by, resolution: str, scope_reason: str = ""
) -> Escalation:
    """Send the customer a proposed resolution; at stage 1 it answers the 3-working-day clock."""
    complaint, escalation = lock_for_update(complaint)
    if complaint.status not in OPEN_STATUSES:
        raise ValidationError("This complaint is already resolved or closed.")
    if escalation.stage == Stage.COMPLAINTS_MANAGER and not escalation.stage_two_response_sent_at:
        raise ValidationError(
            "At stage 2 the proposal is the Complaints Manager's written response: record it with its document."
        )
    complaint_services.reply_to_customer(complaint=complaint, author=proposed_by, body=resolution)
    _propose(complaint, changed_by=proposed_by, note="We proposed a resolution.")
    complaint, escalation = lock_for_update(complaint)
    escalation.scope_reason = scope_reason or escalation.scope_reason
    return save_clocks(escalation, complaint=complaint)


@transaction.atomic
def record_customer_acceptance(*, complaint: Complaint, recorded_by, note: str = "") -> Escalation:
    """The customer accepted what we proposed: the complaint is resolved."""
    complaint, _ = lock_for_update(complaint)
    if complaint.status != Status.RESOLUTION_PROPOSED:
        raise ValidationError("There is no proposed resolution for the customer to accept.")
    complaint_services.change_complaint_status(
        complaint=complaint,
        new_status=Status.RESOLVED,
        changed_by=recorded_by,
        note=f"The customer accepted the proposed resolution. {note}".strip(),
    )
    complaint, escalation = lock_for_update(complaint)
    return save_clocks(escalation, complaint=complaint)


@transaction.atomic
def declare_deadlock(
    *, complaint: Complaint, declared_by, final_position: str, scope_reason: str = ""
) -> Escalation:
    """Our final position is given and the customer is still dissatisfied: the ombudsman is open today."""
    complaint, escalation = lock_for_update(complaint)
    if escalation.deadlocked_at:
        raise ValidationError("Deadlock has already been declared on this complaint.")
    escalation.deadlocked_at = timezone.now()
    if escalation.stage == Stage.DIRECT_CONTACT and escalation.stage_one_answered_at is None:
        escalation.stage_one_answered_at = escalation.deadlocked_at  # a final position answers stage 1
    escalation.scope_reason = scope_reason or escalation.scope_reason
    scheme = settings.ADR_SCHEME["name"]
    complaint_services.record_event(
        complaint=complaint,
        kind=TimelineEntry.Kind.UPDATE,
        body=(
            f"Our final position: {final_position}\n\nYou can now take your complaint to the {scheme}, "
            "which is free and independent. We will write to you with its details."
        ),
        author=declared_by,
    )
    return save_clocks(escalation, complaint=complaint)


@transaction.atomic
def record_adr_letter_sent(*, complaint: Complaint, sent_at: datetime, channel: str) -> Escalation:
    """The ADR letter went out: the customer then has 12 months to go to the ombudsman."""
    complaint, escalation = lock_for_update(complaint)
    escalation.adr_letter_sent_at = sent_at
    escalation.adr_letter_channel = channel
    return save_clocks(escalation, complaint=complaint)


# --- Helpers -----------------------------------------------------------------------------------


def lock_for_update(complaint: Complaint) -> tuple[Complaint, Escalation]:
    complaint = Complaint.objects.select_for_update().get(pk=complaint.pk)
    escalation = Escalation.objects.select_for_update().filter(pk=complaint.pk).first()
    if escalation is None:  # a row written without the filing service (an import, a fixture): start it now
        escalation = start_clocks(complaint=complaint)
    return complaint, escalation


def _propose(complaint: Complaint, *, changed_by, note: str) -> None:
    complaint.refresh_from_db(fields=["status"])
    if complaint.status != Status.RESOLUTION_PROPOSED:
        complaint_services.change_complaint_status(
            complaint=complaint, new_status=Status.RESOLUTION_PROPOSED, changed_by=changed_by, note=note
        )


def _adr_open_text(escalation: Escalation) -> str:
    open_from = clocks.ombudsman_open_from(escalation)
    if open_from <= timezone.localdate():
        return "now"
    return f"from {open_from:%-d %B %Y}, or straight away once we give you our final response"


def notify_with_ombudsman_paragraph(
    complaint: Complaint, escalation: Escalation, template_key: str, event_id: str, **extra
) -> None:
    notify_customer(
        complaint=complaint,
        template_key=template_key,
        event_id=event_id,
        extra={"adr_open_text": _adr_open_text(escalation), **extra},
    )


def refuse_future_date(day: date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError({field: "This date cannot be in the future."})


def _compute_clocks(escalation: Escalation, *, complaint: Complaint, ombudsman_case=None) -> None:
    calendar = working_calendar()
    escalation.acknowledgement_due = clocks.acknowledgement_due(
        complaint.first_received_at, calendar, category=complaint.category
    )
    if escalation.complex_case_told_at is None:
        escalation.stage_one_due = clocks.stage_one_due(complaint.first_received_at, calendar)
    if escalation.referral_received_on is not None:
        escalation.stage_two_response_due = clocks.stage_two_response_due(
            escalation.referral_received_on, calendar
        )
    escalation.adr_eligible_on = clocks.adr_eligible_on(complaint.first_received_at)
    if escalation.adr_letter_sent_at is not None:
        escalation.adr_window_ends = clocks.adr_window_ends(escalation.adr_letter_sent_at)
    if ombudsman_case is None and escalation.stage == Stage.OMBUDSMAN:
        ombudsman_case = OmbudsmanCase.objects.filter(pk=complaint.pk).first()
    set_next_deadline(escalation, unresolved=complaint.status in OPEN_STATUSES, ombudsman_case=ombudsman_case)


def set_next_deadline(escalation: Escalation, *, unresolved: bool, ombudsman_case=None) -> None:
    """Store the earliest clock still running, for lists and the sweep to sort and filter on."""
    deadline = clocks.next_deadline(escalation, unresolved=unresolved, ombudsman_case=ombudsman_case)
    escalation.next_deadline = deadline.due if deadline else None
    escalation.next_deadline_kind = deadline.kind if deadline else ""


def save_clocks(escalation: Escalation, *, complaint: Complaint, ombudsman_case=None) -> Escalation:
    _compute_clocks(escalation, complaint=complaint, ombudsman_case=ombudsman_case)
    escalation.save()
    return escalation
