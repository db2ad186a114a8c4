from datetime import datetime, timedelta

from django.db.models import Count, QuerySet
from django.utils import timezone

from complaints.models import Complaint, TimelineEntry
from escalation import reporting
from escalation.models import RootCause
from integrations.models import WebhookDelivery
from notifications.outbox_rows import task_lost_before


def complaints_for_api(filters: dict) -> QuerySet:
    """Complaints with their clocks and owner (one query a page), narrowed by the list's checked filters."""
    complaints = Complaint.objects.select_related("escalation", "assigned_to").filter(
        escalation__isnull=False
    )
    lookups = {
        "status": "status",
        "stage": "escalation__stage",
        "category": "category",
        "channel": "channel",
        "next_deadline_before": "escalation__next_deadline__lte",
        "next_deadline_after": "escalation__next_deadline__gte",
        "updated_since": "updated_at__gte",
    }
    complaints = complaints.filter(
        **{lookups[name]: value for name, value in filters.items() if name in lookups}
    )
    if filters.get("assigned") is not None:
        complaints = complaints.filter(assigned_to__isnull=not filters["assigned"])
    return complaints


# Changes to the record itself stay off the API: they can say what helps the customer (large print,
# no calls), which belongs to the needs register.
NOT_THROUGH_THE_API = (TimelineEntry.Kind.RECORD_CHANGED, TimelineEntry.Kind.RECORD_CORRECTED)


def timeline_for_api(complaint: Complaint, *, internal: bool) -> QuerySet:
    entries = TimelineEntry.objects.filter(complaint=complaint).exclude(kind__in=NOT_THROUGH_THE_API)
    entries = entries.select_related("author")
    return entries if internal else entries.filter(kind__in=TimelineEntry.CUSTOMER_VISIBLE_KINDS)


def monthly_figures(*, by: str):
    """The monthly report's rows and when they were computed (reporting.stored_monthly_report)."""
    return reporting.stored_monthly_report(by=by)


# A waiting delivery younger than this is probably still on its way through the broker.
REQUEUE_AFTER = timedelta(minutes=2)


def webhook_delivery_ids_to_requeue(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Waiting deliveries whose task has gone missing: due a while ago and still waiting. One with a
    next try to come has a task that comes back for it, and is left alone."""
    cutoff = (now or timezone.now()) - REQUEUE_AFTER
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING)
        .filter(task_lost_before(cutoff))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def root_causes_in_use() -> QuerySet:
    return (
        RootCause.objects.filter(active=True, group__active=True)
        .select_related("group")
        .order_by("group__name", "name")
    )


def webhook_delivery_counts() -> dict[str, int]:
    """How many webhook deliveries are in each status (for the metrics): one grouped query."""
    rows = WebhookDelivery.objects.order_by().values_list("status").annotate(count=Count("pk"))
    return dict.fromkeys(WebhookDelivery.Status.values, 0) | dict(rows)
