"""Real faults with a real Celery worker: an SMTP server that never answers, and a worker killed
with SIGKILL in the middle of a burst. Mail goes to a real SMTP server (aiosmtpd) that counts
each Message-ID."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from escalation.models import SweepRun
from escalation.tasks import enforce_deadlines_task
from notifications.models import OutboundMessage
from notifications.tasks import deliver_message_task, requeue_pending_messages_task
from tests.conftest import wait_for
from tests.notifications.factories import OutboundMessageFactory
from tests.notifications.smtp_servers import blackhole_smtp, smtp_sink

pytestmark = pytest.mark.worker

Status = OutboundMessage.Status


def status_of(message) -> str:
    return OutboundMessage.objects.values_list("status", flat=True).get(pk=message.pk)


def test_a_silent_smtp_server_costs_one_attempt_not_a_frozen_worker_or_a_held_lock(start_celery_worker):
    with blackhole_smtp() as (port, held):
        env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}", "EMAIL_TIMEOUT": "3"}
        with start_celery_worker(env=env):  # one task at a time (solo pool)
            message = OutboundMessageFactory()
            deliver_message_task.delay(message.pk)

            wait_for(lambda: status_of(message) == Status.SENDING and held, timeout=30)
            # While the worker waits on the server, no transaction holds the row.
            with transaction.atomic():
                OutboundMessage.objects.select_for_update(nowait=True).get(pk=message.pk)

            wait_for(lambda: status_of(message) == Status.PENDING, timeout=30)
            message.refresh_from_db()
            assert "timed out" in message.last_error
            assert message.attempts == 1
            assert message.next_attempt_at > timezone.now()

            # And the worker is free for the rest of its work.
            enforce_deadlines_task.delay()
            wait_for(lambda: SweepRun.objects.exists(), timeout=30)


def test_a_worker_killed_mid_burst_loses_nothing_and_sends_again_only_what_it_was_sending(
    start_celery_worker,
):
    with smtp_sink(delay=0.02) as (sink, port):
        env = {"EMAIL_URL": f"smtp://127.0.0.1:{port}"}
        messages = [OutboundMessageFactory(idempotency_key=f"burst:{n}") for n in range(300)]
        with start_celery_worker(name="first", env=env, pool="threads", concurrency=4) as first:
            for message in messages:
                deliver_message_task.delay(message.pk)
            wait_for(lambda: sink.total() >= 100, timeout=120)
            first.process.kill()  # SIGKILL: no warm shutdown, no acknowledgement
            first.process.wait()
        sending_when_killed = set(
            OutboundMessage.objects.filter(status=Status.SENDING).values_list("pk", flat=True)
        )
        assert sink.total() < len(messages)

        # Time passes, as the requeue needs: rows untried for 2 minutes, rows SENDING for 10.
        now = timezone.now()
        OutboundMessage.objects.update(created_at=F("created_at") - timedelta(minutes=5))
        OutboundMessage.objects.filter(status=Status.SENDING).update(
            last_attempt_at=now - timedelta(minutes=11)
        )
        with start_celery_worker(name="second", env=env, pool="threads", concurrency=4, purge=False):
            requeue_pending_messages_task.delay()
            wait_for(lambda: not OutboundMessage.objects.exclude(status=Status.SENT).exists(), timeout=180)

    by_id = {message.message_id: message.pk for message in messages}
    assert set(sink.received) == set(by_id)  # nothing lost
    sent_twice = {by_id[message_id] for message_id, count in sink.received.items() if count > 1}
    assert max(sink.received.values()) <= 2
    # The named window: only a row that was being sent when the worker died can go twice, with the
    # same Message-ID, so a receiving system that de-duplicates shows it once.
    assert sent_twice <= sending_when_killed
    assert len(sending_when_killed) <= 4  # one per thread
