"""Every write to the staff's calendar adjustments: the due dates counted across a changed day follow."""

from datetime import date

from django.db import transaction
from django.db.models import QuerySet

from escalation.models import CalendarAdjustment
from escalation.tasks import schedule_clock_refresh
from escalation.working_days import forget_working_calendars


@transaction.atomic
def save_calendar_adjustment(
    *, adjustment: CalendarAdjustment, by, previous_day: date | None = None
) -> CalendarAdjustment:
    """Add (or change) a closure or a worked holiday; a moved day changes the dates across both days."""
    adjustment.created_by = adjustment.created_by or by
    adjustment.save()
    _calendar_changed(min(adjustment.day, previous_day or adjustment.day))
    return adjustment


@transaction.atomic
def remove_calendar_adjustments(*, adjustments: QuerySet[CalendarAdjustment], by) -> int:
    """Take closures or worked holidays away again; returns how many."""
    earliest = min(adjustments.values_list("day", flat=True), default=None)
    removed, _ = adjustments.delete()
    if earliest is not None:
        _calendar_changed(earliest)
    return removed


def _calendar_changed(changed_day: date) -> None:
    forget_working_calendars()  # this process at once; others within a minute
    transaction.on_commit(lambda: schedule_clock_refresh(changed_day))
