"""Every write to a complaint, its timeline and its attachments."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from complaints import needs_register, reply_templates, workflow
from complaints.models import Attachment, Complaint, InboundEmail, ReplyTemplate, SupportNeeds, TimelineEntry
from complaints.notices import notify_customer, notify_team
from complaints.references import generate_reference
from complaints.signals import complaint_filed, complaint_status_changed, customer_message_received
from complaints.transactions import one_transaction
from complaints.uploads import display_name, sniff_content_type
from notifications.services import anonymise_messages

# Attempts at a fresh random reference before giving up; at 10**12 values a second is rare.
REFERENCE_ATTEMPTS = 5

ASSIGN_PERMISSION = "complaints.assign_complaint"


# The code of the refusal to write on a merged or anonymised complaint.
ENDED_RECORD = "ended_record"


@one_transaction
def file_complaint(
    *,
    customer_name: str,
    postal_address: str,
    postcode: str,
    category: str,
    description: str,
    reply_preference: str,
    email: str = "",
    phone: str = "",
    account_number: str = "",
    customer_type: str = Complaint.CustomerType.RESIDENTIAL,
    support_needs: str = "",
    attachments=(),
    channel: str = Complaint.Channel.PORTAL,
    first_received_at: datetime | None = None,
    by=None,
    representative_name: str = "",
    representative_relationship: str = "",
    representative_authority: str = "",
    representative_email: str = "",
    adjustments: list[str] | tuple[str, ...] = (),
    call_times: str = "",
    needs: list[str] | tuple[str, ...] = (),
    needs_consent: bool = False,
    language: str = settings.LANGUAGE_CODE,
) -> Complaint:
    """Record a complaint, filed online or logged by staff, and queue its acknowledgement.

    Staff may give the true first-received time of a complaint that reached us earlier by
    phone, letter or chat; it may be in the past, never in the future, and who set it is kept.
    Needs (and "anything else", `support_needs`) are recorded only with the customer's consent,
    given today, and are due for review 12 months on.
    """
    now = timezone.now()
    needs, support_needs = needs_register.clean_needs(needs), support_needs.strip()
    consent_given_on = timezone.localdate(now) if needs_consent else None
    needs_register.require_consent(needs=needs, details=support_needs, consent_given_on=consent_given_on)
    if first_received_at is None:
        first_received_at = now
    refuse_implausible_first_received(first_received_at, now)
    complaint = Complaint(
        tracking_key=secrets.token_urlsafe(16),
        channel=channel,
        category=category,
        customer_type=customer_type,
        customer_name=customer_name,
        email=email,
        phone=phone,
        postal_address=postal_address,
        postcode=postcode,
        account_number=account_number,
        reply_preference=reply_preference,
        description=description,
        first_received_at=first_received_at,
        logged_by=by,
        representative_name=representative_name,
        representative_relationship=representative_relationship,
        representative_authority=representative_authority,
        representative_email=representative_email,
        adjustments=list(adjustments),
        call_times=call_times,
        # The customer's language (the filing page's): every message and letter to them uses it.
        language=language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE,
    )
    record, flags = None, {}
    if needs or support_needs:
        record, flags = needs_register.record_values(
            needs=needs, details=support_needs, consent_given_on=consent_given_on, review_due_on=None
        )
        for field, value in flags.items():
            setattr(complaint, field, value)
    _save_with_unique_reference(complaint)
    if record:
        SupportNeeds.objects.create(complaint=complaint, **record)
    entry = TimelineEntry.objects.create(complaint=complaint, kind=TimelineEntry.Kind.FILED, author=by)
    _attach_files(complaint=complaint, entry=entry, files=attachments)
    notify_customer(complaint=complaint, template_key="complaint_acknowledgement", event_id="filed")
    complaint_filed.send(sender=Complaint, complaint=complaint)
    return complaint


def english_label(label) -> str:
    """A choice's label as the record keeps it: in English, whichever language the page that caused
    the change was in (a Welsh customer's referral, say)."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(label)


def refuse_implausible_first_received(first_received_at: datetime, now: datetime) -> None:
    """Never in the future; never before the retention period (a typing slip, not a complaint)."""
    if first_received_at > now:
        raise ValidationError({"first_received_at": "The first-received time cannot be in the future."})
    earliest = now - timedelta(days=settings.COMPLAINT_RETENTION_DAYS)
    if first_received_at < earliest:
        raise ValidationError(
            {
                "first_received_at": f"The first-received time cannot be before {timezone.localtime(earliest):%-d %B %Y}."
            }
        )


def _save_with_unique_reference(complaint: Complaint) -> None:
    for attempt in range(1, REFERENCE_ATTEMPTS + 1):
        complaint.reference = generate_reference()
        try:
            with transaction.atomic():  # a savepoint: a collision must not spoil the outer transaction
                complaint.save(force_insert=True)
            return
        except IntegrityError:
            if (
                attempt == REFERENCE_ATTEMPTS
                or not Complaint.objects.filter(reference=complaint.reference).exists()
            ):
                raise  # not a reference collision, or an implausible run of them
            complaint.pk = None


@one_transaction
def add_customer_message(*, complaint: Complaint, body: str, attachments=()) -> TimelineEntry:
    """A message (and files) from the customer on their complaint; the team hears of it, and the
    complaint shows "customer replied" until someone answers."""
    entry = TimelineEntry.objects.create(
        complaint=complaint, kind=TimelineEntry.Kind.CUSTOMER_MESSAGE, body=body
    )
    complaint.customer_replied_at = entry.created_at
    Complaint.objects.filter(pk=complaint.pk).update(
        customer_replied_at=entry.created_at, updated_at=timezone.now()
    )
    _attach_files(complaint=complaint, entry=entry, files=attachments)
    notify_team(
        complaint=complaint,
        template_key="customer_message_received",
        event_id=f"message-{entry.pk}",
    )
    customer_message_received.send(sender=Complaint, complaint=complaint, entry=entry)
    return entry


@one_transaction
def refuse_entries_on_an_ended_record(complaint: Complaint) -> None:
    """Nothing more is written on a merged complaint (its primary carries the case on) or an
    anonymised one (retention removed what it said, and passes it by from then on)."""
    if complaint.merged_into_id is not None:
        raise ValidationError(
            f"This complaint was merged into {complaint.merged_into.reference}: add to that one.",
            code=ENDED_RECORD,
        )
    if complaint.anonymised_at is not None:
        raise ValidationError(
            "This complaint was anonymised under the retention policy: nothing more is added to it.",
            code=ENDED_RECORD,
        )


def add_internal_note(*, complaint: Complaint, by, body: str) -> TimelineEntry:
    """A note for staff only; the customer never sees it."""
    refuse_entries_on_an_ended_record(complaint)
    return TimelineEntry.objects.create(
        complaint=complaint, kind=TimelineEntry.Kind.INTERNAL_NOTE, body=body, author=by
    )


@one_transaction
def reply_to_customer(
    *,
    complaint: Complaint,
    by,
    body: str,
    attachments=(),
    template_key: str = "staff_reply",
    extra: dict | None = None,
    started_from: ReplyTemplate | None = None,
) -> TimelineEntry:
    """A reply shown on the customer's complaint page and sent to them; a first reply means work has started.

    `template_key` and `extra` let a formal reply (a written response, a final response) use its own notice.
    `started_from`, the reply template staff began with, is counted as used with the reply.
    """
    if started_from is not None:
        reply_templates.count_use(started_from)
    entry = TimelineEntry.objects.create(
        complaint=complaint, kind=TimelineEntry.Kind.STAFF_REPLY, body=body, author=by
    )
    if complaint.customer_replied_at is not None:
        complaint.customer_replied_at = None
        Complaint.objects.filter(pk=complaint.pk).update(customer_replied_at=None)
    _attach_files(complaint=complaint, entry=entry, files=attachments)
    notify_customer(
        complaint=complaint,
        template_key=template_key,
        event_id=f"reply-{entry.pk}",
        extra={"reply": body, **(extra or {})},
    )
    if complaint.status == Complaint.Status.RECEIVED:
        change_complaint_status(complaint=complaint, new_status=Complaint.Status.IN_PROGRESS, by=by)
    return entry


@one_transaction
def log_contact(*, complaint: Complaint, by, kind: str, body: str) -> TimelineEntry:
    """A phone call with the customer, or a letter from them, noted on the timeline they also see."""
    if kind not in (TimelineEntry.Kind.CALL_LOGGED, TimelineEntry.Kind.LETTER_RECEIVED):
        raise ValidationError("Only a phone call or a letter is logged this way.")
    refuse_entries_on_an_ended_record(complaint)
    return TimelineEntry.objects.create(complaint=complaint, kind=kind, body=body, author=by)


def may_assign(user, assignee) -> bool:
    """Anyone who works complaints may take one; giving it to someone else (or to nobody) is a manager's call."""
    return (assignee is not None and assignee == user) or user.has_perm(ASSIGN_PERMISSION)


@one_transaction
def assign_complaints(*, complaint_ids: list[int], assignee, by) -> int:
    """Give complaints to one member of staff (or to nobody), noting who did it; returns how many changed."""
    if not may_assign(by, assignee):
        raise PermissionDenied("Only a Complaints manager can give a complaint to someone else or to nobody.")
    changing = list(
        Complaint.objects.for_update(of=("self",))
        .filter(pk__in=complaint_ids)
        .exclude(assigned_to=assignee)
        .values_list("pk", "assigned_to__first_name", "assigned_to__last_name", "assigned_to__username")
    )
    if not changing:
        return 0
    Complaint.objects.filter(pk__in=[pk for pk, *_ in changing]).update(
        assigned_to=assignee, updated_at=timezone.now()
    )
    who = name_of(assignee) if assignee else "nobody"
    TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(
                complaint_id=pk,
                kind=TimelineEntry.Kind.ASSIGNED,
                body=f"Assigned to {who} (was {' '.join(filter(None, names[:2])) or names[2] or 'nobody'}).",
                author=by,
            )
            for pk, *names in changing
        ]
    )
    return len(changing)


@one_transaction
def record_event(*, complaint: Complaint, kind: str, body: str, by=None) -> TimelineEntry:
    """A timeline entry for something another part of the portal did (an escalation, a deadline)."""
    return TimelineEntry.objects.create(complaint=complaint, kind=kind, body=body, author=by)


def record_events(*, kind: str, bodies: dict[int, str], by=None) -> list[TimelineEntry]:
    """The same kind of entry on many complaints at once (complaint id → text), in one insert."""
    return TimelineEntry.objects.bulk_create(
        [
            TimelineEntry(complaint_id=complaint_id, kind=kind, body=body, author=by)
            for complaint_id, body in bodies.items()
        ]
    )


# Statuses from which closing is not our final position: the customer already has what they accepted.
CLOSING_WITHOUT_A_FINAL_POSITION = (Complaint.Status.RESOLVED,)


@one_transaction
def change_complaint_status(*, complaint: Complaint, new_status: str, by, note: str = "") -> Complaint:
    """The one writer of a complaint's status: checks the workflow and records the change.

    Closing a complaint the customer has not accepted as resolved is our final position, so it
    needs one (`note`), which the customer is told.
    """
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    old_status = complaint.status
    if not workflow.can_change_status(old_status, new_status):
        raise ValidationError(
            f"A complaint that is “{complaint.get_status_display()}” cannot become "
            f"“{Complaint.Status(new_status).label}”."
        )
    if (
        new_status == Complaint.Status.CLOSED
        and old_status not in CLOSING_WITHOUT_A_FINAL_POSITION
        and not note.strip()
    ):
        raise ValidationError(
            {
                "note": "This complaint is not resolved: closing it is our final position. Write it for the customer."
            }
        )
    complaint.status = new_status
    complaint.save(update_fields=["status", "updated_at"])
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.STATUS_CHANGED,
        body=note or f"Status changed to “{english_label(Complaint.Status(new_status).label)}”.",
        author=by,
    )
    complaint_status_changed.send(
        sender=Complaint,
        complaint=complaint,
        old_status=old_status,
        new_status=new_status,
        by=by,
        note=note,
    )
    return complaint


def name_of(user) -> str:
    """How a member of staff is named on the record."""
    return user.get_full_name() or user.get_username()


REMOVED = "[removed under the retention policy]"


@one_transaction
def anonymise_complaint(*, complaint: Complaint, reason: str) -> Complaint:
    """Remove the personal data of a complaint, keeping its record: dates, stages, kinds of event.

    The customer's details, what they and we wrote, their files, their support needs and the
    messages sent to them are wiped; the timeline keeps each event's kind, date and author, and
    gains an entry saying what was removed and why.
    """
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    if complaint.anonymised_at is not None:
        return complaint
    if complaint.legal_hold:
        raise ValidationError("This complaint is under a legal hold and keeps its data.")
    for attachment in Attachment.objects.filter(complaint=complaint):
        attachment.file.delete(save=False)
    Attachment.objects.filter(complaint=complaint).delete()
    SupportNeeds.objects.filter(complaint=complaint).delete()
    complaint.timeline.exclude(body="").update(body=REMOVED)
    # The e-mails as received: the digest that stops a second delivery stays, the message goes.
    InboundEmail.objects.filter(complaint=complaint).update(
        raw=b"", message_id="", sender="", sender_name="", subject=""
    )
    anonymise_messages(reference=complaint.reference)
    complaint.customer_name = "Former customer"
    complaint.email = complaint.phone = complaint.account_number = ""
    complaint.representative_name = complaint.representative_relationship = ""
    complaint.representative_email = ""
    complaint.adjustments = []
    complaint.call_times = ""
    complaint.relies_on_landline_for_safety = False
    complaint.postal_address = REMOVED
    complaint.postcode = complaint.postcode.split(" ")[0]  # the district, for statistics
    complaint.description = REMOVED
    complaint.has_support_needs = False
    complaint.tracking_key = secrets.token_urlsafe(16)  # every private link stops working
    complaint.anonymised_at = timezone.now()
    complaint.save()
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.RECORD_CORRECTED,
        body=f"Personal data removed: {reason}",
    )
    return complaint


def _attach_files(*, complaint: Complaint, entry: TimelineEntry, files) -> list[Attachment]:
    attachments = []
    for uploaded_file in files:
        content_type = sniff_content_type(uploaded_file)
        if content_type is None:  # forms check this first; this is the last line of defence
            raise ValidationError(f"“{display_name(uploaded_file.name)}” is not an accepted file type.")
        attachments.append(
            Attachment.objects.create(
                complaint=complaint,
                timeline_entry=entry,
                file=uploaded_file,
                original_name=display_name(uploaded_file.name),
                content_type=content_type,
                size=uploaded_file.size,
            )
        )
    return attachments
