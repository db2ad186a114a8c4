"""Celery tasks of the API and its webhooks. Thin: each calls one function."""

from celery import shared_task
from django.utils import timezone

from integrations.idempotency import forget_old_answers
from integrations.selectors import webhook_delivery_ids_to_requeue
from integrations.webhook_delivery import (
    DeliveryFailed,
    deliver,
    forget_old_deliveries,
    take_back_interrupted_sends,
)
from notifications.outbox_rows import hand_to_broker


@shared_task
def forget_idempotent_answers_task() -> int:
    return forget_old_answers()


# A receiver that drips its answer a byte at a time resets the socket's timeout with each byte:
# this bounds the whole attempt (prefork workers; the attempt is then recorded as failed).
ATTEMPT_TIME_LIMIT = 60


@shared_task(bind=True, max_retries=None, soft_time_limit=ATTEMPT_TIME_LIMIT)
def deliver_webhook_task(self, delivery_id: int) -> dict:
    """One retry chain a delivery: the task comes back when the row's next try is due."""
    try:
        delivery = deliver(delivery_id=delivery_id)
        return {"reference": delivery.reference, "status": delivery.status} if delivery else {}
    except DeliveryFailed as failure:
        countdown = max((failure.retry_at - timezone.now()).total_seconds(), 0)
        raise self.retry(countdown=countdown, exc=failure) from failure


@shared_task
def requeue_webhook_deliveries_task() -> int:
    """Deliveries whose task was lost (the broker down when they were written, a worker killed)."""
    take_back_interrupted_sends()
    delivery_ids = webhook_delivery_ids_to_requeue()
    enqueue_webhook_deliveries(delivery_ids)
    return len(delivery_ids)


@shared_task
def forget_old_webhook_deliveries_task() -> int:
    return forget_old_deliveries()


def enqueue_webhook_deliveries(delivery_ids: list[int]) -> None:
    """Hand deliveries to the broker; at the first refusal leave the rest for the requeue."""
    hand_to_broker(deliver_webhook_task, delivery_ids, what="webhook deliveries")
