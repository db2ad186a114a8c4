"""Reads that pages need, each in a fixed number of queries."""

from dataclasses import dataclass
from functools import cache

from django.db import connection
from django.db.models import Count, Prefetch, QuerySet

from complaints.models import Attachment, Complaint, InboundEmail, TimelineEntry


@dataclass(frozen=True)
class FileLink:
    """A file on a timeline entry, as the customer's page lists it."""

    pk: int
    original_name: str
    size: int


def customer_timeline(*, complaint: Complaint) -> list[TimelineEntry]:
    """What the customer sees of their complaint's history, oldest first, each entry with its
    `files`: never internal notes.

    One query, the entries joined to their files, written as SQL once: this is the busiest page
    of the portal, and building the same query through the ORM on every request cost three times
    what running it does (measured: 0.2 ms against 0.7 ms). The model's fields are read through
    `raw()`, so dates come back converted as anywhere else. Only id, kind, body and created_at are
    loaded: any other field (the author, the complaint) would cost a query per entry.
    """
    entries: dict[int, TimelineEntry] = {}
    for row in TimelineEntry.objects.raw(
        _customer_timeline_sql(), [complaint.pk, *TimelineEntry.CUSTOMER_VISIBLE_KINDS]
    ):
        entry = entries.setdefault(row.pk, row)
        if entry is row:
            entry.files = []
        if row.file_id is not None:
            entry.files.append(FileLink(pk=row.file_id, original_name=row.file_name, size=row.file_size))
    return list(entries.values())


@cache
def _customer_timeline_sql() -> str:
    quote = connection.ops.quote_name
    entry, attachment = TimelineEntry._meta, Attachment._meta

    def column(meta, name):
        return quote(meta.get_field(name).column)

    kinds = ", ".join(["%s"] * len(TimelineEntry.CUSTOMER_VISIBLE_KINDS))
    # Only the models' own table and column names go into the text; every value is a parameter.
    return (
        f"SELECT e.{column(entry, 'id')}, e.{column(entry, 'kind')}, e.{column(entry, 'body')}, "  # noqa: S608
        f"e.{column(entry, 'created_at')}, a.{column(attachment, 'id')} AS file_id, "
        f"a.{column(attachment, 'original_name')} AS file_name, a.{column(attachment, 'size')} AS file_size "
        f"FROM {quote(entry.db_table)} e LEFT OUTER JOIN {quote(attachment.db_table)} a "
        f"ON a.{column(attachment, 'timeline_entry')} = e.{column(entry, 'id')} "
        f"WHERE e.{column(entry, 'complaint')} = %s AND e.{column(entry, 'kind')} IN ({kinds}) "
        f"ORDER BY e.{column(entry, 'created_at')}, e.{column(entry, 'id')}, a.{column(attachment, 'id')}"
    )


def staff_timeline(*, complaint: Complaint) -> list[TimelineEntry]:
    """Every entry, internal notes included, newest first, with authors, files, the e-mail an entry
    came from (without its raw message, which only its own download reads) and the complaint a merge
    moved it from."""
    return list(
        TimelineEntry.objects.filter(complaint=complaint)
        .select_related("author", "email", "moved_from")
        .defer("email__raw")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("-created_at", "-pk")
    )


def complaint_attachment(*, complaint: Complaint, attachment_id: int) -> Attachment | None:
    return Attachment.objects.filter(complaint=complaint, pk=attachment_id).first()


def complaints_for_admin_list() -> QuerySet[Complaint]:
    return Complaint.objects.select_related("logged_by", "assigned_to")


def inbound_email_counts() -> dict[str, int]:
    """E-mails received, by what became of them (quarantined: waiting for staff), for the metrics."""
    rows = InboundEmail.objects.order_by().values_list("outcome").annotate(count=Count("pk"))
    return dict(rows)
