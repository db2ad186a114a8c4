"""Faults: with Redis (cache and broker) down customers and staff carry on, and nothing is lost."""

import re
from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from notifications.models import OutboundMessage
from notifications.selectors import REQUEUE_AFTER
from notifications.tasks import requeue_pending_messages_task
from tests.complaints.factories import StaffUserFactory, complaint_form_data
from tests.conftest import broker_unreachable, wait_for

pytestmark = pytest.mark.worker

REDIS_DOWN_CACHE = {
    "default": {
        "BACKEND": "config.cache.ResilientRedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there: as if Redis were stopped
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}


def test_with_redis_down_filing_tracking_and_staff_work_continue_and_notices_follow(
    client, celery_worker_process
):
    staff = StaffUserFactory(is_superuser=True)
    with override_settings(CACHES=REDIS_DOWN_CACHE), broker_unreachable():
        filed = client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
        assert filed.status_code == 200
        reference = re.search(r"NS-[0-9A-Z]{4}-[0-9A-Z]{4}", filed.content.decode()).group(0)

        client.post(reverse("complaints:leave"))
        tracked = client.post(
            reverse("complaints:track"), {"reference": reference, "email_or_postcode": "zoe@example.com"}
        )
        assert tracked.status_code == 302  # rate limiting fails open, the lookup works

        client.force_login(staff)
        changelist = client.get(reverse("admin:complaints_complaint_changelist"))
        assert changelist.status_code == 200
        assert reference in changelist.content.decode()
        assert client.get(reverse("staff:reports")).status_code == 200  # the report's cache misses
        message = OutboundMessage.objects.get(reference=reference, template_key="complaint_acknowledgement")
        assert message.status == OutboundMessage.Status.PENDING  # waiting in the outbox

    assert Complaint.objects.filter(reference=reference).exists()
    # Redis is back: beat's requeue task hands the waiting acknowledgement to a worker.
    OutboundMessage.objects.update(created_at=timezone.now() - REQUEUE_AFTER - timedelta(seconds=1))
    requeue_pending_messages_task.delay()
    wait_for(
        lambda: OutboundMessage.objects.get(pk=message.pk).status == OutboundMessage.Status.SENT, timeout=30
    )
    assert any(reference in mail["Subject"] for mail in celery_worker_process.sent_mail())
