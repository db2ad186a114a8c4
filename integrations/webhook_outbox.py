"""Events into the webhook outbox: one row a delivery, written in the transaction of the change."""

import json
import uuid
from datetime import UTC, datetime
from functools import partial

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.tasks import enqueue_webhook_deliveries
from integrations.webhooks import Event


class UtcJsonEncoder(DjangoJSONEncoder):
    """Every moment in UTC ("…Z"), whatever zone it was recorded in: one form for receivers."""

    def default(self, o):
        if isinstance(o, datetime) and timezone.is_aware(o):
            o = o.astimezone(UTC)
        return super().default(o)


def publish(event: Event) -> list[WebhookDelivery]:
    return publish_all([event])


def publish_all(events: list[Event]) -> list[WebhookDelivery]:
    """One delivery for each event and each active endpoint subscribed to it, written in the caller's
    transaction (they commit or roll back with the change), each POSTed by a task after commit."""
    if not events:
        return []
    endpoints = list(WebhookEndpoint.objects.filter(active=True).only("pk", "events"))
    now = timezone.now()
    rows = []
    for event in events:
        subscribed = [endpoint for endpoint in endpoints if event.type in endpoint.events]
        if not subscribed:
            continue
        event_id = uuid.uuid4()
        body = json.dumps(
            {"id": str(event_id), "type": event.type, "timestamp": now, "data": event.data},
            cls=UtcJsonEncoder,
            separators=(",", ":"),
        )
        rows += [
            WebhookDelivery(
                endpoint=endpoint,
                event_id=event_id,
                event_type=event.type,
                reference=event.reference,
                body=body,
                created_at=now,
            )
            for endpoint in subscribed
        ]
    if not rows:
        return []
    deliveries = WebhookDelivery.objects.bulk_create(rows)
    transaction.on_commit(partial(enqueue_webhook_deliveries, [delivery.pk for delivery in deliveries]))
    return deliveries


@transaction.atomic
def send_again(deliveries) -> list[int]:
    """Failed deliveries (a manager's "send again"), with a fresh count of attempts; after commit."""
    ids = list(
        WebhookDelivery.objects.select_for_update()
        .filter(pk__in=[delivery.pk for delivery in deliveries], status=WebhookDelivery.Status.FAILED)
        .values_list("pk", flat=True)
    )
    WebhookDelivery.objects.filter(pk__in=ids).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=None, last_error=""
    )
    transaction.on_commit(partial(enqueue_webhook_deliveries, ids))
    return ids
