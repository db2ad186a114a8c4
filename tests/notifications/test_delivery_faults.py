"""Delivery against the failures real e-mail servers and databases have, with a real SMTP server
(aiosmtpd) and simulated time: outages of minutes and of a day, a crash mid-send, a database blip."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from escalation import sweep
from escalation.roles import COMPLAINTS_MANAGERS
from notifications import delivery, tasks
from notifications.delivery import RETRY_FOR, DeliveryFailed, deliver_message
from notifications.models import OutboundMessage
from notifications.selectors import message_ids_to_requeue
from notifications.services import mark_failure_handled
from tests.complaints.factories import StaffUserFactory
from tests.notifications.factories import OutboundMessageFactory
from tests.notifications.smtp_servers import smtp_sink

pytestmark = pytest.mark.django_db

Status = OutboundMessage.Status


@pytest.fixture
def smtp(settings):
    with smtp_sink() as (sink, port):
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_TIMEOUT = 5
        yield sink


class World:
    """The outbox's task chains and the requeue beat, run by hand against a frozen clock."""

    def __init__(self, clock):
        self.clock = clock
        self.chains: dict[int, object] = {}  # message id -> when its task comes back
        self.requeued_while_a_chain_was_waiting: list[int] = []

    def deliver(self, message_id):
        try:
            deliver_message(message_id=message_id)
            self.chains.pop(message_id, None)
        except DeliveryFailed as failure:
            self.chains[message_id] = failure.retry_at

    def tick(self, seconds=30):
        self.clock.shift(timedelta(seconds=seconds))
        now = timezone.now()
        for message_id, due in list(self.chains.items()):
            if due <= now:
                self.deliver(message_id)
        for message_id in message_ids_to_requeue():  # what the beat's requeue task would enqueue
            if message_id in self.chains:
                self.requeued_while_a_chain_was_waiting.append(message_id)
            self.deliver(message_id)


def acknowledgements(count):
    return [OutboundMessageFactory(idempotency_key=f"ack:{n}") for n in range(count)]


def test_a_five_minute_smtp_outage_loses_and_doubles_nothing(smtp):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        world = World(clock)
        messages = acknowledgements(30)
        smtp.refusing = True
        for message in messages:
            world.deliver(message.pk)
        for _ in range(10):  # five minutes of refusals
            world.tick()
        smtp.refusing = False
        for _ in range(60):  # then half an hour
            world.tick()

    assert smtp.refused >= 30
    statuses = set(OutboundMessage.objects.values_list("status", flat=True))
    assert statuses == {Status.SENT}
    assert sorted(smtp.received) == sorted(message.message_id for message in messages)
    assert set(smtp.received.values()) == {1}
    # Tries after 1, 2, 4 then 8 minutes: four or five attempts, not a budget spent in seconds.
    assert max(OutboundMessage.objects.values_list("attempts", flat=True)) <= 5
    assert world.requeued_while_a_chain_was_waiting == []  # one retry chain per row


def test_a_day_long_outage_fails_the_message_tells_staff_and_retries_it_daily_until_handled(smtp, settings):
    settings.DEADLINE_DIGEST_HOUR = 24  # no digest: only the customer's message is in play
    manager = StaffUserFactory(email="mei@netservers.co.uk")
    manager.groups.add(Group.objects.get(name=COMPLAINTS_MANAGERS))
    with time_machine.travel(timezone.now(), tick=False) as clock:
        world = World(clock)
        [message] = acknowledgements(1)
        smtp.refusing = True
        world.deliver(message.pk)

        world.tick(seconds=45 * 60)
        assert sweep.enforce_deadlines().failed_delivery_alerts == 0  # not yet an hour
        world.tick(seconds=16 * 60)
        assert sweep.enforce_deadlines().failed_delivery_alerts == 1  # an hour: still trying
        assert sweep.enforce_deadlines().failed_delivery_alerts == 0  # once
        [alert] = OutboundMessage.objects.filter(template_key="delivery_failed_alert")
        assert "has failed to send for over an hour" in alert.body_text

        while OutboundMessage.objects.get(pk=message.pk).status != Status.FAILED:
            world.tick(seconds=10 * 60)
        message.refresh_from_db()
        assert (
            message.failing_since + RETRY_FOR
            <= timezone.now()
            < message.failing_since + RETRY_FOR + timedelta(minutes=31)
        )
        assert sweep.enforce_deadlines().failed_delivery_alerts == 1  # stopped trying: told again

        gave_up_at = timezone.now()
        assert tasks.retry_failed_messages_task() == 1  # the daily retry: tried again at once
        message.refresh_from_db()
        assert message.status == Status.PENDING
        assert message.failing_since >= gave_up_at  # a new day of tries

        smtp.refusing = False
        for _ in range(3):  # the retried row's own task came (eagerly) and went: the requeue finds it
            world.tick(seconds=2 * 60)
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert smtp.received[message.message_id] == 1


def test_a_permanent_refusal_fails_the_message_at_once_and_tells_staff(smtp):
    manager = StaffUserFactory(email="mei@netservers.co.uk")
    manager.groups.add(Group.objects.get(name=COMPLAINTS_MANAGERS))
    smtp.rejecting = "550 5.1.1 No such user here"
    [message] = acknowledgements(1)

    deliver_message(message_id=message.pk)  # no retry to schedule: nothing raised

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 1)
    assert "550" in message.last_error
    assert sweep.enforce_deadlines().failed_delivery_alerts == 1


def test_a_failed_message_marked_handled_is_left_alone():
    message = OutboundMessageFactory(status=Status.FAILED, failing_since=timezone.now() - RETRY_FOR)
    mark_failure_handled(message=message)
    assert tasks.retry_failed_messages_task() == 0
    assert sweep.enforce_deadlines().failed_delivery_alerts == 0
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.handled_at is not None


def test_a_crash_after_the_server_took_the_message_leaves_evidence_and_resends_with_the_same_message_id(
    monkeypatch,
):
    """The named duplicate window: the server accepted it, the 'sent' mark never committed."""
    message = OutboundMessageFactory()

    def killed(message):
        raise SystemExit("worker killed")

    monkeypatch.setattr(delivery, "_record_sent", killed)
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with pytest.raises(SystemExit):
            deliver_message(message_id=message.pk)
        monkeypatch.undo()

        message.refresh_from_db()
        assert (message.status, message.attempts) == (Status.SENDING, 1)  # the evidence
        assert tasks.requeue_pending_messages_task() == 0  # being sent: not someone else's yet

        clock.shift(timedelta(minutes=11))
        assert tasks.requeue_pending_messages_task() == 1

    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)
    assert [sent.extra_headers["Message-ID"] for sent in mail.outbox] == [message.message_id] * 2


def test_the_message_id_is_stable_and_unique():
    first, second = OutboundMessageFactory(), OutboundMessageFactory()
    assert first.message_id == OutboundMessage.objects.get(pk=first.pk).message_id
    assert first.message_id != second.message_id
    assert first.message_id.startswith(f"<outbox.{first.pk}.")
    assert first.message_id.endswith("@netservers.co.uk>")


def test_a_database_blip_during_delivery_is_retried_not_dropped(monkeypatch):
    message = OutboundMessageFactory()
    real_claim = delivery._claim
    calls = []

    def blip(message_id):
        calls.append(message_id)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real_claim(message_id)

    monkeypatch.setattr(delivery, "_claim", blip)
    tasks.deliver_message_task.apply(args=[message.pk])

    message.refresh_from_db()
    assert len(calls) == 2
    assert message.status == Status.SENT


def test_a_database_blip_just_after_sending_does_not_leave_the_row_to_be_sent_again(monkeypatch):
    message = OutboundMessageFactory()
    real_record = delivery._record_sent
    calls = []

    def blip(message):
        calls.append(message.pk)
        if len(calls) == 1:
            raise OperationalError("the database system is starting up")
        return real_record(message)

    monkeypatch.setattr(delivery, "_record_sent", blip)
    monkeypatch.setattr(delivery.time, "sleep", lambda seconds: None)
    deliver_message(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert len(mail.outbox) == 1
