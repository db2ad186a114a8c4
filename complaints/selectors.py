"""Reads that pages need, each in a fixed number of queries."""

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from complaints.models import Attachment, Complaint, TimelineEntry


def customer_timeline(*, complaint: Complaint) -> list[TimelineEntry]:
    """What the customer sees of their complaint's history, oldest first, with its files: never internal notes.

    One query, or two when an entry has files (`has_files` says which; only those are fetched).
    """
    entries = list(
        TimelineEntry.objects.filter(
            complaint=complaint, kind__in=TimelineEntry.CUSTOMER_VISIBLE_KINDS
        ).annotate(has_files=Exists(Attachment.objects.filter(timeline_entry=OuterRef("pk"))))
    )
    with_files = [entry for entry in entries if entry.has_files]
    if with_files:
        prefetch_related_objects(
            with_files, Prefetch("attachments", queryset=Attachment.objects.order_by("pk"))
        )
    return entries


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
