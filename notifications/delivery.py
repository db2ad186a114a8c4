"""Delivery of one outbox row: the work of the delivery task, kept apart so tasks stay thin.

An e-mail goes in three short steps, none of which holds a lock while the e-mail server is asked:

1. claim: lock the row, check it is pending and due, mark it SENDING with the attempt's number
   and time, commit. A second task for the same row finds it SENDING (or SENT) and does nothing.
2. send, outside any transaction, with the row's stable Message-ID and EMAIL_TIMEOUT: a server
   that never answers costs one attempt, never a held row lock or a frozen worker.
3. record: SENT; or PENDING with the next try's time (capped exponential backoff, for
   RETRY_FOR from the first failure), then FAILED (at once for a permanent 5xx refusal) (staff are told; a daily task tries failed
   messages again until staff mark them handled).

A worker killed between the server accepting the e-mail and step 3 committing leaves the row
SENDING; after SENDING_STALE the requeue takes it back and it is sent again, with the same
Message-ID. That window is the only way a message goes twice: delivery is at-least-once.
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from smtplib import SMTPRecipientsRefused, SMTPResponseException

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.signals import message_sent

logger = logging.getLogger(__name__)

# Keep trying this long from the first failure (an e-mail server down for a night must not lose
# a customer's acknowledgement), then mark the message FAILED for staff.
RETRY_FOR = timedelta(hours=24)
FIRST_RETRY_AFTER = timedelta(minutes=1)
LONGEST_RETRY_GAP = timedelta(minutes=30)  # under the Redis broker's visibility timeout (1 h)


class DeliveryFailed(Exception):
    """The channel refused or could not take the message; the task retries when it is due."""

    def __init__(self, error: str, *, retry_at: datetime):
        super().__init__(error)
        self.retry_at = retry_at


def retry_gap(failing_for: timedelta) -> timedelta:
    """Wait as long again as the message has been failing: tries 1, 2, 4, 8 … minutes after the
    first failure (exponential backoff), at least FIRST_RETRY_AFTER apart, at most LONGEST_RETRY_GAP."""
    return min(max(failing_for, FIRST_RETRY_AFTER), LONGEST_RETRY_GAP)


@dataclass(frozen=True)
class Claim:
    message: OutboundMessage
    send: bool  # False: not ours to send now (sent, being sent, not due, or a letter or a call)


def deliver_message(*, message_id: int) -> OutboundMessage | None:
    """Send one pending message if it is due; see the module's docstring for the steps."""
    claim = _claim(message_id)
    if not claim.send:
        return claim.message
    message = claim.message
    try:
        _send_email(message)
    except Exception as error:  # any transport error: record it, retry later
        return _with_database_retries(partial(_record_failure, message, error))
    # The e-mail has gone: a database blip now must not leave the row SENDING (it would be sent
    # again once stale), so the mark is retried for a few seconds first.
    return _with_database_retries(partial(_record_sent, message))


def _with_database_retries(write, *, waits=(0.5, 1, 2, 4)):
    for wait in waits:
        try:
            return write()
        except (OperationalError, InterfaceError):
            logger.warning("The database did not take a delivery's result; trying again in %s s", wait)
            if not connection.in_atomic_block:
                connection.close()  # a broken connection is replaced on the next query
            time.sleep(wait)
    return write()


@transaction.atomic
def _claim(message_id: int) -> Claim:
    message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
    now = timezone.now()
    if message is None or message.status != OutboundMessage.Status.PENDING:
        return Claim(message, send=False)
    if message.next_attempt_at and message.next_attempt_at > now + timedelta(seconds=5):
        return Claim(message, send=False)  # an early task: the row's own retry is still to come
    if message.channel == OutboundMessage.Channel.LETTER:
        # Letters are printed (as PDF) and posted by staff, who mark them posted in the admin.
        message.status = OutboundMessage.Status.AWAITING_POST
        message.save(update_fields=["status"])
        return Claim(message, send=False)
    if message.channel == OutboundMessage.Channel.CALL:
        # A call is made by staff, who mark it made in the admin.
        message.status = OutboundMessage.Status.AWAITING_CALL
        message.save(update_fields=["status"])
        return Claim(message, send=False)
    message.status = OutboundMessage.Status.SENDING
    message.attempts += 1
    message.last_attempt_at = now
    message.save(update_fields=["status", "attempts", "last_attempt_at"])
    return Claim(message, send=True)


# RFC 3834: mail a machine sends says so, and auto-responders (holiday replies) leave it unanswered,
# so no loop can start. A reply staff wrote is a person's; an answer to an e-mail is an auto-reply.
WRITTEN_BY_STAFF = {"staff_reply"}
ANSWERS_TO_AN_EMAIL = {"email_reply_received"}


def _auto_submitted(template_key: str) -> dict[str, str]:
    if template_key in WRITTEN_BY_STAFF:
        return {}
    return {"Auto-Submitted": "auto-replied" if template_key in ANSWERS_TO_AN_EMAIL else "auto-generated"}


def _send_email(message: OutboundMessage) -> None:
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient_email],
        reply_to=[message.reply_to] if message.reply_to else None,
        headers={
            "Message-ID": message.message_id,
            "X-Portal-Reference": message.reference,
            **_auto_submitted(message.template_key),
        },
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    email.send()


@transaction.atomic
def _record_sent(message: OutboundMessage) -> OutboundMessage:
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    message.status = OutboundMessage.Status.SENT
    message.sent_at = timezone.now()
    message.last_error = ""
    message.next_attempt_at = message.failing_since = None
    message.save(update_fields=["status", "sent_at", "last_error", "next_attempt_at", "failing_since"])
    announce_sent(message)
    return message


def _record_failure(message: OutboundMessage, error: Exception) -> OutboundMessage:
    now = timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        message.failing_since = message.failing_since or now
        if is_permanent(error) or now - message.failing_since >= RETRY_FOR:
            message.status = OutboundMessage.Status.FAILED
            message.next_attempt_at = None
        else:
            message.status = OutboundMessage.Status.PENDING
            message.next_attempt_at = now + retry_gap(now - message.failing_since)
        message.save(update_fields=["status", "last_error", "failing_since", "next_attempt_at"])
    logger.warning(
        "Delivery of message %s for %s failed (attempt %s): %s",
        message.pk,
        message.reference,
        message.attempts,
        message.last_error,
    )
    if message.status == OutboundMessage.Status.PENDING:
        raise DeliveryFailed(message.last_error, retry_at=message.next_attempt_at) from error
    return message


def take_back_interrupted_sends(*, now: datetime | None = None) -> int:
    """Rows left SENDING longer than any attempt can take: their worker died mid-send. They go back
    to PENDING, and the requeue sends them (again, if the server had taken them: same Message-ID)."""
    stale = (now or timezone.now()) - settings.OUTBOX_SENDING_STALE
    count = OutboundMessage.objects.filter(
        status=OutboundMessage.Status.SENDING, last_attempt_at__lt=stale
    ).update(status=OutboundMessage.Status.PENDING, next_attempt_at=None)
    if count:
        logger.warning("%s messages were interrupted mid-send and are queued again", count)
    return count


def reopen_unhandled_failures() -> list[int]:
    """Failed messages no one has marked handled get another RETRY_FOR of tries (a daily task)."""
    with transaction.atomic():
        ids = list(
            OutboundMessage.objects.select_for_update(skip_locked=True)
            .filter(status=OutboundMessage.Status.FAILED, handled_at__isnull=True)
            .values_list("pk", flat=True)
        )
        OutboundMessage.objects.filter(pk__in=ids).update(
            status=OutboundMessage.Status.PENDING, failing_since=None, next_attempt_at=None
        )
    return ids


def is_permanent(error: Exception) -> bool:
    """A 5xx answer (no such mailbox, refused): trying again for a day changes nothing, so staff
    hear at once. A 4xx answer, a timeout or a refused connection is temporary."""
    if isinstance(error, SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    return isinstance(error, SMTPResponseException) and 500 <= error.smtp_code < 600


def announce_sent(message: OutboundMessage) -> None:
    """Tell the apps that listen (`message_sent`) that the message went.

    In a savepoint of its own: the message went, so it stays marked sent (sending it twice would be
    worse) even if a listener fails; the failure is logged for staff to look at.
    """
    try:
        with transaction.atomic():
            message_sent.send(sender=OutboundMessage, message=message)
    except Exception:
        logger.exception("A listener failed on message %s being sent; the message stays sent", message.pk)
