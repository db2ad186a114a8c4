"""The needs register's rules: consent before anything is recorded, a review 12 months on, and the
list of reviews due that the team is sent each day. The writes are in services (filing) and
record_changes (staff changes); this module holds what both follow."""

import calendar
from collections import Counter
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, SupportNeeds
from complaints.workflow import OPEN_STATUSES
from notifications.models import OutboundMessage
from notifications.services import queue_notification_once

REVIEW_AFTER_MONTHS = 12
NO_CONSENT = "We need the customer's agreement to record their needs: tick the box, or leave the needs empty."


def review_date_after(given: date, months: int = REVIEW_AFTER_MONTHS) -> date:
    """The same day `months` later; the month's last day when it has no such day (29 February)."""
    years, month_index = divmod(given.month - 1 + months, 12)
    year, month = given.year + years, month_index + 1
    return date(year, month, min(given.day, calendar.monthrange(year, month)[1]))


def clean_needs(needs: Iterable[str]) -> list[str]:
    """Known needs, once each, in the list's order (what the form and the admin send, checked again)."""
    given = set(needs)
    unknown = given - set(SupportNeeds.Need.values)
    if unknown:
        raise ValidationError({"needs": f"Unknown needs: {', '.join(sorted(unknown))}"})
    return [need for need in SupportNeeds.Need.values if need in given]


def require_consent(*, needs: list[str], details: str, consent_given_on: date | None) -> None:
    """Nothing is recorded without the date the customer agreed to it."""
    if (needs or details) and consent_given_on is None:
        raise ValidationError({"needs_consent": NO_CONSENT})


def record_values(*, needs: list[str], details: str, consent_given_on: date, review_due_on: date | None):
    """The register's row and the complaint's flags, from what was given."""
    return (
        {
            "needs": needs,
            "details": details,
            "consent_given_on": consent_given_on,
            "review_due_on": review_due_on or review_date_after(consent_given_on),
        },
        {"has_support_needs": True, "relies_on_landline_for_safety": SupportNeeds.Need.TELECARE in needs},
    )


def reviews_due(today: date):
    """Open complaints whose needs record is due for review, oldest review first. A closed
    complaint's record is not reviewed: we no longer deal with the customer about it, and
    retention removes it with the rest."""
    return (
        Complaint.objects.filter(support_needs__review_due_on__lte=today, status__in=OPEN_STATUSES)
        .select_related("support_needs")
        .order_by("support_needs__review_due_on", "pk")
    )


def send_reviews_due(today: date) -> int:
    """Queue the team's list of needs reviews due today or earlier (references only, never a need);
    once a day, however often it runs. The number due."""
    due = list(reviews_due(today).values_list("pk", "reference", "support_needs__review_due_on"))
    if not due:
        return 0
    changelist = settings.PORTAL_BASE_URL + reverse("admin:complaints_complaint_changelist")
    queue_notification_once(
        idempotency_key=f"needs_reviews_due:{today:%Y-%m-%d}",
        reference=f"needs reviews {today:%Y-%m-%d}",
        template_key="needs_reviews_due",
        context={
            "today": f"{today:%-d %B %Y}",
            "review_after": f"{REVIEW_AFTER_MONTHS} months",
            "reviews": [
                {
                    "reference": reference,
                    "due": f"{due_on:%-d %B %Y}",
                    "admin_url": settings.PORTAL_BASE_URL
                    + reverse("admin:complaints_complaint_change", args=[pk]),
                }
                for pk, reference, due_on in due
            ],
            "list_url": f"{changelist}?needs_review=due",
        },
        channel=OutboundMessage.Channel.EMAIL,
        recipient_name="Complaints team",
        recipient_email=settings.COMPLAINTS_TEAM_EMAIL,
    )
    return len(due)


def open_complaint_counts(open_statuses) -> dict:
    """How many open complaints record each need (counted, never named), with the reviews due: one
    query, from the few complaints flagged as having a record (a partial index), not from the
    records joined to every complaint."""
    counted, with_needs, reviews_due = Counter(), 0, 0
    today = timezone.localdate()
    records = Complaint.objects.filter(
        status__in=open_statuses, has_support_needs=True, anonymised_at=None, support_needs__isnull=False
    ).values_list("support_needs__needs", "support_needs__review_due_on")
    # Read at once, not through iterator()'s cursor: PostgreSQL plans a cursor for its first tenth of
    # rows, and read these row by row (84 ms at 100,000 complaints, not 8 ms). They are a few thousand.
    for needs, review_due_on in list(records):
        with_needs += 1
        reviews_due += review_due_on is not None and review_due_on <= today
        counted.update(needs)
    return {
        "with_needs": with_needs,
        "reviews_due": reviews_due,
        "by_need": [(need.label, counted[need.value]) for need in SupportNeeds.Need],
    }


def relying_on_landline_count(open_statuses) -> int:
    """Open complaints of customers who rely on a landline for safety (the managers' dashboard)."""
    return Complaint.objects.filter(status__in=open_statuses, relies_on_landline_for_safety=True).count()


def join_on_merge(*, duplicate: Complaint, primary: Complaint) -> bool:
    """On a merge, what the duplicate's customer told us joins the primary: the adjustments to make,
    and the needs record (moved, or joined with the primary's: every need kept, the earlier consent
    and review dates). A landline that keeps someone safe keeps the primary first in the list.
    Returns whether anything moved."""
    moved = False
    adjustments = [*primary.adjustments, *(a for a in duplicate.adjustments if a not in primary.adjustments)]
    if adjustments != primary.adjustments or (duplicate.call_times and not primary.call_times):
        primary.adjustments = adjustments
        primary.call_times = primary.call_times or duplicate.call_times
        moved = True
    record = SupportNeeds.objects.filter(complaint=duplicate).first()
    if record is not None:
        kept = SupportNeeds.objects.filter(complaint=primary).first()
        if kept is None:
            record.complaint = primary
            record.save(update_fields=["complaint"])
            kept = record
        else:
            kept.needs = clean_needs([*kept.needs, *record.needs])
            kept.details = "\n".join(text for text in (kept.details, record.details) if text)
            kept.consent_given_on = min(kept.consent_given_on, record.consent_given_on)
            kept.review_due_on = min(day for day in (kept.review_due_on, record.review_due_on) if day)
            kept.save()
            record.delete()
        primary.has_support_needs = True
        primary.relies_on_landline_for_safety = SupportNeeds.Need.TELECARE in kept.needs
        duplicate.has_support_needs = duplicate.relies_on_landline_for_safety = False
        duplicate.save(update_fields=["has_support_needs", "relies_on_landline_for_safety"])
        moved = True
    if moved:
        primary.save(
            update_fields=["adjustments", "call_times", "has_support_needs", "relies_on_landline_for_safety"]
        )
    return moved
