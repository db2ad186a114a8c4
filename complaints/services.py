"""Every write to a complaint, its timeline and its attachments."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints import workflow
from complaints.models import Attachment, Complaint, SupportNeeds, TimelineEntry
from complaints.notices import notify_customer, notify_team
from complaints.references import generate_reference
from complaints.signals import complaint_details_changed, complaint_filed, complaint_status_changed
from complaints.transactions import one_transaction
from complaints.uploads import display_name, sniff_content_type
from notifications.services import anonymise_messages

# Attempts at a fresh random reference before giving up; at 10**12 values a second is rare.
REFERENCE_ATTEMPTS = 5

ASSIGN_PERMISSION = "complaints.assign_complaint"
LEGAL_HOLD_PERMISSION = "complaints.set_legal_hold"
REVOKE_LINK_PERMISSION = "complaints.revoke_private_link"
SUPPORT_NEEDS_PERMISSIONS = ("complaints.view_support_needs_details", "complaints.change_supportneeds")


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
) -> Complaint:
    """Record a complaint, filed online or logged by staff, and queue its acknowledgement.

    Staff may give the true first-received time of a complaint that reached us earlier by
    phone, letter or chat; it may be in the past, never in the future, and who set it is kept.
    """
    now = timezone.now()
    if first_received_at is None:
        first_received_at = now
    _refuse_implausible_first_received(first_received_at, now)
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
        has_support_needs=bool(support_needs.strip()),
        first_received_at=first_received_at,
        logged_by=by,
        representative_name=representative_name,
        representative_relationship=representative_relationship,
        representative_authority=representative_authority,
    )
    _save_with_unique_reference(complaint)
    if complaint.has_support_needs:
        SupportNeeds.objects.create(complaint=complaint, details=support_needs.strip())
    entry = TimelineEntry.objects.create(complaint=complaint, kind=TimelineEntry.Kind.FILED, author=by)
    _attach_files(complaint=complaint, entry=entry, files=attachments)
    notify_customer(complaint=complaint, template_key="complaint_acknowledgement", event_id="filed")
    complaint_filed.send(sender=Complaint, complaint=complaint)
    return complaint


def _refuse_implausible_first_received(first_received_at: datetime, now: datetime) -> None:
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
    """A message (and files) from the customer on their complaint; the team hears of it."""
    entry = TimelineEntry.objects.create(
        complaint=complaint, kind=TimelineEntry.Kind.CUSTOMER_MESSAGE, body=body
    )
    _attach_files(complaint=complaint, entry=entry, files=attachments)
    notify_team(
        complaint=complaint,
        template_key="customer_message_received",
        event_id=f"message-{entry.pk}",
    )
    return entry


@one_transaction
def add_internal_note(*, complaint: Complaint, by, body: str) -> TimelineEntry:
    """A note for staff only; the customer never sees it."""
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
) -> TimelineEntry:
    """A reply shown on the customer's complaint page and sent to them; a first reply means work has started.

    `template_key` and `extra` let a formal reply (a written response, a final response) use its own notice.
    """
    entry = TimelineEntry.objects.create(
        complaint=complaint, kind=TimelineEntry.Kind.STAFF_REPLY, body=body, author=by
    )
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
    who = _name_of(assignee) if assignee else "nobody"
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


# Contact details staff may correct (and a customer may give again when they escalate); what the
# customer said and when stays as received.
CONTACT_FIELDS = (
    "customer_name",
    "customer_type",
    "email",
    "phone",
    "postal_address",
    "postcode",
    "account_number",
    "reply_preference",
    "representative_name",
    "representative_relationship",
    "representative_authority",
)


@one_transaction
def update_contact_details(*, complaint: Complaint, by=None, **details: str) -> Complaint:
    """Change how we reach the customer, noting on the timeline what changed, from what to what.

    A new (or cleared) e-mail address also replaces the private link (the old one may have been read
    by whoever had the old address): the new link goes to the new address (by post if there is
    none), and old links stop working.
    """
    unknown = set(details) - set(CONTACT_FIELDS)
    if unknown:
        raise ValueError(f"Not contact details: {', '.join(sorted(unknown))}")
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    changed = {field: value for field, value in details.items() if getattr(complaint, field) != value}
    if not changed:
        return complaint
    lines = [
        f"{_label(field)}: {_shown(complaint, field)} → {_shown(complaint, field, value)}"
        for field, value in changed.items()
    ]
    for field, value in changed.items():
        setattr(complaint, field, value)
    update_fields = [*changed, "updated_at"]
    if "email" in changed:  # changed or cleared: whoever had the old address may have the link
        complaint.tracking_key = secrets.token_urlsafe(16)
        update_fields.append("tracking_key")
        where = "the new e-mail address" if complaint.email else "the customer by post"
        lines.append(f"The private link was replaced; the new one went to {where}.")
    complaint.save(update_fields=update_fields)
    who = "by the customer" if by is None else "by staff"
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        body=f"Contact details changed {who}:\n" + "\n".join(lines),
        author=by,
    )
    if "tracking_key" in update_fields:
        _send_new_private_link(complaint)
    return complaint


@one_transaction
def change_category(*, complaint: Complaint, category: str, by) -> Complaint:
    """Re-categorise a complaint; whatever depends on its category (a clock) follows."""
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    if category not in Complaint.Category.values:
        raise ValidationError({"category": "Choose one of the categories."})
    if category == complaint.category:
        return complaint
    before = complaint.get_category_display()
    complaint.category = category
    complaint.save(update_fields=["category", "updated_at"])
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        body=f"Category: {before} → {complaint.get_category_display()}.",
        author=by,
    )
    complaint_details_changed.send(sender=Complaint, complaint=complaint, fields={"category"}, by=by)
    return complaint


@one_transaction
def set_legal_hold(*, complaint: Complaint, by, reason: str) -> Complaint:
    """Keep everything about a complaint (litigation, a regulator's enquiry): retention skips it."""
    return _change_legal_hold(complaint=complaint, by=by, hold=True, reason=reason)


@one_transaction
def lift_legal_hold(*, complaint: Complaint, by, reason: str) -> Complaint:
    """End a legal hold; retention may then, in its time, remove the personal data."""
    return _change_legal_hold(complaint=complaint, by=by, hold=False, reason=reason)


def _change_legal_hold(*, complaint: Complaint, by, hold: bool, reason: str) -> Complaint:
    if not by.has_perm(LEGAL_HOLD_PERMISSION):
        raise PermissionDenied("Only a Complaints manager can set or lift a legal hold.")
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"legal_hold_reason": "Give the reason for setting or lifting the legal hold."})
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    if complaint.legal_hold == hold:
        return complaint
    complaint.legal_hold, complaint.legal_hold_reason = hold, reason[:200]
    complaint.save(update_fields=["legal_hold", "legal_hold_reason", "updated_at"])
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        body=f"Legal hold {'set' if hold else 'lifted'}. Reason: {reason}",
        author=by,
    )
    return complaint


@one_transaction
def update_support_needs(*, complaint: Complaint, by, details: str) -> Complaint:
    """Record (or clear) what would help the customer: special-category data, for those allowed to see it.

    The timeline says that the needs changed, never what they are.
    """
    if not all(by.has_perm(permission) for permission in SUPPORT_NEEDS_PERMISSIONS):
        raise PermissionDenied("Only staff who may see support needs can change them.")
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    details = details.strip()
    current = SupportNeeds.objects.filter(complaint=complaint).first()
    if (current.details if current else "") == details:
        return complaint
    if details:
        SupportNeeds.objects.update_or_create(complaint=complaint, defaults={"details": details})
    else:
        SupportNeeds.objects.filter(complaint=complaint).delete()
    complaint.has_support_needs = bool(details)
    complaint.save(update_fields=["has_support_needs", "updated_at"])
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        body="Support needs recorded." if details else "Support needs removed.",
        author=by,
    )
    return complaint


@one_transaction
def revoke_private_link(*, complaint: Complaint, by) -> Complaint:
    """Stop every private link sent so far from working, and send the customer a new one."""
    if not by.has_perm(REVOKE_LINK_PERMISSION):
        raise PermissionDenied("You may not revoke private links.")
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    if complaint.anonymised_at is not None:
        raise ValidationError("This complaint's personal data has been removed; it has no private link.")
    complaint.tracking_key = secrets.token_urlsafe(16)
    complaint.save(update_fields=["tracking_key", "updated_at"])
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        body="Private link revoked: earlier links no longer work; a new one was sent to the customer.",
        author=by,
    )
    _send_new_private_link(complaint)
    return complaint


def _send_new_private_link(complaint: Complaint) -> None:
    notify_customer(
        complaint=complaint,
        template_key="private_link_renewed",
        event_id=f"link-{complaint.tracking_key[:12]}",
    )


def correct_first_received_at(
    *, complaint: Complaint, first_received_at: datetime, reason: str, by
) -> Complaint:
    """Move the first-received time earlier, when staff learn the complaint reached us sooner.

    Never later: that would shorten the customer's clocks, including the wait for the ombudsman.
    A later time is refused, and the refused attempt is itself recorded (outside the refused
    transaction, so the record survives the refusal).
    """
    try:
        return _move_first_received_earlier(
            complaint=complaint, first_received_at=first_received_at, reason=reason, by=by
        )
    except ValidationError as refusal:
        record_event(
            complaint=complaint,
            kind=TimelineEntry.Kind.RECORD_CORRECTED,
            body=(
                f"Refused: an attempt to move the first-received time to {_when(first_received_at)}. "
                f"{' '.join(refusal.messages)} Reason given: {reason}"
            ),
            by=by,
        )
        raise


@transaction.atomic  # its own savepoint: the refusal above is recorded after this rolls back
def _move_first_received_earlier(
    *, complaint: Complaint, first_received_at: datetime, reason: str, by
) -> Complaint:
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    previous = complaint.first_received_at
    _refuse_implausible_first_received(first_received_at, timezone.now())
    if first_received_at > previous:
        raise ValidationError(
            {"first_received_at": f"The first-received time can only move earlier; it is {_when(previous)}."}
        )
    complaint.first_received_at = first_received_at
    complaint.save(update_fields=["first_received_at", "updated_at"])
    TimelineEntry.objects.create(
        complaint=complaint,
        kind=TimelineEntry.Kind.RECORD_CORRECTED,
        body=f"First received moved from {_when(previous)} to {_when(first_received_at)}. Reason: {reason}",
        author=by,
    )
    complaint_details_changed.send(sender=Complaint, complaint=complaint, fields={"first_received_at"}, by=by)
    return complaint


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
        body=note or f"Status changed to “{complaint.get_status_display()}”.",
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


def _name_of(user) -> str:
    return user.get_full_name() or user.get_username()


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}"


def _label(field: str) -> str:
    return str(Complaint._meta.get_field(field).verbose_name).capitalize()


def _shown(complaint: Complaint, field: str, value=None) -> str:
    """A field's value as staff read it (choices by their label), on one line; "(none)" when empty."""
    value = getattr(complaint, field) if value is None else value
    choices = dict(Complaint._meta.get_field(field).flatchoices)
    shown = str(choices.get(value, value))
    return " ".join(shown.split()) or "(none)"


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
    anonymise_messages(reference=complaint.reference)
    complaint.customer_name = "Former customer"
    complaint.email = complaint.phone = complaint.account_number = ""
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
