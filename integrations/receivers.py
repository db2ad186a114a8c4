"""How the webhooks hear of events (complaints and escalation never import integrations): each
signal, sent inside the writing transaction, becomes deliveries written in that transaction."""

from django.dispatch import receiver

from complaints.signals import complaint_filed, complaint_status_changed, customer_message_received
from escalation import signals as escalation_signals
from escalation.stages import Stage
from integrations import webhooks
from integrations.webhook_outbox import publish, publish_all


@receiver(complaint_filed, dispatch_uid="integrations_complaint_filed")
def on_complaint_filed(sender, complaint, **kwargs):
    publish(webhooks.complaint_filed(complaint, stage=Stage.DIRECT_CONTACT))


@receiver(complaint_status_changed, dispatch_uid="integrations_status_changed")
def on_status_changed(sender, complaint, old_status, new_status, **kwargs):
    publish(webhooks.status_changed(complaint, old_status=old_status, new_status=new_status))


@receiver(customer_message_received, dispatch_uid="integrations_customer_message")
def on_customer_message(sender, complaint, entry, **kwargs):
    publish(webhooks.customer_message_received(complaint, entry))


@receiver(escalation_signals.stage_changed, dispatch_uid="integrations_stage_changed")
def on_stage_changed(sender, complaint, from_stage, to_stage, **kwargs):
    publish(webhooks.stage_changed(complaint, from_stage=from_stage, to_stage=to_stage))


@receiver(escalation_signals.deadlines_overdue, dispatch_uid="integrations_deadlines_overdue")
def on_deadlines_overdue(sender, overdue, **kwargs):
    publish_all(
        [
            webhooks.deadline_overdue(each.complaint, deadline=each.kind, due=each.due, stage=each.stage)
            for each in overdue
        ]
    )


@receiver(escalation_signals.adr_letter_sent, dispatch_uid="integrations_adr_letter_sent")
def on_adr_letter_sent(sender, complaint, sent_at, channel, at_deadlock, **kwargs):
    publish(webhooks.adr_letter_sent(complaint, sent_at=sent_at, channel=channel, at_deadlock=at_deadlock))


@receiver(escalation_signals.ombudsman_decision_recorded, dispatch_uid="integrations_ombudsman_decision")
def on_ombudsman_decision(sender, complaint, ombudsman_case, **kwargs):
    publish(webhooks.ombudsman_decision_recorded(complaint, ombudsman_case))
