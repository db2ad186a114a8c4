"""Writes to the outbox. Callers pass a recipient, a template key, a context and a reference."""

from datetime import datetime, time
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from notifications.delivery import announce_sent
from notifications.insert_once import insert_once
from notifications.models import OutboundMessage
from notifications.rendering import render_message
from notifications.tasks import enqueue_deliveries, enqueue_delivery


def queue_notification(**message) -> OutboundMessage:
    """Write one outbox row (or return the one already queued under this key) and deliver it after commit.

    The row commits or rolls back with the caller's transaction; the delivery task is only
    enqueued once the row is committed, and a broker that is down does not fail the caller.
    """
    return queue_notification_once(**message)[0]


def queue_notification_once(
    *,
    idempotency_key: str,
    reference: str,
    template_key: str,
    context: dict,
    channel: str,
    recipient_name: str = "",
    recipient_email: str = "",
    recipient_postal_address: str = "",
    recipient_phone: str = "",
    reply_to: str = "",
    language: str = settings.LANGUAGE_CODE,
) -> tuple[OutboundMessage, bool]:
    """Like queue_notification, and says whether this call queued it (False: the key was already used).

    One statement (INSERT … ON CONFLICT DO NOTHING), in the caller's transaction when there is one;
    the message is rendered before, so a key used already costs a rendering and a read.
    """
    rendered = render_message(template_key=template_key, context=context, language=language)
    message = OutboundMessage(
        idempotency_key=idempotency_key,
        reference=reference,
        template_key=template_key,
        language=language,
        context=context,
        channel=channel,
        recipient_name=recipient_name,
        recipient_email=recipient_email,
        recipient_postal_address=recipient_postal_address,
        recipient_phone=recipient_phone,
        reply_to=reply_to,
        subject=rendered.subject,
        body_text=rendered.body_text,
        body_html=rendered.body_html,
    )
    if not insert_once(message):  # queued before, or by a transaction that just committed it
        return OutboundMessage.objects.get(idempotency_key=idempotency_key), False
    transaction.on_commit(partial(enqueue_delivery, message.pk))
    return message, True


@transaction.atomic
def queue_notifications(messages: list[dict]) -> list[OutboundMessage]:
    """Queue many new messages with one insert; each is delivered after commit.

    For callers that claimed the messages' keys themselves (the deadline sweep): a key already
    used is an error here, and rolls back the caller's transaction.
    """
    rows = []
    for message in messages:
        message = {"language": settings.LANGUAGE_CODE, **message}
        rendered = render_message(
            template_key=message["template_key"], context=message["context"], language=message["language"]
        )
        rows.append(
            OutboundMessage(
                **message,
                subject=rendered.subject,
                body_text=rendered.body_text,
                body_html=rendered.body_html,
            )
        )
    created = OutboundMessage.objects.bulk_create(rows, batch_size=500)
    transaction.on_commit(partial(enqueue_deliveries, [message.pk for message in created]))
    return created


@transaction.atomic
def retry_message(*, message: OutboundMessage) -> OutboundMessage:
    """Put a failed message back in the queue, with a fresh count of attempts."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status != OutboundMessage.Status.FAILED:
        return message
    message.status = OutboundMessage.Status.PENDING
    message.attempts = 0
    message.failing_since = message.next_attempt_at = message.handled_at = None
    message.save(update_fields=["status", "attempts", "failing_since", "next_attempt_at", "handled_at"])
    transaction.on_commit(partial(enqueue_delivery, message.pk))
    return message


@transaction.atomic
def mark_failure_handled(*, message: OutboundMessage) -> OutboundMessage:
    """Staff dealt with a failed message another way (a call, a corrected address and a new
    message): the daily retry and the alerts leave it alone."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.status == OutboundMessage.Status.FAILED and message.handled_at is None:
        message.handled_at = timezone.now()
        message.save(update_fields=["handled_at"])
    return message


@transaction.atomic
def mark_call_made(*, message: OutboundMessage) -> OutboundMessage:
    """Record that staff made the call a phone-preferring customer asked for."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.channel != OutboundMessage.Channel.CALL:
        raise ValueError("Only call tasks are called.")
    if message.status == OutboundMessage.Status.SENT:
        return message
    message.status = OutboundMessage.Status.SENT
    message.sent_at = timezone.now()
    message.save(update_fields=["status", "sent_at"])
    announce_sent(message)
    return message


@transaction.atomic
def mark_letter_posted(*, message: OutboundMessage, posted_on) -> OutboundMessage:
    """Record that staff printed and posted a letter, on the day they posted it (which may be before
    the day they say so): that day is when it counts as sent."""
    message = OutboundMessage.objects.select_for_update().get(pk=message.pk)
    if message.channel != OutboundMessage.Channel.LETTER:
        raise ValueError("Only letters are posted.")
    if message.status == OutboundMessage.Status.SENT:
        return message  # posted already: the first posting date stands
    if posted_on > timezone.localdate():
        raise ValidationError("A letter cannot have been posted in the future.")
    if posted_on < timezone.localdate(message.created_at):
        raise ValidationError(
            f"This letter was written on {timezone.localtime(message.created_at):%-d %B %Y}."
        )
    message.status = OutboundMessage.Status.SENT
    message.posted_on = posted_on
    # The moment it counts as sent: the end of the posting day, or now if that is later than now.
    end_of_posting_day = timezone.make_aware(datetime.combine(posted_on, time(23, 59, 59)))
    message.sent_at = min(timezone.now(), end_of_posting_day)
    message.save(update_fields=["status", "posted_on", "sent_at"])
    announce_sent(message)
    return message


def anonymise_messages(*, reference: str) -> int:
    """Wipe who a message went to and what it said, keeping that it went, how and when."""
    return OutboundMessage.objects.filter(reference=reference).update(
        recipient_name="",
        recipient_email="",
        recipient_postal_address="",
        recipient_phone="",
        context={},
        body_text="[removed under the retention policy]",
        body_html="",
    )
