"""A customer answers our e-mail from their mail program; the reply reaches our SMTP server and
appears on their complaint page, without the history their mail program quoted."""

import smtplib
from urllib.parse import urlsplit

import pytest

from complaints.models import InboundEmail
from complaints.services import file_complaint
from notifications.models import OutboundMessage
from tests.browser.support import screenshot
from tests.complaints.factories import complaint_form_data
from tests.complaints.inbound import corpus
from tests.complaints.inbound.servers import inbound_smtp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customers_emailed_reply_appears_on_their_complaint_page(live_server, page, database_url):
    complaint = file_complaint(**complaint_form_data(customer_name="Siân Williams", email="sian@example.com"))
    acknowledgement = OutboundMessage.objects.get(
        reference=complaint.reference, template_key="complaint_acknowledgement"
    )

    # Their mail program answers to the Reply-To and quotes our message under the new text.
    reply = corpus.gmail_reply(
        sender="sian@example.com",
        to=acknowledgement.reply_to,
        in_reply_to=acknowledgement.message_id,
        subject=f"Re: {acknowledgement.subject}",
        text="Thank you. It dropped again at 8pm last night 😠",
    )
    with inbound_smtp(database_url) as port, smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("sian@example.com", [acknowledgement.reply_to], reply)
    assert InboundEmail.objects.get().complaint == complaint

    page.goto(live_server.url + urlsplit(acknowledgement.context["tracking_url"]).path)
    page.get_by_role("heading", name=complaint.reference).wait_for()
    message = page.locator(".timeline-customer_message")
    assert "You wrote" in message.inner_text()
    assert "Thank you. It dropped again at 8pm last night 😠" in message.inner_text()
    assert corpus.OUR_QUOTE not in page.content()  # the quoted history is not repeated
    screenshot(page, "complaint-page-emailed-reply")
