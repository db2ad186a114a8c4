from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints import services, signals
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory, complaint_form_data, pdf_upload, png_upload
from tests.escalation.factories import conclude

pytestmark = pytest.mark.django_db


def file(**overrides):
    return services.file_complaint(**complaint_form_data(postcode="CB5 8LA", **overrides))


def test_filing_records_the_complaint_its_timeline_and_queues_an_acknowledgement():
    complaint = file(attachments=[png_upload(), pdf_upload()])

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RECEIVED
    assert complaint.channel == Complaint.Channel.PORTAL
    assert complaint.logged_by is None
    assert abs(complaint.first_received_at - timezone.now()) < timedelta(seconds=5)
    assert [entry.kind for entry in complaint.timeline.all()] == [TimelineEntry.Kind.FILED]
    assert sorted(a.content_type for a in complaint.attachments.all()) == [
        "application/pdf",
        "image/png",
    ]
    message = OutboundMessage.objects.get()
    assert message.template_key == "complaint_acknowledgement"
    assert message.channel == OutboundMessage.Channel.EMAIL
    assert message.recipient_email == "zoe@example.com"
    assert complaint.reference in message.subject
    assert "/complaints/link/" in message.body_text


def test_a_customer_without_email_is_acknowledged_by_letter():
    complaint = file(email="", reply_preference=Complaint.ReplyPreference.LETTER)

    message = OutboundMessage.objects.get(reference=complaint.reference)
    assert message.channel == OutboundMessage.Channel.LETTER
    assert "CB5 8LA" in message.recipient_postal_address


def test_support_needs_are_kept_apart_and_flagged():
    complaint = file(support_needs="  I use text relay.  ", needs_consent=True)

    assert complaint.has_support_needs
    assert SupportNeeds.objects.get(complaint=complaint).details == "I use text relay."
    assert not file(support_needs="   ").has_support_needs


def test_staff_can_log_an_earlier_first_received_time_and_are_recorded():
    agent = StaffUserFactory()
    earlier = timezone.now() - timedelta(days=3)

    complaint = file(channel=Complaint.Channel.PHONE, first_received_at=earlier, by=agent)

    assert complaint.first_received_at == earlier
    assert complaint.logged_by == agent


def test_first_received_time_cannot_be_in_the_future():
    with pytest.raises(ValidationError):
        file(first_received_at=timezone.now() + timedelta(hours=1))
    assert not Complaint.objects.exists()


def test_filing_sends_the_complaint_filed_signal_inside_the_transaction():
    received = []

    def receiver(sender, complaint, **kwargs):
        received.append(Complaint.objects.filter(pk=complaint.pk).exists())

    signals.complaint_filed.connect(receiver)
    try:
        file()
    finally:
        signals.complaint_filed.disconnect(receiver)
    assert received == [True]


def test_a_reply_is_sent_to_the_customer_and_starts_work():
    agent = StaffUserFactory()
    complaint = file()

    services.reply_to_customer(complaint=complaint, by=agent, body="We've booked an engineer.")

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.IN_PROGRESS
    reply = OutboundMessage.objects.get(template_key="staff_reply")
    assert "We've booked an engineer." in reply.body_text
    kinds = list(complaint.timeline.values_list("kind", flat=True))
    assert kinds == [
        TimelineEntry.Kind.FILED,
        TimelineEntry.Kind.STAFF_REPLY,
        TimelineEntry.Kind.STATUS_CHANGED,
    ]


def test_an_internal_note_sends_nothing():
    complaint = file()
    services.add_internal_note(complaint=complaint, by=StaffUserFactory(), body="Called BT Openreach.")

    assert not OutboundMessage.objects.filter(template_key="staff_reply").exists()
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.INTERNAL_NOTE).count() == 1


def test_a_customer_message_tells_the_team():
    complaint = file()
    services.add_customer_message(complaint=complaint, body="It happened again.", attachments=[png_upload()])

    notice = OutboundMessage.objects.get(template_key="customer_message_received")
    assert notice.recipient_email == "complaints-team@netservers.co.uk"
    assert complaint.reference in notice.subject
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.CUSTOMER_MESSAGE)
    assert entry.attachments.count() == 1


def test_status_changes_follow_the_workflow_and_are_recorded():
    agent = StaffUserFactory()
    complaint = file()
    changes = []
    signals.complaint_status_changed.connect(
        receiver := lambda sender, **kw: changes.append(kw["new_status"])
    )
    conclude(complaint, by=agent)  # escalation asks for a root cause and outcome before it ends
    try:
        services.change_complaint_status(complaint=complaint, new_status=Complaint.Status.RESOLVED, by=agent)
        services.change_complaint_status(complaint=complaint, new_status=Complaint.Status.CLOSED, by=agent)
        with pytest.raises(ValidationError):
            services.change_complaint_status(
                complaint=complaint, new_status=Complaint.Status.IN_PROGRESS, by=agent
            )
    finally:
        signals.complaint_status_changed.disconnect(receiver)

    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.CLOSED
    assert changes == [Complaint.Status.RESOLVED, Complaint.Status.CLOSED]
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.STATUS_CHANGED).count() == 2


def test_a_file_that_is_not_really_a_pdf_is_refused_by_the_service_too():
    fake = SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 an executable", content_type="application/pdf")
    with pytest.raises(ValidationError):
        file(attachments=[fake])
    assert not Complaint.objects.exists()
