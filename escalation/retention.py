"""The retention job: complaints closed (or merged) longer than the retention period lose their personal data.

Never one under a legal hold, nor one whose ADR letter is less than 12 months old (the customer
may still take it to the ombudsman), nor one with an ombudsman remedy still to do.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint
from escalation import clocks, satisfaction
from escalation.models import Escalation

logger = logging.getLogger(__name__)


@dataclass
class RetentionReport:
    anonymised: list[str] = field(default_factory=list)
    dry_run: bool = False


def complaints_past_retention(*, now: datetime | None = None):
    """Resolved or closed longer than the retention period, no hold, ADR window over, nothing owed."""
    now = now or timezone.now()
    closed_before = now - timedelta(days=settings.COMPLAINT_RETENTION_DAYS)
    adr_letter_before = clocks.add_months(timezone.localdate(now), -clocks.ADR_WINDOW_MONTHS)
    return (
        Escalation.objects.filter(
            complaint__status__in=[
                Complaint.Status.RESOLVED,
                Complaint.Status.CLOSED,
                Complaint.Status.MERGED,
            ],
            complaint__legal_hold=False,
            complaint__anonymised_at__isnull=True,
            resolved_at__lt=closed_before,
        )
        .filter(Q(adr_letter_sent_at__isnull=True) | Q(adr_letter_sent_at__date__lt=adr_letter_before))
        .exclude(
            complaint__ombudsman_case__remedy_due__isnull=False,
            complaint__ombudsman_case__remedy_done_on__isnull=True,
        )
        .select_related("complaint")
        .order_by("resolved_at")
    )


def anonymise_expired_complaints(
    *, dry_run: bool = False, now: datetime | None = None, limit: int = 1000
) -> RetentionReport:
    """Anonymise what retention allows (or, in a dry run, list it); each gets a timeline entry."""
    report = RetentionReport(dry_run=dry_run)
    years = settings.COMPLAINT_RETENTION_DAYS / 365.25
    for escalation in complaints_past_retention(now=now)[:limit]:
        complaint = escalation.complaint
        report.anonymised.append(complaint.reference)
        if not dry_run:
            with transaction.atomic():
                complaint_services.anonymise_complaint(
                    complaint=complaint,
                    reason=(
                        f"closed on {timezone.localtime(escalation.resolved_at):%-d %B %Y}, more than "
                        f"{years:g} years ago (retention policy)."
                    ),
                )
                satisfaction.anonymise_survey(complaint=complaint)
    logger.info(
        "Retention: %s %s complaints", "would anonymise" if dry_run else "anonymised", len(report.anonymised)
    )
    return report
