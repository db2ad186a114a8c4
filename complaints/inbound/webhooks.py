"""Mail in from an e-mail provider's inbound webhook, through django-anymail: the provider POSTs
each message to /inbound/email/<esp>/, anymail checks the provider's signature (and our basic-auth
secret), and the message goes to `receive_email`.

A message that could not be stored makes the request fail (5xx), so the provider retries it.
"""

import logging

from anymail.signals import inbound
from anymail.webhooks.amazon_ses import AmazonSESInboundWebhookView
from anymail.webhooks.brevo import BrevoInboundWebhookView
from anymail.webhooks.mailersend import MailerSendInboundWebhookView
from anymail.webhooks.mailgun import MailgunInboundWebhookView
from anymail.webhooks.mailjet import MailjetInboundWebhookView
from anymail.webhooks.postmark import PostmarkInboundWebhookView
from anymail.webhooks.sendgrid import SendGridInboundWebhookView
from anymail.webhooks.sparkpost import SparkPostInboundWebhookView
from django.conf import settings
from django.http import Http404
from django.views.decorators.csrf import csrf_exempt

from complaints.inbound.receiving import MessageTooLarge, receive_email, record_too_large
from complaints.models import InboundEmail

logger = logging.getLogger(__name__)

INBOUND_VIEWS = {
    "amazon_ses": AmazonSESInboundWebhookView,
    "brevo": BrevoInboundWebhookView,
    "mailersend": MailerSendInboundWebhookView,
    "mailgun": MailgunInboundWebhookView,
    "mailjet": MailjetInboundWebhookView,
    "postmark": PostmarkInboundWebhookView,
    "sendgrid": SendGridInboundWebhookView,
    "sparkpost": SparkPostInboundWebhookView,
}


@csrf_exempt
def inbound_webhook(request, esp: str):
    """The provider's inbound webhook, for the providers named in INBOUND_WEBHOOK_ESPS only."""
    if esp not in settings.INBOUND_WEBHOOK_ESPS or esp not in INBOUND_VIEWS:
        raise Http404
    return INBOUND_VIEWS[esp].as_view()(request)


def receive_from_esp(sender, event, esp_name, **kwargs) -> None:
    """anymail's `inbound` signal: one message the provider received for us."""
    message = event.message
    recipients = (message.envelope_recipient,) if message.envelope_recipient else ()
    raw = message.as_bytes()
    try:
        receive_email(raw, received_via=InboundEmail.Via.WEBHOOK, recipients=recipients)
    except MessageTooLarge:
        # The provider sending it again would not make it smaller, and nobody has told the sender.
        logger.warning(
            "An e-mail from the provider's webhook is too large to take in", extra={"esp": esp_name}
        )
        record_too_large(raw, received_via=InboundEmail.Via.WEBHOOK, recipients=recipients)


def connect_inbound_webhooks() -> None:
    inbound.connect(receive_from_esp, dispatch_uid="complaints.inbound.receive_from_esp")
