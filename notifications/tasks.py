"""Celery tasks of the outbox. Thin: they take ids and call delivery or the services."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from notifications.delivery import (
    DeliveryFailed,
    deliver_message,
    reopen_unhandled_failures,
    take_back_interrupted_sends,
)
from notifications.outbox_rows import hand_to_broker
from notifications.selectors import message_ids_to_requeue

logger = logging.getLogger(__name__)

# A database that blinks (a restart, a failover) is waited for, not given up on.
DATABASE_RETRIES = 8


@shared_task(bind=True, max_retries=None)
def deliver_message_task(self, message_id: int) -> dict:
    """One retry chain per row: the task comes back when the row's next try is due. Returns what
    the task's log line carries (the reference the message is about, its status)."""
    try:
        message = deliver_message(message_id=message_id)
        return {"reference": message.reference, "status": message.status} if message else {}
    except DeliveryFailed as failure:
        countdown = max((failure.retry_at - timezone.now()).total_seconds(), 0)
        raise self.retry(countdown=countdown, exc=failure) from failure
    except (OperationalError, InterfaceError) as error:
        if self.request.retries >= DATABASE_RETRIES:
            raise  # the requeue task takes the row up again once the database is back
        raise self.retry(countdown=min(2**self.request.retries, 120), exc=error) from error


@shared_task
def requeue_pending_messages_task() -> int:
    take_back_interrupted_sends()
    message_ids = message_ids_to_requeue()
    for message_id in message_ids:
        enqueue_delivery(message_id)
    return len(message_ids)


@shared_task
def retry_failed_messages_task() -> int:
    """Daily: failed messages nobody has marked handled get another day of tries."""
    message_ids = reopen_unhandled_failures()
    for message_id in message_ids:
        enqueue_delivery(message_id)
    return len(message_ids)


def enqueue_delivery(message_id: int) -> None:
    """Hand a message to the broker; if the broker is down, leave it for the requeue sweep."""
    try:
        deliver_message_task.delay(message_id)
    except Exception:  # kombu raises several types for an unreachable broker
        logger.warning("Broker unavailable; message %s stays pending for the next sweep", message_id)


def enqueue_deliveries(message_ids: list[int]) -> None:
    """Hand many messages to the broker; at the first refusal leave the rest for the requeue sweep."""
    hand_to_broker(deliver_message_task, message_ids, what="messages")
