"""Changes to what is recorded about a complaint: how we reach the customer, its category, a legal
hold, support needs, the private link and the first-received time. Each is a service with its
internal timeline entry (who, what, before → after); a change others must react to (a clock input)
is announced with `complaint_details_changed`.
"""

import secrets
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation

from complaints import needs_register
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from complaints.notices import notify_customer
from complaints.services import record_event, refuse_implausible_first_received
from complaints.signals import complaint_details_changed
from complaints.transactions import one_transaction

LEGAL_HOLD_PERMISSION = "complaints.set_legal_hold"
REVOKE_LINK_PERMISSION = "complaints.revoke_private_link"
SUPPORT_NEEDS_DETAILS_PERMISSION = "complaints.view_support_needs_details"
SUPPORT_NEEDS_PERMISSIONS = (SUPPORT_NEEDS_DETAILS_PERMISSION, "complaints.change_supportneeds")


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
    "adjustments",
    "call_times",
    "language",
    "no_surveys",
    "representative_name",
    "representative_relationship",
    "representative_authority",
    "representative_email",
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
    with translation.override(settings.LANGUAGE_CODE):  # a note for staff, whoever's page changed it
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
def update_support_needs(
    *,
    complaint: Complaint,
    by,
    needs: list[str],
    details: str,
    consent_given_on: date | None,
    review_due_on: date | None = None,
) -> Complaint:
    """Record, change or clear the customer's needs register: special-category data, for those allowed
    to see it, kept only with the customer's consent (the date they gave it) and reviewed 12 months on
    unless another review date is given. The timeline says that the needs changed, never what they are.
    """
    if not all(by.has_perm(permission) for permission in SUPPORT_NEEDS_PERMISSIONS):
        raise PermissionDenied("Only staff who may see support needs can change them.")
    needs, details = needs_register.clean_needs(needs), details.strip()
    needs_register.require_consent(needs=needs, details=details, consent_given_on=consent_given_on)
    complaint = Complaint.objects.for_update().get(pk=complaint.pk)
    current = SupportNeeds.objects.filter(complaint=complaint).first()
    if needs or details:
        record, flags = needs_register.record_values(
            needs=needs, details=details, consent_given_on=consent_given_on, review_due_on=review_due_on
        )
        if current and all(getattr(current, field) == value for field, value in record.items()):
            return complaint
        SupportNeeds.objects.update_or_create(complaint=complaint, defaults=record)
        body = (
            f"Support needs {'changed' if current else 'recorded'} (consent given "
            f"{consent_given_on:%-d %b %Y}); review due {record['review_due_on']:%-d %b %Y}."
        )
    else:
        if current is None:
            return complaint
        current.delete()
        flags = {"has_support_needs": False, "relies_on_landline_for_safety": False}
        body = "Support needs removed."
    for field, value in flags.items():
        setattr(complaint, field, value)
    complaint.save(update_fields=[*flags, "updated_at"])
    TimelineEntry.objects.create(
        complaint=complaint, kind=TimelineEntry.Kind.RECORD_CHANGED, body=body, author=by
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
    refuse_implausible_first_received(first_received_at, timezone.now())
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


def _when(moment: datetime) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}"


def _label(field: str) -> str:
    return str(Complaint._meta.get_field(field).verbose_name).capitalize()


def _shown(complaint: Complaint, field: str, value=None) -> str:
    """A field's value as staff read it (choices by their label), on one line; "(none)" when empty."""
    value = getattr(complaint, field) if value is None else value
    if field == "adjustments":
        shown = ", ".join(str(Complaint.Adjustment(item).label) for item in value)
        return shown or "(none)"
    if isinstance(value, bool):
        return "yes" if value else "no"
    choices = dict(Complaint._meta.get_field(field).flatchoices)
    shown = str(choices.get(value, value))
    return " ".join(shown.split()) or "(none)"
