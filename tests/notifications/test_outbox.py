from datetime import timedelta
from smtplib import SMTPServerDisconnected

import pytest
from django.core import mail
from django.utils import timezone

from notifications import delivery, tasks
from notifications.delivery import RETRY_FOR, DeliveryFailed, deliver_message
from notifications.models import OutboundMessage
from notifications.selectors import (
    REQUEUE_AFTER,
    is_our_message_id,
    message_ids_to_requeue,
    our_messages_among,
)
from notifications.services import mark_letter_posted, queue_notification, retry_message
from tests.notifications.factories import OutboundMessageFactory

pytestmark = pytest.mark.django_db

CONTEXT = {
    "reference": "NS-ABCD-EFGH",
    "customer_name": "Zoë",
    "category": "Billing",
    "received_on": "1 December 2026",
    "reply_preference": "E-mail",
    "tracking_url": "https://portal.example/complaints/link/t/",
    "portal_url": "https://portal.example",
    "complaints_code_url": "https://portal.example/complaints-code/",
    "company": {"name": "Netservers Ltd.", "phone": "01223 446000", "email": "support@example.com"},
}


def queue(key="NS-ABCD-EFGH:ack", **overrides):
    fields = {
        "idempotency_key": key,
        "reference": "NS-ABCD-EFGH",
        "template_key": "complaint_acknowledgement",
        "context": CONTEXT,
        "channel": OutboundMessage.Channel.EMAIL,
        "recipient_name": "Zoë",
        "recipient_email": "zoe@example.com",
        **overrides,
    }
    return queue_notification(**fields)


def test_queueing_renders_the_message_and_stores_a_copy():
    message = queue()
    assert message.status == OutboundMessage.Status.PENDING
    assert message.subject == "We've received your complaint – reference NS-ABCD-EFGH"
    assert "https://portal.example/complaints/link/t/" in message.body_text
    assert '<a href="https://portal.example/complaints/link/t/"' in message.body_html
    assert message.context == CONTEXT


def test_the_same_key_queues_one_message():
    first = queue()
    second = queue()
    assert first.pk == second.pk
    assert OutboundMessage.objects.count() == 1


def test_a_new_message_is_queued_in_one_statement_and_a_used_key_in_two(django_assert_num_queries):
    # INSERT … ON CONFLICT DO NOTHING RETURNING id (the look-first way was four: a read, a savepoint,
    # the insert and its release), in the caller's transaction.
    with django_assert_num_queries(1):
        queue()
    with django_assert_num_queries(2):  # the insert that did nothing, and reading the message queued
        queue()


@pytest.mark.django_db(transaction=True)
def test_two_transactions_queueing_one_key_write_one_message():
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("needs a database that runs two transactions at once (PostgreSQL)")
    first_inserted, second_done = threading.Event(), threading.Event()
    results = {}

    def second_transaction():
        first_inserted.wait(10)
        with transaction.atomic():
            results["second"] = queue()  # waits for the first transaction's row, then reads it
        connection.close()
        second_done.set()

    thread = threading.Thread(target=second_transaction)
    thread.start()
    with transaction.atomic():
        results["first"] = queue()
        first_inserted.set()
        assert not second_done.wait(0.5)  # blocked on our uncommitted row, not failing
    thread.join(10)
    assert results["first"].pk == results["second"].pk
    assert OutboundMessage.objects.count() == 1


def test_delivery_is_enqueued_after_commit_and_sends_once(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = queue()
        assert mail.outbox == []  # nothing leaves before the transaction commits
    assert len(callbacks) == 1
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert message.sent_at is not None
    assert message.attempts == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["zoe@example.com"]
    assert sent.alternatives[0].mimetype == "text/html"

    deliver_message(message_id=message.pk)  # a second delivery of the same row does nothing
    assert len(mail.outbox) == 1


def test_an_email_carries_its_reply_address_and_our_message_id_which_we_can_trace_back():
    message = queue(reply_to="complaints+NS-ABCD-EFGH.0123456789abcdef@netservers.co.uk")
    deliver_message(message_id=message.pk)
    [sent] = mail.outbox
    assert sent.reply_to == ["complaints+NS-ABCD-EFGH.0123456789abcdef@netservers.co.uk"]
    assert sent.extra_headers["Message-ID"] == message.message_id
    assert is_our_message_id(message.message_id)
    assert our_messages_among([message.message_id, "<other@example.com>"]) == {message.message_id: message}
    assert sent.extra_headers["Auto-Submitted"] == "auto-generated"  # RFC 3834: auto-responders stay quiet


def test_a_reply_written_by_staff_is_a_persons_and_an_answer_to_an_email_is_an_automatic_reply():
    written = queue(
        key="NS-ABCD-EFGH:reply", template_key="staff_reply", context={**CONTEXT, "body": "Hello"}
    )
    answer = queue(key="NS-ABCD-EFGH:answer", template_key="email_reply_received")
    deliver_message(message_id=written.pk)
    deliver_message(message_id=answer.pk)
    by_subject = {sent.subject: sent.extra_headers for sent in mail.outbox}
    assert "Auto-Submitted" not in by_subject[written.subject]
    assert by_subject[answer.subject]["Auto-Submitted"] == "auto-replied"


def test_a_failed_send_is_recorded_and_retried_when_due(monkeypatch):
    message = OutboundMessageFactory()

    def refuse(*args, **kwargs):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", refuse)
    with pytest.raises(DeliveryFailed) as failure:
        deliver_message(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.PENDING
    assert message.attempts == 1
    assert "Connection unexpectedly closed" in message.last_error
    assert failure.value.retry_at == message.next_attempt_at
    assert timedelta(seconds=59) < message.next_attempt_at - message.last_attempt_at < timedelta(seconds=62)


def test_a_task_that_comes_before_the_next_try_is_due_does_nothing(monkeypatch):
    message = OutboundMessageFactory(next_attempt_at=timezone.now() + timedelta(minutes=10), attempts=3)
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboundMessage.Status.PENDING, 3)
    assert mail.outbox == []


def test_a_message_that_fails_for_a_day_is_marked_failed_and_can_be_retried(monkeypatch):
    message = OutboundMessageFactory(attempts=30, failing_since=timezone.now() - RETRY_FOR)
    monkeypatch.setattr(delivery.EmailMultiAlternatives, "send", lambda self: 1 / 0)

    deliver_message(message_id=message.pk)  # the last attempt: no exception, the row says it all

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED
    monkeypatch.undo()
    retry_message(message=message)
    message.refresh_from_db()
    assert (message.status, message.attempts, message.failing_since) == (
        OutboundMessage.Status.PENDING,
        0,
        None,
    )


def test_letters_wait_for_staff_to_post_them():
    message = OutboundMessageFactory(channel=OutboundMessage.Channel.LETTER, recipient_email="")
    deliver_message(message_id=message.pk)
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.AWAITING_POST
    assert mail.outbox == []

    mark_letter_posted(message=message, posted_on=timezone.localdate())
    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert message.posted_on == timezone.localdate()


def test_requeue_picks_pending_rows_no_task_is_handling():
    now = timezone.now()
    old_untried = OutboundMessageFactory()
    old_retried = OutboundMessageFactory(attempts=1, last_attempt_at=now - REQUEUE_AFTER * 2)
    lost_retry = OutboundMessageFactory(attempts=2, next_attempt_at=now - REQUEUE_AFTER * 2)
    fresh = OutboundMessageFactory()
    recently_tried = OutboundMessageFactory(attempts=1, last_attempt_at=now)
    waiting_for_its_retry = OutboundMessageFactory(
        attempts=3, last_attempt_at=now - timedelta(hours=1), next_attempt_at=now + timedelta(minutes=5)
    )
    being_sent = OutboundMessageFactory(
        status=OutboundMessage.Status.SENDING, attempts=1, last_attempt_at=now - REQUEUE_AFTER * 2
    )
    sent = OutboundMessageFactory(status=OutboundMessage.Status.SENT)
    OutboundMessage.objects.exclude(pk=fresh.pk).update(created_at=now - REQUEUE_AFTER * 2)

    ids = message_ids_to_requeue(now=now)

    assert set(ids) == {old_untried.pk, old_retried.pk, lost_retry.pk}
    assert not {fresh.pk, recently_tried.pk, waiting_for_its_retry.pk, being_sent.pk, sent.pk} & set(ids)


def test_requeue_task_delivers_what_was_left_pending():
    message = OutboundMessageFactory()
    OutboundMessage.objects.update(created_at=timezone.now() - timedelta(minutes=5))

    assert tasks.requeue_pending_messages_task() == 1

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.SENT
    assert len(mail.outbox) == 1
