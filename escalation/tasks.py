"""Celery tasks of the escalation engine. Thin: they take plain values and call one function."""

import logging
from datetime import date

from celery import shared_task
from celery.signals import worker_ready

from escalation.calendar_changes import refresh_clocks_after_calendar_change
from escalation.reporting import refresh_report_figures
from escalation.retention import anonymise_expired_complaints
from escalation.sweep import run_deadline_sweep

logger = logging.getLogger(__name__)


# Longer limits than the default: a sweep over many complaints, the nightly anonymisation.
@shared_task(soft_time_limit=900, time_limit=960)
def enforce_deadlines_task() -> dict:
    report = run_deadline_sweep()
    return {"skipped": report.skipped, "problems": len(report.problems), **report.notices_by_kind()}


@shared_task(soft_time_limit=1800, time_limit=1860)
def anonymise_expired_complaints_task() -> int:
    return len(anonymise_expired_complaints().anonymised)


@shared_task(soft_time_limit=300, time_limit=330)
def refresh_report_figures_task() -> int:
    return refresh_report_figures()


@worker_ready.connect
def refresh_report_figures_when_a_worker_starts(sender, **kwargs) -> None:
    """So that the report pages have figures soon after a deployment, not only after beat's first interval."""
    refresh_report_figures_task.delay()


@shared_task
def refresh_clocks_after_calendar_change_task(changed_day: str) -> int:
    return refresh_clocks_after_calendar_change(changed_day=date.fromisoformat(changed_day))


def schedule_clock_refresh(changed_day: date) -> None:
    """Recompute in a worker; with the broker down, do it here rather than leave due dates wrong."""
    try:
        refresh_clocks_after_calendar_change_task.delay(changed_day.isoformat())
    except Exception:  # kombu raises several types for an unreachable broker
        logger.warning("Broker unavailable; recomputing clocks after the calendar change in-process")
        refresh_clocks_after_calendar_change(changed_day=changed_day)
