"""Celery tasks of the outbox. Thin: they take ids and call delivery."""

import logging

from celery import shared_task

from notifications.delivery import DeliveryFailed, deliver_message
from notifications.selectors import message_ids_to_requeue

logger = logging.getLogger(__name__)


@shared_task(
    autoretry_for=(DeliveryFailed,),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
)
def deliver_message_task(message_id: int) -> None:
    deliver_message(message_id=message_id)


@shared_task
def requeue_pending_messages_task() -> int:
    message_ids = message_ids_to_requeue()
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
    for message_id in message_ids:
        try:
            deliver_message_task.delay(message_id)
        except Exception:  # kombu raises several types for an unreachable broker
            logger.warning(
                "Broker unavailable; %s messages stay pending for the next sweep", len(message_ids)
            )
            return
