from datetime import timedelta

from django.contrib.auth.models import Group
from django.test import TestCase
from django.utils import timezone

from complaints.models import Complaint
from complaints.services import file_complaint
from escalation import redress, services
from escalation.clocks import REMIND_WORKING_DAYS_BEFORE
from escalation.models import Outcome, RootCause, RootCauseGroup
from escalation.working_days import add_working_days, is_working_day
from tests.complaints.factories import StaffUserFactory, complaint_form_data


def filed_complaint(
    *, days_ago: int = 0, logged_by=None, acknowledged: bool = True, **overrides
) -> Complaint:
    """A complaint filed through the real service (so with its clocks), first received `days_ago` days ago.

    As a worker would, the acknowledgement is delivered (an e-mail sent; a letter stays waiting to
    be posted), unless `acknowledged=False` leaves the outbox as filing left it.
    """
    data = complaint_form_data(postcode="CB5 8LA", **overrides)
    with TestCase.captureOnCommitCallbacks(execute=acknowledged):
        complaint = file_complaint(
            **data,
            channel=Complaint.Channel.PHONE if days_ago else Complaint.Channel.PORTAL,
            # Local days: 42 days before 23:30 in November is 23:30 on a BST day, not 00:30 the day after.
            first_received_at=timezone.localtime() - timedelta(days=days_ago),
            by=logged_by,
        )
    complaint.refresh_from_db()
    return complaint


def referral_with_a_reminder_due_today(*, assigned_to, **overrides) -> Complaint:
    """A stage 2 referral, assigned to `assigned_to`, whose response the sweep reminds them of today:
    due today on a working day, else due in 2 working days (no response falls due on a weekend or a
    bank holiday, so on those days only the "2 working days before" reminder can be sent)."""
    today = timezone.localdate()
    due = today if is_working_day(today) else add_working_days(today, REMIND_WORKING_DAYS_BEFORE)
    arrived = next(
        day for day in (due - timedelta(days=n) for n in range(10, 30)) if add_working_days(day, 10) == due
    )
    complaint = filed_complaint(days_ago=(today - arrived).days + 2, **overrides)
    complaint.assigned_to = assigned_to
    complaint.save(update_fields=["assigned_to"])
    services.propose_resolution(complaint=complaint, by=assigned_to, resolution="A credit.")
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.LETTER,
        reply_preference=Complaint.ReplyPreference.EMAIL,
        received_on=arrived,
        by=assigned_to,
    )
    return complaint


def staff_member(role: str, **fields):
    """A staff user in one of the roles of escalation/roles.py (the groups exist after migrate)."""
    user = StaffUserFactory(**fields)
    user.groups.add(Group.objects.get(name=role))
    return user


def root_cause(group: str = "Fault", name: str = "Repeated line drop") -> RootCause:
    """A root cause of the taxonomy (made here: a test that flushes the database drops the seeded one)."""
    group_row, _ = RootCauseGroup.objects.get_or_create(name=group)
    return RootCause.objects.get_or_create(group=group_row, name=name)[0]


def conclusion(outcome: str = Outcome.UPHELD, **cause) -> dict:
    """The root cause and outcome that every action ending a complaint needs, as its keyword arguments."""
    return {"root_cause": root_cause(**cause), "outcome": outcome}


def conclude(complaint: Complaint, *, by=None, **kwargs) -> None:
    """Record a root cause and outcome ahead of a change of status that ends the complaint."""
    redress.record_conclusion(complaint=complaint, by=by, **conclusion(**kwargs))
