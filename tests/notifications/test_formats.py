"""Accessible formats: plain-text e-mail for customers who ask, and the complaints code as a
printable large-print PDF."""

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse

from complaints.models import Complaint
from notifications.delivery import deliver_message
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import filed_complaint
from tests.notifications.pdf import font_sizes, pdf_text

pytestmark = pytest.mark.django_db


def delivered_acknowledgement(complaint):
    message = OutboundMessage.objects.get(
        reference=complaint.reference, template_key="complaint_acknowledgement"
    )
    mail.outbox.clear()
    deliver_message(message_id=message.pk)
    [email] = mail.outbox
    return email


def test_a_customer_who_asked_for_plain_text_gets_e_mail_without_html():
    plain = delivered_acknowledgement(
        filed_complaint(acknowledged=False, adjustments=[Complaint.Adjustment.PLAIN_TEXT_EMAIL])
    )
    assert plain.alternatives == []
    assert "We've received your complaint" in plain.subject
    assert plain.body.strip()
    usual = delivered_acknowledgement(filed_complaint(acknowledged=False))
    assert [mimetype for _, mimetype in usual.alternatives] == ["text/html"]


def test_the_complaints_code_is_a_large_print_pdf_linked_from_its_page(client):
    page = client.get(reverse("complaints_code")).content.decode()
    pdf_url = reverse("complaints_code_pdf")
    assert f'href="{pdf_url}"' in page
    response = client.get(pdf_url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert min(font_sizes(response.content)) >= 16
    text = " ".join(pdf_text(response.content).split())
    assert "Our complaints code" in text
    assert settings.ADR_SCHEME["name"] in text
    assert "18001" in text  # Relay UK
    assert "<" not in text  # no markup left in the words


def test_a_letter_for_a_customer_who_reads_braille_is_flagged_in_the_outbox_and_when_printed(client):
    complaint = filed_complaint(
        reply_preference=Complaint.ReplyPreference.LETTER, adjustments=[Complaint.Adjustment.BRAILLE]
    )
    letter = OutboundMessage.objects.get(
        reference=complaint.reference, channel=OutboundMessage.Channel.LETTER
    )
    client.force_login(StaffUserFactory(is_superuser=True))
    changelist = reverse("admin:notifications_outboundmessage_changelist")
    assert "Braille: have it transcribed" in client.get(changelist).content.decode()
    response = client.post(
        changelist, {"action": "print_letters", "_selected_action": [letter.pk]}, follow=False
    )
    assert response["Content-Type"] == "application/pdf"
    warnings = [str(m) for m in get_messages(response.wsgi_request)]
    assert warnings == [
        f"Not to be posted as printed: {complaint.reference}: Braille: have it transcribed and post the Braille copy"
    ]


def test_the_welsh_large_print_code_keeps_its_circumflexed_w(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "cy"
    text = " ".join(pdf_text(client.get(reverse("complaints_code_pdf")).content).split())
    assert "Ein cod cwynion" in text
    assert "gŵyn" in text
    assert "■" not in text
