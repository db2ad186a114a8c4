"""The ways mail gets in, each the real thing: our SMTP server (`run_inbound_smtp`) spoken to with
smtplib, and the mail server's pipe (`manage.py receive_email`), each a process on the test database."""

import smtplib
import subprocess
import sys

import pytest
from django.conf import settings

from complaints.models import Complaint, InboundEmail
from complaints.reply_addresses import reply_address
from tests.complaints.inbound import corpus
from tests.complaints.inbound.servers import inbound_smtp, run_environment

pytestmark = pytest.mark.django_db(transaction=True)

NOWHERE = "postgres://postgres@127.0.0.1:1/none"  # a database that does not answer


def manage(*args, database_url, stdin=b"", env=None):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        input=stdin,
        capture_output=True,
        cwd=settings.BASE_DIR,
        env={**run_environment(database_url), **(env or {})},
        timeout=60,
    )


# --- SMTP ---------------------------------------------------------------------------------------


def test_mail_sent_with_smtplib_to_the_complaints_address_opens_a_complaint(database_url):
    with inbound_smtp(database_url) as port, smtplib.SMTP("127.0.0.1", port) as client:
        refused = client.sendmail(
            "priya@example.com", ["complaints@localhost"], corpus.new_complaint(sender="priya@example.com")
        )
    assert refused == {}
    received = InboundEmail.objects.get()
    assert received.received_via == InboundEmail.Via.SMTP
    assert received.outcome == InboundEmail.Outcome.OPENED
    assert received.complaint.email == "priya@example.com"


def test_a_reply_through_smtp_lands_on_the_complaints_timeline_by_its_envelope_address(database_url):
    from complaints.services import file_complaint
    from tests.complaints.factories import complaint_form_data

    complaint = file_complaint(**complaint_form_data(email="jane@example.com"))
    address = reply_address(complaint.reference)
    # Only the envelope carries the tagged address (a Bcc, or an alias the mail server expanded).
    raw = corpus.gmail_reply(
        sender="jane@example.com", to="Jane's helper <helper@example.org>", subject="Re: hello"
    )
    with inbound_smtp(database_url) as port, smtplib.SMTP("127.0.0.1", port) as client:
        client.sendmail("jane@example.com", [address], raw)
    received = InboundEmail.objects.get()
    assert received.complaint == complaint
    assert complaint.timeline.filter(kind="customer_message").count() == 1


def test_mail_for_any_other_mailbox_is_refused_at_rcpt(database_url):
    with (
        inbound_smtp(database_url) as port,
        smtplib.SMTP("127.0.0.1", port) as client,
        pytest.raises(smtplib.SMTPRecipientsRefused) as refused,
    ):
        client.sendmail("x@example.com", ["someone@localhost"], corpus.new_complaint())
    assert refused.value.recipients["someone@localhost"][0] == 550
    assert InboundEmail.objects.count() == 0


def test_an_oversized_message_is_refused_with_552_and_nothing_stored(database_url):
    big = corpus.new_complaint(text=("x" * 70 + "\n") * 150)
    with (
        inbound_smtp(database_url, env={"INBOUND_MAX_BYTES": "5000"}) as port,
        smtplib.SMTP("127.0.0.1", port) as client,
    ):
        with pytest.raises(smtplib.SMTPSenderRefused) as declared:  # SIZE given up front: refused at once
            client.sendmail("x@example.com", ["complaints@localhost"], big)
        client.rset()
        client.mail("x@example.com")  # no SIZE: refused while the data comes in
        client.rcpt("complaints@localhost")
        code, _ = client.data(big)
    assert (declared.value.smtp_code, code) == (552, 552)
    assert InboundEmail.objects.count() == 0


def test_with_the_database_down_the_sender_is_told_to_try_again_later():
    with (
        inbound_smtp(NOWHERE) as port,
        smtplib.SMTP("127.0.0.1", port) as client,
        pytest.raises(smtplib.SMTPDataError) as refused,
    ):
        client.sendmail("x@example.com", ["complaints@localhost"], corpus.new_complaint())
    assert refused.value.smtp_code == 451  # the sending server keeps the message and retries


# --- The pipe -----------------------------------------------------------------------------------


def test_the_pipe_command_stores_a_message_and_exits_0(database_url):
    result = manage(
        "receive_email", database_url=database_url, stdin=corpus.new_complaint(sender="pipe@example.com")
    )
    assert result.returncode == 0, result.stderr.decode()
    received = InboundEmail.objects.get()
    assert received.received_via == InboundEmail.Via.PIPE
    assert Complaint.objects.get().email == "pipe@example.com"


def test_the_pipe_command_delivered_twice_stores_once(database_url):
    raw = corpus.new_complaint()
    for _ in range(2):
        assert manage("receive_email", database_url=database_url, stdin=raw).returncode == 0
    assert InboundEmail.objects.count() == 1
    assert Complaint.objects.count() == 1


def test_the_pipe_command_refuses_for_good_what_is_too_large_or_empty(database_url):
    too_large = manage(
        "receive_email",
        database_url=database_url,
        stdin=corpus.new_complaint(text="x" * 10_000),
        env={"INBOUND_MAX_BYTES": "5000"},
    )
    empty = manage("receive_email", database_url=database_url, stdin=b"")
    assert (too_large.returncode, empty.returncode) == (65, 65)  # EX_DATAERR: the mail server bounces it
    assert InboundEmail.objects.count() == 0


def test_the_pipe_command_asks_the_mail_server_to_retry_when_the_database_is_down():
    result = manage("receive_email", database_url=NOWHERE, stdin=corpus.new_complaint())
    assert result.returncode == 75, result.stderr.decode()  # EX_TEMPFAIL: deferred, retried later


def test_the_pipe_command_asks_the_mail_server_to_retry_when_the_portal_is_misconfigured(database_url):
    # Production settings without a secret key: Django refuses to start (exit 1 would bounce the mail).
    result = manage(
        "receive_email",
        database_url=database_url,
        stdin=corpus.new_complaint(),
        env={"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": ""},
    )
    assert result.returncode == 75, result.stderr.decode()
    assert b"DJANGO_SECRET_KEY" in result.stderr
    assert InboundEmail.objects.count() == 0


def test_a_message_of_exactly_the_limit_is_taken_however_many_lines_start_with_a_dot(database_url):
    # SMTP doubles a line's leading dot on the wire; the limit is on the message, not the wire.
    head = corpus.new_complaint(text="")
    dots = b".\r\n" * ((5000 - len(head) - 10) // 3)
    raw = head + dots + b"x" * (5000 - len(head) - len(dots) - 2) + b"\r\n"
    assert len(raw) == 5000
    with (
        inbound_smtp(database_url, env={"INBOUND_MAX_BYTES": "5000"}) as port,
        smtplib.SMTP("127.0.0.1", port) as client,
    ):
        client.ehlo()
        client.mail("x@example.com")
        client.rcpt("complaints@localhost")
        code, answer = client.data(raw)
    assert code == 250, answer
    assert InboundEmail.objects.get().size == 5000
