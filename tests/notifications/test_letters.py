"""Letters as PDF, call tasks for customers who prefer phone, and the staff actions on both."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from pypdf import PdfReader

from complaints.models import Complaint
from notifications.delivery import deliver_message
from notifications.letters import render_letters_pdf
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import filed_complaint
from tests.notifications.factories import OutboundMessageFactory
from tests.notifications.pdf import font_sizes

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def test_letters_render_as_one_pdf_with_a_page_each():
    letters = [
        OutboundMessageFactory(
            channel=OutboundMessage.Channel.LETTER,
            reference=f"NS-TEST-000{number}",
            recipient_name=f"Customer {number}",
            recipient_postal_address="1 High Street\nCambridge\nCB5 8LA",
            subject="About your complaint",
            body_text="Dear customer,\n\nWe owe you £20 – sorry.\n\nNetservers",
            context={"company": {"name": "Netservers Ltd.", "address_lines": ["21 Signet Court"]}},
        )
        for number in (1, 2)
    ]
    pdf = render_letters_pdf(letters)
    assert pdf.startswith(b"%PDF")
    pages = pdf_text(pdf)
    assert len(pages) == 2
    assert "NS-TEST-0001" in pages[0]
    assert "Customer 2" in pages[1]
    assert "£20" in pages[0]
    assert "21 Signet Court" in pages[0]


def test_a_customer_who_prefers_letters_gets_a_letter_even_with_an_email_address():
    complaint = filed_complaint(reply_preference=Complaint.ReplyPreference.LETTER)
    message = OutboundMessage.objects.get(reference=complaint.reference)
    assert message.channel == OutboundMessage.Channel.LETTER
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.AWAITING_POST


def test_a_customer_who_prefers_phone_gets_it_in_writing_and_a_call_task_for_staff():
    complaint = filed_complaint(reply_preference=Complaint.ReplyPreference.PHONE)
    messages = {m.channel: m for m in OutboundMessage.objects.filter(reference=complaint.reference)}
    assert set(messages) == {OutboundMessage.Channel.EMAIL, OutboundMessage.Channel.CALL}
    call = messages[OutboundMessage.Channel.CALL]
    assert call.recipient_phone == complaint.phone
    deliver_message(message_id=call.pk)
    call.refresh_from_db()
    assert call.status == OutboundMessage.Status.AWAITING_CALL


def test_staff_print_letters_and_mark_calls_made_in_the_admin(client):
    staff = StaffUserFactory()
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["view_outboundmessage", "change_outboundmessage"])
    )
    client.force_login(staff)
    complaint = filed_complaint(reply_preference=Complaint.ReplyPreference.LETTER)
    letter = OutboundMessage.objects.get(reference=complaint.reference)
    changelist = reverse("admin:notifications_outboundmessage_changelist")
    response = client.post(changelist, {"action": "print_letters", "_selected_action": [letter.pk]})
    assert response["Content-Type"] == "application/pdf"
    assert complaint.reference in pdf_text(response.content)[0]

    caller = filed_complaint(reply_preference=Complaint.ReplyPreference.PHONE)
    call = OutboundMessage.objects.get(reference=caller.reference, channel=OutboundMessage.Channel.CALL)
    deliver_message(message_id=call.pk)
    client.post(changelist, {"action": "mark_calls_made", "_selected_action": [call.pk]})
    call.refresh_from_db()
    assert call.status == OutboundMessage.Status.SENT


def test_a_customer_who_asked_for_large_print_gets_every_letter_in_16_point_or_larger():
    complaint = filed_complaint(
        reply_preference=Complaint.ReplyPreference.LETTER,
        adjustments=[Complaint.Adjustment.LARGE_PRINT],
    )
    [letter] = OutboundMessage.objects.filter(
        reference=complaint.reference, channel=OutboundMessage.Channel.LETTER
    )
    assert min(font_sizes(render_letters_pdf([letter]))) >= 16
    ordinary = filed_complaint(reply_preference=Complaint.ReplyPreference.LETTER)
    [usual] = OutboundMessage.objects.filter(
        reference=ordinary.reference, channel=OutboundMessage.Channel.LETTER
    )
    assert max(font_sizes(render_letters_pdf([usual]))) < 16


def test_welsh_letters_keep_their_circumflexed_w_and_y():
    """Helvetica has no ŵ or ŷ: a letter printed them as boxes ("a all edrych ar g■yn")."""
    complaint = filed_complaint(
        customer_name="Gwenllian ap Dŵr",
        postal_address="Tŷ Gwyn\nFfordd y Dŵr\nAberystwyth",
        reply_preference=Complaint.ReplyPreference.LETTER,
    )
    [letter] = OutboundMessage.objects.filter(
        reference=complaint.reference, channel=OutboundMessage.Channel.LETTER
    )
    text = " ".join(pdf_text(render_letters_pdf([letter])))
    assert "Gwenllian ap Dŵr" in text
    assert "Tŷ Gwyn" in text
    assert "■" not in text
