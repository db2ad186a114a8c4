"""The outbox with a real Celery worker process on the real broker (Redis in CI)."""

import re
import time
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from notifications.models import OutboundMessage
from notifications.selectors import REQUEUE_AFTER
from notifications.tasks import requeue_pending_messages_task
from tests.complaints.factories import complaint_form_data
from tests.conftest import broker_unreachable, wait_for

pytestmark = pytest.mark.worker


def acknowledgement(reference: str) -> OutboundMessage:
    return OutboundMessage.objects.get(reference=reference, template_key="complaint_acknowledgement")


def file_online(client) -> str:
    response = client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    assert response.status_code == 200
    return re.search(r"NS-[0-9A-Z]{4}-[0-9A-Z]{4}", response.content.decode()).group(0)


def test_a_real_worker_delivers_the_acknowledgement(client, celery_worker_process):
    reference = file_online(client)

    wait_for(lambda: acknowledgement(reference).status == OutboundMessage.Status.SENT, timeout=30)

    message = acknowledgement(reference)
    assert message.attempts == 1
    assert message.sent_at is not None
    [sent] = celery_worker_process.sent_mail()
    assert sent["Subject"].strip() == f"We've received your complaint – reference {reference}"
    assert sent["To"] == "zoe@example.com"
    assert "/complaints/link/" in sent.get_body(preferencelist=("plain",)).get_content()


def test_filing_with_the_broker_down_keeps_the_complaint_and_acknowledges_it_when_the_broker_returns(
    client, celery_worker_process
):
    with broker_unreachable():
        started = time.monotonic()
        reference = file_online(client)
        elapsed = time.monotonic() - started

    assert Complaint.objects.filter(reference=reference).exists()
    assert acknowledgement(reference).status == OutboundMessage.Status.PENDING
    assert elapsed < 10, "a customer must not wait long for a broker that is down"

    # The broker is back. Once the grace period has passed, the beat's requeue task hands the
    # row to the worker again (run here through the broker, as beat would send it).
    OutboundMessage.objects.update(created_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1))
    requeue_pending_messages_task.delay()

    wait_for(lambda: acknowledgement(reference).status == OutboundMessage.Status.SENT, timeout=30)
    [sent] = celery_worker_process.sent_mail()
    assert reference in sent["Subject"]
