from datetime import timedelta

from django.utils import timezone

from complaints.models import Complaint
from complaints.services import file_complaint
from tests.complaints.factories import complaint_form_data


def filed_complaint(*, days_ago: int = 0, logged_by=None, **overrides) -> Complaint:
    """A complaint filed through the real service (so with its clocks), first received `days_ago` days ago."""
    data = complaint_form_data(postcode="CB5 8LA", **overrides)
    complaint = file_complaint(
        **data,
        channel=Complaint.Channel.PHONE if days_ago else Complaint.Channel.PORTAL,
        first_received_at=timezone.now() - timedelta(days=days_ago),
        logged_by=logged_by,
    )
    complaint.refresh_from_db()
    return complaint
