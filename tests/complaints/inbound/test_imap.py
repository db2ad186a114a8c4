"""The mailbox poller against a real Dovecot over TLS: each message read once, however often it polls."""

from datetime import datetime

import pytest

from complaints.inbound.imap import poll_mailbox
from complaints.models import Complaint, InboundEmail, MailboxCursor
from complaints.tasks import poll_inbound_mailbox_task
from tests.complaints.inbound import corpus
from tests.complaints.inbound.dovecot import dovecot_missing_reason, dovecot_server

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(dovecot_missing_reason() is not None, reason=dovecot_missing_reason() or ""),
]


@pytest.fixture(scope="module")
def dovecot():
    with dovecot_server() as mailbox:
        yield mailbox


@pytest.fixture
def mailbox(dovecot):
    """The server's INBOX emptied for each test."""
    with dovecot.client() as client:
        _, [count] = client.select("INBOX")
        if int(count):
            client.store("1:*", "+FLAGS", "(\\Deleted)")
            client.expunge()
    return dovecot


def test_new_messages_are_read_once_and_flagged_seen(mailbox):
    mailbox.deliver(
        corpus.new_complaint(sender="one@example.com"), corpus.new_complaint(sender="two@example.com")
    )
    first = poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file)
    again = poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file)
    assert (first.read, again.read) == (2, 0)
    assert sorted(Complaint.objects.values_list("email", flat=True)) == ["one@example.com", "two@example.com"]
    assert all("\\Seen" in flags for flags in mailbox.flags().values())
    assert set(InboundEmail.objects.values_list("received_via", flat=True)) == {InboundEmail.Via.IMAP}


def test_a_message_someone_opened_in_a_mail_client_is_still_read(mailbox):
    mailbox.deliver(corpus.new_complaint(sender="opened@example.com"))
    with mailbox.client() as client:
        client.select("INBOX")
        client.store("1:*", "+FLAGS", "(\\Seen)")  # a person read it first
    assert poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file).read == 1
    assert Complaint.objects.get().email == "opened@example.com"


def test_only_messages_after_the_last_one_read_are_fetched(mailbox):
    mailbox.deliver(corpus.new_complaint(sender="early@example.com"))
    poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file)
    mailbox.deliver(corpus.new_complaint(sender="late@example.com"))
    report = poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file)
    assert report.read == 1
    assert MailboxCursor.objects.get().last_uid == max(mailbox.flags())
    assert Complaint.objects.count() == 2


def test_a_message_read_but_not_recorded_before_a_crash_is_stored_once(mailbox):
    raw = corpus.new_complaint(sender="crash@example.com")
    mailbox.deliver(raw)
    poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file)
    MailboxCursor.objects.update(last_uid=0)  # as if the poller died before recording how far it read
    assert poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file).read == 1
    assert InboundEmail.objects.count() == 1
    assert Complaint.objects.count() == 1


def test_the_time_a_message_reached_us_is_when_the_mailbox_received_it(mailbox):
    # The sender's Date is not when it reached us.
    mailbox.deliver(corpus.new_complaint(date="Mon, 1 Jan 2024 09:00:00 +0000"))
    with mailbox.client() as client:
        client.select("INBOX")
        _, [line] = client.fetch("1", "(INTERNALDATE)")
    internal_date = datetime.strptime(line.decode().split('"')[1], "%d-%b-%Y %H:%M:%S %z")
    poll_mailbox(url=mailbox.url, ca_file=mailbox.ca_file)
    received = InboundEmail.objects.get()
    assert received.received_at == internal_date
    assert received.complaint.first_received_at == internal_date


def test_the_beat_task_polls_the_configured_mailbox(mailbox, settings):
    settings.INBOUND_IMAP_URL, settings.INBOUND_IMAP_CA_FILE = mailbox.url, mailbox.ca_file
    mailbox.deliver(corpus.new_complaint(sender="task@example.com"))
    assert poll_inbound_mailbox_task.delay().get() == {"read": 1, "too_large": 0}
    assert Complaint.objects.get().email == "task@example.com"


def test_a_server_whose_certificate_we_do_not_trust_is_refused(mailbox):
    import ssl

    with pytest.raises(ssl.SSLCertVerificationError):
        poll_mailbox(url=mailbox.url)  # the system's CAs, which do not know the test's certificate
    assert InboundEmail.objects.count() == 0
