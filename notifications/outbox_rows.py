"""What every outbox (the e-mails here, the webhooks in integrations) does alike with its rows: hand
them to the broker, and find the ones whose task was lost. Both kinds of row have the same fields
for it: next_attempt_at, last_attempt_at, created_at."""

import logging
from datetime import datetime

from django.db.models import Q

logger = logging.getLogger(__name__)


def hand_to_broker(task, row_ids: list[int], *, what: str) -> None:
    """`task.delay(id)` for each row; at the first refusal leave the rest for the requeue sweep."""
    for row_id in row_ids:
        try:
            task.delay(row_id)
        except Exception:  # kombu raises several types for an unreachable broker
            logger.warning("Broker unavailable; %s %s wait for the next sweep", len(row_ids), what)
            return


def task_lost_before(cutoff: datetime) -> Q:
    """Waiting rows whose task has gone missing: due before `cutoff` and never taken up since. A row
    waiting for its next try (next_attempt_at later) has a task that comes back for it."""
    return (
        Q(next_attempt_at__lt=cutoff)
        | Q(next_attempt_at__isnull=True, last_attempt_at__lt=cutoff)
        | Q(next_attempt_at__isnull=True, last_attempt_at__isnull=True, created_at__lt=cutoff)
    )
