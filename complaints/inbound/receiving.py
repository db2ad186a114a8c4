"""E-mail in: one service, `receive_email`, for every way mail reaches us (our SMTP server, the
mail server's pipe, an ESP's webhook, an IMAP mailbox).

Each message is stored exactly as received, then read, in one transaction, and becomes exactly
one of: an entry on a complaint's timeline, a new complaint, a message waiting for staff
(quarantine), or a dropped automatic message (recorded, never answered).
"""

import email.parser
import email.policy
import hashlib
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from complaints import services
from complaints.inbound.parsing import EmailFile, ParsedEmail, parse_email, sender_of
from complaints.models import Complaint, InboundEmail
from complaints.notices import email_customer
from complaints.references import REFERENCE_PREFIX, normalise_reference
from complaints.reply_addresses import is_our_own_address, is_reply_address, reference_in_address
from complaints.transactions import one_transaction
from complaints.uploads import (
    ALLOWED_TYPES_LABEL,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    display_name,
    sniff_content_type,
)
from notifications.insert_once import insert_once
from notifications.selectors import is_our_message_id, our_messages_among

logger = logging.getLogger(__name__)

Outcome = InboundEmail.Outcome

# A reference as people write it in a subject or a message: "NS-ABCD-EFGH", "ns abcd efgh".
_REFERENCE_IN_TEXT = re.compile(
    rf"\b{REFERENCE_PREFIX}[\s\-_.]?[0-9A-Z]{{4}}[\s\-_.]?[0-9A-Z]{{4}}\b", re.IGNORECASE
)


class MessageTooLarge(ValueError):
    """Refused before it is stored: larger than INBOUND_MAX_BYTES."""


@dataclass(frozen=True)
class Match:
    complaint: Complaint | None = None
    how: str = ""
    refused: str = ""  # why a complaint the message points to may not have it


def receive_email(
    raw: bytes,
    *,
    received_via: str,
    received_at: datetime | None = None,
    recipients: tuple[str, ...] = (),
) -> InboundEmail:
    """Store one e-mail as received and read it onto the right complaint (or a new one, or staff's
    quarantine, or the dropped automatic mail); the same message delivered again is stored once.

    One transaction: the row with the raw message is written first, then the message is read, and
    the adapter answers the sender (250, exit 0, HTTP 200) only after the commit. If the database
    fails, nothing is kept and the adapter answers "try later", so the sender keeps the message
    and retries; if reading fails any other way (a message that trips a bug), the message is
    kept, for staff. Raises `MessageTooLarge` before storing anything.
    """
    if len(raw) > settings.INBOUND_MAX_BYTES:
        raise MessageTooLarge(
            f"The message is {len(raw):,} bytes; we accept up to {settings.INBOUND_MAX_BYTES:,}."
        )
    arrival = {
        "received_via": received_via,
        "received_at": received_at or timezone.now(),
        "recipients": recipients,
    }
    try:
        return _store_and_read(raw, **arrival)
    except DatabaseError:
        raise  # nothing is kept: the sender is told to try again
    except Exception as error:  # a message that trips a bug is kept, for staff; what reading wrote is gone
        logger.exception("An e-mail could not be read")
        return _store_for_staff(
            raw, **arrival, reason=f"It could not be read ({type(error).__name__}); the original is kept."
        )


@one_transaction
def _store_and_read(raw: bytes, **arrival) -> InboundEmail:
    # One transaction, the services reading calls joining it (no savepoint of their own): if reading
    # fails, the stored message goes with it and `_store_for_staff` stores it again.
    stored = _store(raw, **arrival)
    if stored.outcome != Outcome.RECEIVED:
        return stored  # this very message was received before
    return _read(stored, raw)


@one_transaction
def _store_for_staff(raw: bytes, *, reason: str, **arrival) -> InboundEmail:
    stored = _store(raw, **arrival)
    if stored.outcome != Outcome.RECEIVED:
        return stored
    return _put_aside(stored, reason)


def record_too_large(raw: bytes, *, received_via: str, recipients: tuple[str, ...] = ()) -> InboundEmail:
    """Keep the headers of a message too large to take in, for staff, when its sender cannot be told
    so (a provider's webhook: the provider has accepted it already). Our SMTP server and the pipe
    refuse it instead, and the sender's mail server tells them."""
    headers, _, _body = raw.partition(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.partition(b"\n\n")
    headers = headers[:65_536] + b"\r\n\r\n"
    with transaction.atomic():
        stored = _store(headers, received_via=received_via, received_at=timezone.now(), recipients=recipients)
        if stored.outcome != Outcome.RECEIVED:
            return stored
        parsed = parse_email(headers)
        stored.message_id = parsed.message_id or stored.message_id
        stored.sender, stored.sender_name, stored.subject = parsed.sender, parsed.sender_name, parsed.subject
        stored.size = len(raw)
        stored.save(update_fields=["size"])
        return _put_aside(
            stored,
            f"It is too large to take in ({len(raw):,} bytes; we accept up to "
            f"{filesizeformat(settings.INBOUND_MAX_BYTES)}): only its "
            "headers are kept. Ask the sender to send it again in smaller parts, or by post.",
        )


def _store(
    raw: bytes, *, received_via: str, received_at: datetime, recipients: tuple[str, ...]
) -> InboundEmail:
    """The message as received (or the copy stored before), locked until the transaction ends."""
    message_id, sender = _identity(raw)
    key = hashlib.sha256(f"{message_id}\n{sender}".encode() if message_id else raw).hexdigest()
    stored = InboundEmail(
        message_key=key,
        message_id=message_id,
        received_via=received_via,
        received_at=received_at,
        raw=raw,
        size=len(raw),
        envelope_recipients=list(recipients),
    )
    # INSERT … ON CONFLICT DO NOTHING: a parallel delivery of the same message waits for the first.
    # A row this transaction inserted is its own until it commits; one stored before is locked.
    if insert_once(stored):
        return stored
    return InboundEmail.objects.select_for_update().defer("raw").get(message_key=key)  # raw is in hand


def forget_old_emails_on_no_complaint(*, received_before: datetime) -> int:
    """Empty the dropped and discarded messages that are on no complaint (bounces, auto-replies,
    spam) once they are old: kept only as long as a mistake could be noticed. Messages waiting
    for staff stay until staff act; messages on a complaint follow the complaint's retention."""
    return (
        InboundEmail.objects.filter(
            outcome__in=(Outcome.DROPPED, Outcome.DISCARDED),
            complaint__isnull=True,
            received_at__lt=received_before,
        )
        .exclude(size=0)
        .update(raw=b"", size=0, message_id="", sender="", sender_name="", subject="", envelope_recipients=[])
    )


def _identity(raw: bytes) -> tuple[str, str]:
    """The Message-ID and From of a message, from its headers only, never raising."""
    try:
        headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw)
        message_id = " ".join(str(headers.get("Message-ID", "")).replace("\x00", "").split())[:500]
        # The address, not how it was written: "Jane <jane@x>" and "JANE@x" are one sender.
        sender = sender_of(str(headers.get("From", "")))[1]
    except Exception:  # unreadable headers: the message's own bytes identify it
        return "", ""
    return message_id, sender


def _read(stored: InboundEmail, raw: bytes) -> InboundEmail:
    """Read a stored message and do the one thing it calls for."""
    parsed = parse_email(raw)
    stored.message_id = parsed.message_id or stored.message_id
    stored.sender, stored.sender_name, stored.subject = parsed.sender, parsed.sender_name, parsed.subject
    if reason := _automatic_or_loop(parsed):
        return _close(stored, Outcome.DROPPED, reason)
    if not parsed.sender:
        return _put_aside(stored, "It has no sender address we could read.")
    match = _match(parsed, tuple(stored.envelope_recipients))
    if parsed.doubts:
        about = f" It seems to be about {match.complaint.reference}." if match.complaint else ""
        return _put_aside(stored, f"It could not be read cleanly: {' '.join(parsed.doubts)}{about}")
    if match.complaint is not None:
        return _add_to_complaint(stored, parsed, match.complaint, how=match.how)
    if match.refused:
        return _put_aside(stored, match.refused)
    if _new_complaints_from(parsed.sender, since=stored.received_at - timedelta(hours=1)) >= (
        settings.INBOUND_NEW_COMPLAINTS_PER_HOUR
    ):
        return _put_aside(
            stored,
            f"More than {settings.INBOUND_NEW_COMPLAINTS_PER_HOUR} new complaints by e-mail from this "
            "sender in an hour: staff decide whether this is one.",
        )
    return _open_complaint(stored, parsed)


def _automatic_or_loop(parsed: ParsedEmail) -> str:
    """Why this message must never be answered or open a complaint, or ""."""
    if parsed.automatic:
        return f"An automatic message ({parsed.automatic})."
    if parsed.message_id and is_our_message_id(parsed.message_id):
        return "One of our own messages came back (a mail loop)."
    if is_our_own_address(parsed.sender):
        return "Sent from our own complaints address (a mail loop)."
    return ""


def _match(parsed: ParsedEmail, recipients: tuple[str, ...]) -> Match:
    """The complaint this message is about: by our signed reply address, then by the messages it
    answers, then by a reference it quotes (only from the complaint's own e-mail address)."""
    for address in (*recipients, *parsed.recipients):
        if (reference := reference_in_address(address)) is not None:
            return _complaint_match(reference, how="sent to the complaint's reply address")
    if parsed.thread_ids:
        if (ours := _nearest_of_our_messages(parsed.thread_ids)) is not None:
            if not ours.reply_to:
                # Only what we send the customer invites a reply (and carries the reply address):
                # this answers a notice to staff, so a colleague wrote it, not the customer.
                return Match(
                    refused=f"It answers a notice we sent to staff about {ours.reference}, not the customer."
                )
            return _complaint_match(ours.reference, how="a reply to a message about the complaint")
        if reference := _reference_of_their_thread(parsed.thread_ids):
            # Their own earlier Message-ID is known to everyone it was sent to: only from them.
            return _sender_checked_match(reference, parsed, how="answers their earlier e-mail")
    for reference in _references_quoted(parsed):
        complaint = Complaint.objects.filter(reference=reference).first()
        if complaint is None:
            continue
        if _from_the_complaints_address(complaint, parsed.sender):
            if refusal := _unauthenticated(parsed, reference):
                return Match(refused=refusal)
            return Match(complaint, how=f"quotes {reference}, from the complaint's e-mail address")
        # A reference is printed on letters and in subject lines: it proves nothing of the sender.
        return Match(
            refused=f"It quotes {reference}, but {parsed.sender} is not that complaint's e-mail address."
        )
    if any(is_reply_address(address) for address in (*recipients, *parsed.recipients)):
        # Someone's mail program cut it short, or someone made one up: either way not a new complaint.
        return Match(
            refused="It was sent to a reply address of ours that is not one we gave (altered or cut "
            "short): find the complaint it is about."
        )
    return Match()


def _unauthenticated(parsed: ParsedEmail, reference: str) -> str:
    """Why the sender's address cannot be believed, or "": with INBOUND_AUTHSERV_ID set, only a
    DMARC pass that our own mail server recorded counts (anyone can write any From)."""
    server = settings.INBOUND_AUTHSERV_ID.lower()
    # Our server's own header is the topmost of its name; any further down came with the message.
    ours = next((result for name, result in parsed.dmarc_results if name == server), None)
    if not server or ours == "pass":
        return ""
    return (
        f"It is from {reference}'s e-mail address, but our mail server ({server}) did not record a DMARC "
        "pass for it: the address may be forged."
    )


def _from_the_complaints_address(complaint: Complaint, sender: str) -> bool:
    """Whether the sender is the customer's e-mail address or their representative's."""
    known = {address.casefold() for address in (complaint.email, complaint.representative_email) if address}
    return sender.casefold() in known


MAX_QUOTED_REFERENCES = 5  # looked up, subject first: a message full of references costs no more


def _references_quoted(parsed: ParsedEmail) -> list[str]:
    found: list[str] = []
    for text in (parsed.subject, parsed.text):
        for candidate in _REFERENCE_IN_TEXT.finditer(text):
            reference = normalise_reference(candidate.group(0))
            if reference and reference not in found:
                found.append(reference)
                if len(found) == MAX_QUOTED_REFERENCES:
                    return found
    return found


def _nearest_of_our_messages(thread_ids: list[str]):
    ours = our_messages_among(thread_ids)
    return next((ours[message_id] for message_id in thread_ids if message_id in ours), None)


def _reference_of_their_thread(thread_ids: list[str]) -> str | None:
    earlier = (
        InboundEmail.objects.filter(message_id__in=thread_ids, complaint__isnull=False)
        .select_related("complaint")
        .only("message_id", "complaint__reference")
    )
    by_id = {row.message_id: row.complaint.reference for row in earlier}
    return next((by_id[message_id] for message_id in thread_ids if message_id in by_id), None)


def _sender_checked_match(reference: str, parsed: ParsedEmail, *, how: str) -> Match:
    complaint = Complaint.objects.filter(reference=reference).first()
    if complaint is not None and _from_the_complaints_address(complaint, parsed.sender):
        if refusal := _unauthenticated(parsed, reference):
            return Match(refused=refusal)
        return Match(complaint, how=how)
    return Match(
        refused=f"It answers an e-mail on {reference}, but {parsed.sender} is not that complaint's e-mail address."
    )


def _complaint_match(reference: str, *, how: str) -> Match:
    complaint = Complaint.objects.filter(reference=reference).first()
    if complaint is None:
        return Match(refused=f"It answers complaint {reference}, which we no longer have.")
    return Match(complaint, how=how)


def _new_complaints_from(sender: str, *, since: datetime) -> int:
    # The sender's index first (addresses are stored in lower case): a few rows, however much mail came.
    return InboundEmail.objects.filter(sender=sender, outcome=Outcome.OPENED, received_at__gte=since).count()


def _add_to_complaint(
    stored: InboundEmail, parsed: ParsedEmail, complaint: Complaint, *, how: str
) -> InboundEmail:
    if complaint.anonymised_at is not None:
        return _put_aside(stored, f"It answers {complaint.reference}, whose personal data has been removed.")
    accepted, refused = _accepted_files(parsed.files)
    body = _within(REPLY_LIMIT, parsed.reply_text or "(No text: files only.)", _not_accepted(refused))
    entry = services.add_customer_message(complaint=complaint, body=body, attachments=accepted)
    # At most two acknowledgements a day for a complaint, whatever arrives (an auto-responder that
    # does not mark itself as one cannot start a loop): one, and one that lists files we refused.
    day = timezone.localdate(stored.received_at)
    email_customer(
        complaint=complaint,
        template_key="email_reply_received",
        event_id=f"email-day-{day}-files-refused" if refused else f"email-day-{day}",
        extra={
            "refused_files": refused[:LISTED_FILES],
            "refused_more": max(0, len(refused) - LISTED_FILES),
            "accepted_types": ALLOWED_TYPES_LABEL,
        },
    )
    stored.complaint, stored.timeline_entry = complaint, entry
    return _close(stored, Outcome.ADDED, f"Added to {complaint.reference}: {how}.")


def _open_complaint(stored: InboundEmail, parsed: ParsedEmail) -> InboundEmail:
    accepted, refused = _accepted_files(parsed.files)
    description = _description(parsed, refused)
    complaint = services.file_complaint(
        customer_name=parsed.sender_name or parsed.sender.partition("@")[0],
        email=parsed.sender,
        postal_address="",  # staff complete it: "details missing" in the admin list
        postcode="",
        category=Complaint.Category.OTHER,
        description=description,
        reply_preference=Complaint.ReplyPreference.EMAIL,
        channel=Complaint.Channel.EMAIL,
        # When it reached us: never the sender's Date, which is theirs to set.
        first_received_at=stored.received_at,
        attachments=accepted,
    )
    stored.complaint, stored.timeline_entry = complaint, complaint.timeline.first()
    return _close(stored, Outcome.OPENED, f"Opened {complaint.reference}.")


DESCRIPTION_LIMIT = 10_000  # as a complaint filed on the portal
REPLY_LIMIT = 10_000
LISTED_FILES = 10
_CUT_NOTE = "\n\n[…the rest is in the original e-mail, kept with the complaint.]"


def _description(parsed: ParsedEmail, refused: list[str]) -> str:
    text = parsed.text or "(No text: files only.)"
    if parsed.subject:
        text = f"{parsed.subject}\n\n{text}"
    return _within(DESCRIPTION_LIMIT, text, _not_accepted(refused))


def _within(limit: int, text: str, after: str = "") -> str:
    """The text and what follows it in at most `limit` characters; a text cut says where the rest is."""
    if len(text) + len(after) <= limit:
        return text + after
    return text[: limit - len(after) - len(_CUT_NOTE)] + after + _CUT_NOTE


def _not_accepted(refused: list[str]) -> str:
    if not refused:
        return ""
    more = f"; and {len(refused) - LISTED_FILES} more" if len(refused) > LISTED_FILES else ""
    return "\n\nFiles not accepted: " + "; ".join(refused[:LISTED_FILES]) + more + "."


def _accepted_files(files: list[EmailFile]) -> tuple[list[ContentFile], list[str]]:
    """The files the portal accepts (the same checks as an upload), and why each other one is not."""
    accepted, refused = [], []
    for file in files:
        name = display_name(file.name)
        upload = ContentFile(file.content, name=name)
        if not file.content:
            refused.append(f"{name} (empty)")
        elif len(file.content) > MAX_ATTACHMENT_BYTES:
            refused.append(f"{name} (larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB)")
        elif sniff_content_type(upload) is None:
            refused.append(f"{name} (not a {ALLOWED_TYPES_LABEL} file)")
        elif len(accepted) == MAX_ATTACHMENTS:
            refused.append(f"{name} (more than {MAX_ATTACHMENTS} files)")
        else:
            accepted.append(upload)
    return accepted, refused


def _put_aside(stored: InboundEmail, reason: str) -> InboundEmail:
    return _close(stored, Outcome.QUARANTINED, reason)


def _close(stored: InboundEmail, outcome: str, reason: str) -> InboundEmail:
    stored.outcome, stored.reason = outcome, reason
    # Never the raw message again: it was stored once, as received.
    stored.save(update_fields=[*_READ_FIELDS, "outcome", "reason", "complaint", "timeline_entry"])
    return stored


_READ_FIELDS = ["message_id", "sender", "sender_name", "subject"]


# --- What staff do with a message put aside -------------------------------------------------------

STAFF_MAY_HANDLE = (Outcome.QUARANTINED, Outcome.DROPPED)


class EmailAlreadyHandled(ValueError):
    """The message is already on a complaint, or discarded: nothing to do twice."""


@one_transaction
def attach_email_to_complaint(*, email: InboundEmail, complaint: Complaint, by) -> InboundEmail:
    """Staff put a message waiting for them onto a complaint's timeline, as if it had matched."""
    stored = _claim_for_staff(email, by)
    parsed = parse_email(bytes(stored.raw))
    stored = _add_to_complaint(stored, parsed, complaint, how=f"attached by {services.name_of(by)}")
    if stored.outcome != Outcome.ADDED:  # an anonymised complaint
        raise ValidationError(stored.reason)
    return stored


@one_transaction
def open_complaint_from_email(*, email: InboundEmail, by) -> InboundEmail:
    """Staff open a new complaint from a message waiting for them (acknowledged as usual)."""
    stored = _claim_for_staff(email, by)
    parsed = parse_email(bytes(stored.raw))
    if not parsed.sender:
        raise ValidationError("It has no sender address: log the complaint by hand instead.")
    stored = _open_complaint(stored, parsed)
    stored.reason += f" Opened by {services.name_of(by)}."
    stored.save(update_fields=["reason"])
    return stored


@one_transaction
def discard_email(*, email: InboundEmail, by, reason: str) -> InboundEmail:
    """Staff decide a message waiting for them needs nothing (spam, a duplicate); kept as received."""
    stored = _claim_for_staff(email, by)
    return _close(
        stored,
        Outcome.DISCARDED,
        f"Discarded by {services.name_of(by)}: {reason.strip() or 'no reason given'}.",
    )


def _claim_for_staff(email: InboundEmail, by) -> InboundEmail:
    stored = InboundEmail.objects.select_for_update().get(pk=email.pk)
    if stored.outcome not in STAFF_MAY_HANDLE:
        raise EmailAlreadyHandled(f"This e-mail is already handled: {stored.get_outcome_display().lower()}.")
    stored.handled_by, stored.handled_at = by, timezone.now()
    stored.save(update_fields=["handled_by", "handled_at"])
    return stored
