"""How escalation hears of complaint events and of notices sent (complaints and notifications never
import escalation): one service each."""

from django.dispatch import receiver

from complaints.models import Complaint
from complaints.signals import (
    complaint_details_changed,
    complaint_filed,
    complaint_status_changed,
    complaints_merged,
)
from escalation import merges, satisfaction, services
from notifications.signals import message_sent

# What the clocks are computed from, beyond the status.
CLOCK_INPUTS = {"category", "first_received_at"}


@receiver(complaint_filed, dispatch_uid="escalation_start_clocks")
def start_clocks(sender, complaint, **kwargs):
    services.start_clocks(complaint=complaint)


@receiver(complaint_status_changed, dispatch_uid="escalation_note_status_change")
def note_status_change(sender, complaint, old_status, new_status, by=None, note="", **kwargs):
    services.note_status_change(
        complaint=complaint, old_status=old_status, new_status=new_status, by=by, note=note
    )


@receiver(complaint_status_changed, dispatch_uid="escalation_invite_to_survey")
def invite_to_survey(sender, complaint, new_status, **kwargs):
    if new_status == Complaint.Status.RESOLVED:
        satisfaction.invite_to_survey(complaint=complaint, trigger=satisfaction.Trigger.RESOLVED)


@receiver(complaint_details_changed, dispatch_uid="escalation_note_details_changed")
def note_details_changed(sender, complaint, fields, **kwargs):
    if fields & CLOCK_INPUTS:
        services.note_details_changed(complaint=complaint)


@receiver(complaints_merged, dispatch_uid="escalation_note_merge")
def note_merge(sender, duplicate, primary, by=None, **kwargs):
    merges.note_merge(duplicate=duplicate, primary=primary, by=by)


@receiver(message_sent, dispatch_uid="escalation_record_notice_sent")
def record_notice_sent(sender, message, **kwargs):
    services.record_notice_sent(
        reference=message.reference,
        template_key=message.template_key,
        channel=message.channel,
        sent_at=message.sent_at,
        context=message.context,
    )
