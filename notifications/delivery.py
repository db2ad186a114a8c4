"""Delivery of one outbox row: the work of the delivery task, kept apart so tasks stay thin."""

import logging

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.signals import message_sent

logger = logging.getLogger(__name__)

# After this many failed attempts a message stops retrying and shows as failed in the admin.
MAX_DELIVERY_ATTEMPTS = 6


class DeliveryFailed(Exception):
    """The channel refused or could not take the message; the task retries with backoff."""


def deliver_message(*, message_id: int) -> OutboundMessage | None:
    """Send one pending message exactly once: the row is locked while it is sent and marked.

    Two deliveries of the same row (a task delivered twice, the requeue sweep racing a retry)
    serialise on the lock; the second finds the row no longer pending and does nothing.
    """
    error = None
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status != OutboundMessage.Status.PENDING:
            return message
        message.attempts += 1
        message.last_attempt_at = timezone.now()
        try:
            _send(message)
        except Exception as exc:  # any transport error: record it, retry later
            error = exc
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= MAX_DELIVERY_ATTEMPTS:
                message.status = OutboundMessage.Status.FAILED
            logger.warning(
                "Delivery of message %s failed (attempt %s): %s", message.pk, message.attempts, exc
            )
        message.save()
        if message.status == OutboundMessage.Status.SENT:
            announce_sent(message)
    if error is not None and message.status == OutboundMessage.Status.PENDING:
        raise DeliveryFailed(message.last_error) from error
    return message


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


def _send(message: OutboundMessage) -> None:
    if message.channel == OutboundMessage.Channel.EMAIL:
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body_text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient_email],
            headers={"X-Portal-Reference": message.reference},
        )
        if message.body_html:
            email.attach_alternative(message.body_html, "text/html")
        email.send()
        message.status = OutboundMessage.Status.SENT
        message.sent_at = timezone.now()
        message.last_error = ""
    elif message.channel == OutboundMessage.Channel.LETTER:
        # Letters are printed (as PDF) and posted by staff, who mark them posted in the admin.
        message.status = OutboundMessage.Status.AWAITING_POST
    else:
        # A call is made by staff, who mark it made in the admin.
        message.status = OutboundMessage.Status.AWAITING_CALL
