import factory

from notifications.models import OutboundMessage


class OutboundMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OutboundMessage

    idempotency_key = factory.Sequence(lambda n: f"test:{n}")
    reference = "NS-TEST-0001"
    channel = OutboundMessage.Channel.EMAIL
    recipient_name = "Zoë O'Brien"
    recipient_email = "zoe@example.com"
    template_key = "complaint_acknowledgement"
    subject = "Subject"
    body_text = "Body"
