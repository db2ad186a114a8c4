from datetime import timedelta

from django.db.models import Count
from django.utils import timezone

from notifications.models import OutboundMessage
from notifications.outbox_rows import task_lost_before

# Messages the outbox still has to send (letters and calls wait for staff, not for us).
WAITING_STATUSES = (OutboundMessage.Status.PENDING, OutboundMessage.Status.SENDING)

# A pending row younger than this is probably still on its way through the broker.
REQUEUE_AFTER = timedelta(minutes=2)


def message_ids_to_requeue(*, now=None, limit: int = 500) -> list[int]:
    """Pending messages whose own task has gone missing: due a while ago and still pending.

    A message waiting for its next try (next_attempt_at in the future) has a task that will come
    back for it, and one being sent (SENDING) is someone's: neither is queued a second time.
    """
    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    return list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING)
        .filter(task_lost_before(cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def messages_failing_for(age, *, now=None, limit: int = 200) -> list[OutboundMessage]:
    """Messages still being retried whose failures began more than `age` ago: staff should know."""
    return list(
        OutboundMessage.objects.filter(
            status__in=WAITING_STATUSES, failing_since__lt=(now or timezone.now()) - age
        ).order_by("failing_since")[:limit]
    )


def failed_messages(*, limit: int = 200) -> list[OutboundMessage]:
    """Messages that stopped retrying and no one has handled, newest first: someone must look at them."""
    return list(
        OutboundMessage.objects.filter(
            status=OutboundMessage.Status.FAILED, handled_at__isnull=True
        ).order_by("-last_attempt_at")[:limit]
    )


def messages_about(reference: str, *, limit: int = 100) -> list[OutboundMessage]:
    """The messages sent about one thing (a complaint's reference), newest first."""
    return list(OutboundMessage.objects.filter(reference=reference).order_by("-created_at", "-pk")[:limit])


def messages_about_each(references: list[str]) -> dict[str, list[OutboundMessage]]:
    """The messages sent about each of several things, oldest first: one query."""
    found: dict[str, list[OutboundMessage]] = {}
    for message in OutboundMessage.objects.filter(reference__in=references).order_by("created_at", "pk"):
        found.setdefault(message.reference, []).append(message)
    return found


def outbox_counts() -> dict[str, int]:
    """How many outbox rows are in each status (for the metrics): one grouped query."""
    rows = OutboundMessage.objects.order_by().values_list("status").annotate(count=Count("pk"))
    return dict.fromkeys(OutboundMessage.Status.values, 0) | dict(rows)


def oldest_waiting_message_age(*, now=None) -> timedelta | None:
    """How long the oldest message still waiting to go has waited (None: nothing waits)."""
    oldest = (
        OutboundMessage.objects.filter(status__in=WAITING_STATUSES)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    return None if oldest is None else (now or timezone.now()) - oldest


def is_our_message_id(message_id: str) -> bool:
    """Whether a Message-ID has the shape of one we gave (a message of ours come back is a loop)."""
    return bool(OutboundMessage.MESSAGE_ID_PATTERN.match(message_id))


def our_messages_among(message_ids: list[str]) -> dict[str, OutboundMessage]:
    """{Message-ID: our message} for those of the given Message-IDs that we sent, in one query (with
    its reference, and the reply address it gave, if any).

    The digest in the ID must match the row's: an ID made up with a guessed row number is not ours."""
    numbers = {}
    for message_id in message_ids:
        if found := OutboundMessage.MESSAGE_ID_PATTERN.match(message_id):
            numbers[int(found.group(1))] = message_id
    if not numbers:
        return {}
    rows = OutboundMessage.objects.filter(pk__in=numbers).only(
        "pk", "idempotency_key", "reference", "reply_to"
    )
    return {numbers[row.pk]: row for row in rows if row.message_id == numbers[row.pk]}
