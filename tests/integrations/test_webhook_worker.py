"""Webhooks with a real Celery worker process on the real broker, to a real HTTP receiver."""

import json
import time
from collections import Counter

import pytest

from complaints import services as complaint_services
from complaints.models import Complaint
from integrations import webhooks
from integrations.models import Scope, WebhookDelivery, WebhookEvent
from tests.conftest import wait_for
from tests.integrations.factories import api_key, bearer
from tests.integrations.receiver import start_receiver
from tests.integrations.test_create import COMPLAINTS, body
from tests.integrations.test_webhooks import verify

pytestmark = pytest.mark.worker

# The worker may reach the receiver on 127.0.0.1, and tries again after 0.3, 0.6, 1.2 … s.
WORKER_SETTINGS = {
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "1",
    "WEBHOOK_ALLOW_HTTP": "1",
    "WEBHOOK_FIRST_RETRY_SECONDS": "0.3",
}


@pytest.fixture
def failing_three_times():
    receiver, server = start_receiver(500, 502, 503)
    yield receiver
    server.shutdown()
    server.server_close()


def test_a_receiver_that_fails_three_times_then_recovers_gets_each_event_once_more(
    client, start_celery_worker, failing_three_times
):
    receiver = failing_three_times
    made = webhooks.make_endpoint(
        name="Billing",
        url=receiver.url,
        events=[WebhookEvent.COMPLAINT_FILED, WebhookEvent.COMPLAINT_STATUS_CHANGED],
        by=None,
    )
    key = api_key(Scope.COMPLAINTS_WRITE)

    with start_celery_worker(env=WORKER_SETTINGS):
        # Two events while the receiver fails: a complaint opened by the CRM, and work started on it.
        response = client.post(COMPLAINTS, body(), content_type="application/json", **bearer(key))
        assert response.status_code == 201
        complaint = Complaint.objects.get(reference=response.json()["reference"])
        complaint_services.change_complaint_status(
            complaint=complaint, new_status=Complaint.Status.IN_PROGRESS, by=None
        )

        wait_for(
            lambda: WebhookDelivery.objects.filter(status="delivered").count() == 2,
            timeout=60,
        )
        time.sleep(2)  # long enough for any retry wrongly left to arrive

    received = receiver.received
    assert [request.answered for request in received].count(200) == 2
    assert len(received) == 5  # three failures, then each event once
    answered_ok = Counter(request.headers["webhook-id"] for request in received if request.answered == 200)
    assert set(answered_ok.values()) == {1}
    events = {json.loads(request.body)["id"]: json.loads(request.body) for request in received}
    assert {event["type"] for event in events.values()} == {"complaint.filed", "complaint.status_changed"}
    assert {event["data"]["reference"] for event in events.values()} == {complaint.reference}
    for request in received:
        assert verify(made.secret, request.headers, request.body)
        assert json.loads(request.body)["id"] == request.headers["webhook-id"]
    deliveries = WebhookDelivery.objects.order_by("pk")
    assert sum(delivery.attempts for delivery in deliveries) == 5
    assert all(delivery.last_status_code == 200 for delivery in deliveries)
