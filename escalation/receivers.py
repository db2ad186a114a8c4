"""How escalation hears of complaint events (complaints never imports escalation): one service each."""

from django.dispatch import receiver

from complaints.signals import complaint_filed, complaint_status_changed
from escalation import services


@receiver(complaint_filed, dispatch_uid="escalation_start_clocks")
def start_clocks(sender, complaint, **kwargs):
    services.start_clocks(complaint=complaint)


@receiver(complaint_status_changed, dispatch_uid="escalation_note_status_change")
def note_status_change(sender, complaint, new_status, **kwargs):
    services.note_status_change(complaint=complaint, new_status=new_status)
