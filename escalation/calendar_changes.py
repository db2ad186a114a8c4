"""When staff close or open a day, the stored due dates that counted across it move."""

import logging
from datetime import date

from django.db.models import Q

from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from escalation.models import Escalation
from escalation.services import refresh_clocks
from escalation.working_days import forget_working_calendars

logger = logging.getLogger(__name__)


def refresh_clocks_after_calendar_change(*, changed_day: date) -> int:
    """Recompute the clocks of open complaints with a working-day due date on or after `changed_day`."""
    forget_working_calendars()
    affected = (
        Escalation.objects.filter(complaint__status__in=OPEN_STATUSES)
        .filter(
            Q(acknowledgement_due__gte=changed_day)
            | Q(stage_one_due__gte=changed_day)
            | Q(stage_two_response_due__gte=changed_day)
        )
        .values_list("pk", flat=True)
    )
    count = 0
    for complaint_id in affected.iterator(chunk_size=500):
        refresh_clocks(complaint=Complaint(pk=complaint_id))
        count += 1
    logger.info("Calendar change on %s: recomputed the clocks of %s complaints", changed_day, count)
    return count
