"""What each webhook event's body is, for the OpenAPI schema's `webhooks` (OAS 3.1) and the docs
page: SPECTACULAR_SETTINGS["WEBHOOKS"] names each event's. The tests check real events against it."""

from drf_spectacular.utils import OpenApiResponse, OpenApiWebhook, extend_schema
from rest_framework import serializers

from complaints.models import Complaint
from escalation.clocks import DeadlineKind
from escalation.models import OmbudsmanCase
from escalation.stages import Stage
from integrations.models import WebhookEvent


class FiledData(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.ChoiceField(choices=Complaint.Status.choices)
    stage = serializers.ChoiceField(choices=Stage.choices)
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices)
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    first_received_at = serializers.DateTimeField()


class StatusChangedData(serializers.Serializer):
    reference = serializers.CharField()
    previous_status = serializers.ChoiceField(choices=Complaint.Status.choices)
    status = serializers.ChoiceField(choices=Complaint.Status.choices)


class StageChangedData(serializers.Serializer):
    reference = serializers.CharField()
    previous_stage = serializers.ChoiceField(choices=Stage.choices)
    stage = serializers.ChoiceField(choices=Stage.choices)


class DeadlineOverdueData(serializers.Serializer):
    reference = serializers.CharField()
    deadline = serializers.ChoiceField(
        choices=[kind for kind in DeadlineKind.choices if kind[0] != DeadlineKind.ADR_LETTER]
    )
    due = serializers.DateField()
    stage = serializers.ChoiceField(choices=Stage.choices)


class AdrLetterSentData(serializers.Serializer):
    reference = serializers.CharField()
    sent_at = serializers.DateTimeField()
    channel = serializers.ChoiceField(choices=["email", "letter"])
    at_deadlock = serializers.BooleanField(help_text="Sent because we gave our final position (deadlock).")


class OmbudsmanDecisionData(serializers.Serializer):
    reference = serializers.CharField()
    decision_on = serializers.DateField()
    customer_response = serializers.ChoiceField(
        choices=[choice for choice in OmbudsmanCase.CustomerResponse.choices if choice[0]], allow_null=True
    )
    remedy_due = serializers.DateField(allow_null=True, help_text="Set when the customer accepted it.")


class CustomerMessageData(serializers.Serializer):
    reference = serializers.CharField()
    entry_id = serializers.IntegerField(
        help_text="The timeline entry with the message: read it through the API."
    )
    received_at = serializers.DateTimeField()


DATA = {
    WebhookEvent.COMPLAINT_FILED: FiledData,
    WebhookEvent.COMPLAINT_STATUS_CHANGED: StatusChangedData,
    WebhookEvent.COMPLAINT_STAGE_CHANGED: StageChangedData,
    WebhookEvent.COMPLAINT_DEADLINE_OVERDUE: DeadlineOverdueData,
    WebhookEvent.ADR_LETTER_SENT: AdrLetterSentData,
    WebhookEvent.OMBUDSMAN_DECISION_RECORDED: OmbudsmanDecisionData,
    WebhookEvent.CUSTOMER_MESSAGE_RECEIVED: CustomerMessageData,
}

SIGNED = (
    "Signed (Standard Webhooks): `webhook-id` is the event's id, the same on every attempt; "
    "`webhook-timestamp` the attempt's time; `webhook-signature` `v1,<base64 HMAC-SHA256 of "
    '"id.timestamp.body">`. Answer 2xx; anything else is tried again (README, "Webhooks out").'
)


def _envelope(event: WebhookEvent) -> type[serializers.Serializer]:
    name = "".join(part.title() for part in event.value.replace(".", "_").split("_")) + "Event"
    return type(
        name,
        (serializers.Serializer,),
        {
            "id": serializers.UUIDField(help_text="Drop an event whose id you have seen."),
            "type": serializers.ChoiceField(choices=[event.value]),
            "timestamp": serializers.DateTimeField(help_text="When it happened."),
            "data": DATA[event](),
        },
    )


def _webhook(event: WebhookEvent) -> OpenApiWebhook:
    return OpenApiWebhook(
        name=event.value,
        decorator=extend_schema(
            summary=str(event.label),
            description=SIGNED,
            request=_envelope(event),
            responses={200: OpenApiResponse(description="Received (any 2xx).")},
        ),
    )


# One name each: the schema's settings import them by path.
COMPLAINT_FILED = _webhook(WebhookEvent.COMPLAINT_FILED)
COMPLAINT_STATUS_CHANGED = _webhook(WebhookEvent.COMPLAINT_STATUS_CHANGED)
COMPLAINT_STAGE_CHANGED = _webhook(WebhookEvent.COMPLAINT_STAGE_CHANGED)
COMPLAINT_DEADLINE_OVERDUE = _webhook(WebhookEvent.COMPLAINT_DEADLINE_OVERDUE)
ADR_LETTER_SENT = _webhook(WebhookEvent.ADR_LETTER_SENT)
OMBUDSMAN_DECISION_RECORDED = _webhook(WebhookEvent.OMBUDSMAN_DECISION_RECORDED)
CUSTOMER_MESSAGE_RECEIVED = _webhook(WebhookEvent.CUSTOMER_MESSAGE_RECEIVED)
