"""Merging a duplicate into its primary, and linking related complaints (issue 14, part 3).

A merge keeps one complaint, the primary: the duplicate's timeline entries, files and e-mails move
to it (each entry keeps its date and says where it was first written), the duplicate is closed as
merged and its reference leads the customer to the primary (complaints/access.py), and the primary's
first-received time becomes the earlier of the two, so its clocks and its ADR date follow the
earlier complaint. Nothing is deleted or rewritten: the entries after a merge are the entries of
both before it, plus the records of the merge itself.

Other apps refuse a merge through `add_merge_check` (escalation: a duplicate with the ombudsman,
or deadlocked) and hear of one through `complaints_merged`, so this module needs no import of them.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import duplicates, needs_register, services, workflow
from complaints.models import Attachment, Complaint, InboundEmail, TimelineEntry
from complaints.notices import notify_customer
from complaints.signals import complaint_details_changed, complaints_merged
from complaints.transactions import one_transaction

MERGE_PERMISSION = "complaints.merge_complaint"

MergeCheck = Callable[[Complaint, Complaint], str | None]  # (duplicate, primary) -> why not, or None
_merge_checks: list[MergeCheck] = []


def add_merge_check(check: MergeCheck) -> None:
    """Let another app refuse a merge with its own reason, set once at start-up in its AppConfig.ready."""
    if check not in _merge_checks:
        _merge_checks.append(check)


@dataclass(frozen=True)
class MergeSummary:
    """What a merge will move, for the confirmation page, and whether the two look like one customer's."""

    entries: int
    files: int
    emails: int
    earlier_first_received: bool
    looks_like_the_same_customer: str  # why they match (duplicates.py's words), or "" if they don't


def merge_summary(*, duplicate: Complaint, primary: Complaint) -> MergeSummary:
    """How many entries, files and e-mails a merge of `duplicate` into `primary` would move: three counts."""
    return MergeSummary(
        entries=TimelineEntry.objects.filter(complaint=duplicate).count(),
        files=Attachment.objects.filter(complaint=duplicate).count(),
        emails=InboundEmail.objects.filter(complaint=duplicate).count(),
        earlier_first_received=duplicate.first_received_at < primary.first_received_at,
        looks_like_the_same_customer=duplicates.why_alike(primary, duplicate) or "",
    )


def merge_problem(*, duplicate: Complaint, primary: Complaint, same_customer_confirmed: bool) -> str | None:
    """Why `duplicate` may not be merged into `primary` now, in words for staff; None if it may."""
    if duplicate.pk == primary.pk:
        return "A complaint cannot be merged into itself."
    if primary.status == Complaint.Status.MERGED:
        return f"{primary.reference} was itself merged into another complaint: merge into that one."
    if primary.status in workflow.FINAL_STATUSES:
        return f"{primary.reference} is closed: nothing more can be added to it."
    if primary.status not in workflow.OPEN_STATUSES:
        # The open duplicate would end with it, without the root cause, outcome or clocks an end needs.
        return (
            f"{primary.reference} has ended ({primary.get_status_display().lower()}): merge it into "
            f"{duplicate.reference} instead, or reopen it first."
        )
    if not workflow.can_change_status(duplicate.status, Complaint.Status.MERGED):
        return f"{duplicate.reference} is {duplicate.get_status_display().lower()}: it cannot be merged."
    for complaint in (duplicate, primary):
        if complaint.anonymised_at is not None:
            return f"{complaint.reference}'s personal data has been removed: its record stays as it is."
        if complaint.legal_hold:
            return f"{complaint.reference} is under a legal hold: its record stays as it is."
    if not same_customer_confirmed and not duplicates.why_alike(primary, duplicate):
        return (
            "The two complaints share no e-mail address, account number, or postcode and similar name. "
            "Whoever can follow one will see the other's history: confirm they are the same customer's."
        )
    for check in _merge_checks:
        if (reason := check(duplicate, primary)) is not None:
            return reason
    return None


@one_transaction
def merge_complaints(
    *, duplicate: Complaint, primary: Complaint, by, reason: str, same_customer_confirmed: bool = False
) -> Complaint:
    """Merge `duplicate` into `primary`: its records move across, it is closed as merged, and the
    primary's clocks follow the earlier first-received time of the two. Returns the primary.

    Both complaints are locked in the order of their ids (as any two-complaint write must be), so two
    merges of the same pair, either way round, wait for each other rather than deadlock. Recorded on
    both timelines; the customer is told in their language.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why these are the same complaint."})
    locked = {
        c.pk: c
        for c in Complaint.objects.for_update().filter(pk__in=[duplicate.pk, primary.pk]).order_by("pk")
    }
    duplicate, primary = locked[duplicate.pk], locked[primary.pk]
    problem = merge_problem(
        duplicate=duplicate, primary=primary, same_customer_confirmed=same_customer_confirmed
    )
    if problem is not None:
        raise ValidationError(problem)

    # Entries keep where they were first written (an earlier merge's duplicate, say).
    TimelineEntry.objects.filter(complaint=duplicate, moved_from__isnull=True).update(moved_from=duplicate)
    entries = TimelineEntry.objects.filter(complaint=duplicate).update(complaint=primary)
    files = Attachment.objects.filter(complaint=duplicate).update(complaint=primary)
    emails = InboundEmail.objects.filter(complaint=duplicate).update(complaint=primary)
    # Complaints merged into the duplicate before now lead to the primary: never a chain.
    Complaint.objects.filter(merged_into=duplicate).update(merged_into=primary)
    moved_links = _move_links(duplicate=duplicate, primary=primary)

    primary_fields = ["updated_at"]
    if duplicate.customer_replied_at and (
        primary.customer_replied_at is None or duplicate.customer_replied_at > primary.customer_replied_at
    ):
        primary.customer_replied_at = duplicate.customer_replied_at  # still waiting for our answer
        primary_fields.append("customer_replied_at")
    earlier = duplicate.first_received_at < primary.first_received_at
    previous_first_received = primary.first_received_at
    if earlier:
        primary.first_received_at = duplicate.first_received_at
        primary_fields.append("first_received_at")
    primary.save(update_fields=primary_fields)
    duplicate.merged_into, duplicate.customer_replied_at = primary, None
    duplicate.save(update_fields=["merged_into", "customer_replied_at", "updated_at"])
    needs_moved = needs_register.join_on_merge(duplicate=duplicate, primary=primary)

    moved = f"{entries} timeline entries, {files} files and {emails} e-mails"
    who = services.name_of(by)
    services.record_events(
        kind=TimelineEntry.Kind.MERGED,
        bodies={
            primary.pk: f"Complaint {duplicate.reference} was joined with this one; its history is shown here.",
            duplicate.pk: f"This complaint was joined with {primary.reference}; its history is shown there.",
        },
        by=by,
    )
    services.record_events(
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        bodies={
            primary.pk: f"{duplicate.reference} merged into this complaint by {who}: {moved} moved here"
            + (f", and {moved_links} links" if moved_links else "")
            # Which needs, only those allowed to read the register see; here, only that they moved.
            + (
                ", and what the customer told us helps them (the needs record, the adjustments)"
                if needs_moved
                else ""
            )
            + f". Reason: {reason}",
            duplicate.pk: f"Merged into {primary.reference} by {who}: {moved} moved there. Reason: {reason}",
        },
        by=by,
    )
    if earlier:
        services.record_event(
            complaint=primary,
            kind=TimelineEntry.Kind.RECORD_CORRECTED,
            body=(
                f"First received moved from {_when(previous_first_received)} to "
                f"{_when(primary.first_received_at)}: {duplicate.reference}, merged into this complaint, "
                "reached us then. Every clock runs from the earlier time."
            ),
            by=by,
        )
        complaint_details_changed.send(
            sender=Complaint, complaint=primary, fields={"first_received_at"}, by=by
        )
    services.change_complaint_status(
        complaint=duplicate,
        new_status=Complaint.Status.MERGED,
        by=by,
        note=f"Joined with {primary.reference}.",
    )
    complaints_merged.send(sender=Complaint, duplicate=duplicate, primary=primary, by=by)
    notify_customer(
        complaint=duplicate,
        template_key="complaints_merged",
        event_id=f"merged-into-{primary.reference}",
        extra={"primary_reference": primary.reference},
    )
    return primary


def _move_links(*, duplicate: Complaint, primary: Complaint) -> int:
    others = list(duplicate.related_complaints.exclude(pk=primary.pk))
    primary.related_complaints.add(*others)
    duplicate.related_complaints.clear()
    return len(others)


def _when(moment) -> str:
    return f"{timezone.localtime(moment):%-d %B %Y, %H:%M}"


# --- Links -------------------------------------------------------------------------------------


@one_transaction
def link_complaints(*, complaint: Complaint, other: Complaint, by, reason: str = "") -> Complaint:
    """Relate two complaints without merging them (the same outage, a household's two accounts):
    each lists the other; noted on both timelines."""
    if complaint.pk == other.pk:
        raise ValidationError("A complaint cannot be linked to itself.")
    locked = {
        c.pk: c for c in Complaint.objects.for_update().filter(pk__in=[complaint.pk, other.pk]).order_by("pk")
    }
    complaint, other = locked[complaint.pk], locked[other.pk]
    for each in (complaint, other):
        if each.anonymised_at is not None:
            raise ValidationError(
                f"{each.reference}'s personal data has been removed: its record stays as it is."
            )
        if each.status == Complaint.Status.MERGED:
            raise ValidationError(f"{each.reference} was merged into another complaint: link that one.")
    if complaint.related_complaints.filter(pk=other.pk).exists():
        raise ValidationError(f"{complaint.reference} and {other.reference} are already linked.")
    complaint.related_complaints.add(other)
    _record_link(complaint, other, by=by, what="Linked to", reason=reason)
    return complaint


@one_transaction
def unlink_complaints(*, complaint: Complaint, other: Complaint, by) -> Complaint:
    """Undo a link: neither lists the other any more; noted on both timelines."""
    locked = {
        c.pk: c for c in Complaint.objects.for_update().filter(pk__in=[complaint.pk, other.pk]).order_by("pk")
    }
    complaint, other = locked[complaint.pk], locked[other.pk]
    if not complaint.related_complaints.filter(pk=other.pk).exists():
        raise ValidationError(f"{complaint.reference} and {other.reference} are not linked.")
    complaint.related_complaints.remove(other)
    _record_link(complaint, other, by=by, what="Unlinked from", reason="")
    return complaint


def _record_link(complaint: Complaint, other: Complaint, *, by, what: str, reason: str) -> None:
    why = f" Reason: {' '.join(reason.split())}" if reason.strip() else ""
    services.record_events(
        kind=TimelineEntry.Kind.RECORD_CHANGED,
        bodies={
            complaint.pk: f"{what} {other.reference} by {services.name_of(by)}.{why}",
            other.pk: f"{what} {complaint.reference} by {services.name_of(by)}.{why}",
        },
        by=by,
    )
