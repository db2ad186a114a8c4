"""Staff's side of e-mail in: the messages waiting for them, what they can do with each (recorded),
the original as a download, and the complaint list's "waiting for us" filter."""

import pytest
from django.urls import reverse

from complaints import services
from complaints.inbound.receiving import receive_email
from complaints.models import Complaint, InboundEmail, TimelineEntry
from complaints.reply_addresses import reply_address
from escalation.roles import AUDITORS, SUPPORT_AGENTS
from tests.complaints.factories import complaint_form_data
from tests.complaints.inbound import corpus
from tests.escalation.factories import staff_member

pytestmark = pytest.mark.django_db
Outcome = InboundEmail.Outcome


@pytest.fixture
def agent(client):
    user = staff_member(SUPPORT_AGENTS, first_name="Ada", last_name="Agent")
    client.force_login(user)
    return user


@pytest.fixture
def complaint():
    return services.file_complaint(**complaint_form_data(email="jane@example.com"))


@pytest.fixture
def quarantined(complaint):
    """A message quoting the complaint's reference from an address that is not the complaint's."""
    raw = corpus.new_complaint(sender="sister@example.org", subject=f"About {complaint.reference}")
    email = receive_email(raw, received_via="smtp")
    assert email.outcome == Outcome.QUARANTINED
    return email


def page_of(email):
    return reverse("admin:complaints_inboundemail_change", args=[email.pk])


def test_the_list_shows_what_waits_for_staff_and_why(client, agent, quarantined):
    response = client.get(reverse("admin:complaints_inboundemail_changelist") + "?outcome__exact=quarantined")
    assert response.status_code == 200
    assert "sister@example.org" in response.text
    assert "is not that complaint&#x27;s e-mail address" in response.text


def test_a_message_is_shown_as_text_never_as_html(client, agent):
    email = receive_email(corpus.html_only(sender="html@example.com"), received_via="smtp")
    response = client.get(page_of(email))
    assert response.status_code == 200
    assert "I was charged twice for November." in response.text
    assert "<script>alert" not in response.text
    assert "tracker.example" not in response.text


def test_the_original_is_a_download_of_the_message_as_received(client, agent, quarantined):
    response = client.get(reverse("admin:complaints_inboundemail_original", args=[quarantined.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]
    assert response.content == bytes(InboundEmail.objects.get(pk=quarantined.pk).raw)


def test_staff_attach_a_message_to_a_complaint_by_its_reference_and_it_is_recorded(
    client, agent, quarantined, complaint
):
    response = client.post(
        page_of(quarantined), {"action": "attach", "reference": complaint.reference.lower()}
    )
    assert response.status_code == 302
    quarantined.refresh_from_db()
    assert (quarantined.outcome, quarantined.complaint, quarantined.handled_by) == (
        Outcome.ADDED,
        complaint,
        agent,
    )
    assert "attached by Ada Agent" in quarantined.reason
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.CUSTOMER_MESSAGE)
    assert quarantined.timeline_entry == entry
    # Handled once: a second post (another agent, a double click) changes nothing.
    again = client.post(page_of(quarantined), {"action": "discard", "reason": "spam"})
    assert again.status_code == 403
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.CUSTOMER_MESSAGE).count() == 1


def test_attaching_needs_a_reference_we_have(client, agent, quarantined):
    response = client.post(page_of(quarantined), {"action": "attach", "reference": "NS-0000-0000"})
    assert response.status_code == 200
    assert "No complaint has this reference." in response.text
    quarantined.refresh_from_db()
    assert quarantined.outcome == Outcome.QUARANTINED


def test_staff_open_a_message_as_a_new_complaint(client, agent, quarantined):
    response = client.post(page_of(quarantined), {"action": "open"})
    quarantined.refresh_from_db()
    assert quarantined.outcome == Outcome.OPENED
    assert response["Location"] == reverse(
        "admin:complaints_complaint_change", args=[quarantined.complaint_id]
    )
    assert quarantined.complaint.email == "sister@example.org"
    assert quarantined.complaint.channel == Complaint.Channel.EMAIL


def test_discarding_needs_a_reason_and_keeps_the_message(client, agent, quarantined):
    refused = client.post(page_of(quarantined), {"action": "discard", "reason": ""})
    assert "Say why it needs nothing" in refused.text
    client.post(page_of(quarantined), {"action": "discard", "reason": "Spam"})
    quarantined.refresh_from_db()
    assert quarantined.outcome == Outcome.DISCARDED
    assert quarantined.reason == "Discarded by Ada Agent: Spam."
    assert bytes(quarantined.raw)  # kept as received


def test_an_auditor_may_read_but_not_handle(client, quarantined):
    client.force_login(staff_member(AUDITORS))
    assert client.get(page_of(quarantined)).status_code == 200
    assert client.post(page_of(quarantined), {"action": "open"}).status_code == 403
    quarantined.refresh_from_db()
    assert quarantined.outcome == Outcome.QUARANTINED


def test_the_complaint_list_shows_what_waits_for_us(client, agent, complaint):
    receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    by_email = receive_email(
        corpus.new_complaint(sender="noaddress@example.com"), received_via="smtp"
    ).complaint
    changelist = reverse("admin:complaints_complaint_changelist")
    replied = client.get(changelist + "?waiting=replied")
    missing = client.get(changelist + "?waiting=details")
    assert complaint.reference in replied.text
    assert by_email.reference not in replied.text
    assert by_email.reference in missing.text
    assert complaint.reference not in missing.text
    assert "Customer replied" in replied.text


def test_the_complaint_page_links_an_emailed_message_to_its_original(client, agent, complaint):
    email = receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    response = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert reverse("admin:complaints_inboundemail_original", args=[email.pk]) in response.text


def test_a_message_nested_too_deep_to_follow_opens_for_staff(client, agent):
    parts = "".join(f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n' for n in range(3_000))
    raw = (
        "From: Deep <deep@example.com>\r\nTo: complaints@localhost\r\nSubject: Deep\r\n"
        f"Message-ID: <deep@example.com>\r\nMIME-Version: 1.0\r\n{parts}"
        "Content-Type: text/plain\r\n\r\nHello from the bottom\r\n"
    ).encode()
    email = receive_email(raw, received_via="smtp")
    assert email.outcome == Outcome.QUARANTINED
    assert "nested too deeply" in email.reason
    assert client.get(page_of(email)).status_code == 200
