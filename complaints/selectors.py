"""Reads that pages need, each in a fixed number of queries."""

from django.db.models import Prefetch, QuerySet

from complaints.models import Attachment, Complaint, TimelineEntry


def customer_timeline(*, complaint: Complaint) -> list[TimelineEntry]:
    """What the customer sees of their complaint's history, oldest first, with its files: never internal notes."""
    return list(
        TimelineEntry.objects.filter(complaint=complaint, kind__in=TimelineEntry.CUSTOMER_VISIBLE_KINDS)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
    )


def staff_timeline(*, complaint: Complaint) -> list[TimelineEntry]:
    """Every entry, internal notes included, newest first, with authors and files."""
    return list(
        TimelineEntry.objects.filter(complaint=complaint)
        .select_related("author")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def complaint_attachment(*, complaint: Complaint, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(complaint=complaint, pk=attachment_id).first()


def complaints_for_admin_list() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("logged_by", "assigned_to")
