"""Webhooks out: each event written to the outbox in its change's transaction, signed, delivered to
a real HTTP receiver, retried with backoff, failed after the last try and sent again by a manager."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import TestCase
from django.utils import timezone
from jsonschema import Draft202012Validator
from jsonschema import ValidationError as JsonSchemaError

from complaints import services as complaint_services
from complaints.models import Complaint
from escalation import ombudsman, services, sweep
from escalation.models import Escalation, OmbudsmanCase
from escalation.roles import SUPPORT_AGENTS
from integrations import webhook_outbox, webhooks
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from integrations.selectors import REQUEUE_AFTER, webhook_delivery_ids_to_requeue
from integrations.webhook_delivery import (
    DeliveryFailed,
    deliver,
    forget_old_deliveries,
    is_public,
    retry_gap,
    take_back_interrupted_sends,
)
from notifications.delivery import deliver_message
from notifications.models import OutboundMessage
from tests.escalation.factories import filed_complaint, staff_member
from tests.integrations.receiver import start_receiver

pytestmark = pytest.mark.django_db


def readme_verify():
    """The README's own Python ("Verifying a webhook"), run as a receiver would copy it: the tests
    check every delivery with it, so the README's check is one that works."""
    readme = (settings.BASE_DIR / "README.md").read_text()
    section = readme.split("#### Verifying a webhook", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102  (our own README's example)
    return namespace["verify"]


verify = readme_verify()


def endpoint(*events, url="https://hooks.example.com/complaints", name="Billing") -> webhooks.MadeEndpoint:
    return webhooks.make_endpoint(name=name, url=url, events=list(events or WebhookEvent.values), by=None)


def events_about(reference: str) -> list[dict]:
    return [
        json.loads(delivery.body)
        for delivery in WebhookDelivery.objects.filter(reference=reference).order_by("created_at", "pk")
    ]


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True  # the receiver listens on 127.0.0.1
    settings.WEBHOOK_ALLOW_HTTP = True
    started = []

    def start(*answers):
        receiver, server = start_receiver(*answers)
        started.append(server)
        return receiver

    yield start
    for server in started:
        server.shutdown()
        server.server_close()


def test_filing_writes_one_delivery_for_each_subscribed_endpoint_with_references_and_states_only():
    billing = endpoint(WebhookEvent.COMPLAINT_FILED)
    endpoint(WebhookEvent.COMPLAINT_STATUS_CHANGED, name="CRM")
    switched_off = endpoint(name="Old BI")
    WebhookEndpoint.objects.filter(pk=switched_off.endpoint.pk).update(active=False)

    complaint = filed_complaint(
        acknowledged=False, customer_name="Zoë Quill", support_needs="", phone="07700900123"
    )

    [delivery] = WebhookDelivery.objects.all()
    assert delivery.endpoint == billing.endpoint
    assert delivery.status == WebhookDelivery.Status.PENDING
    event = json.loads(delivery.body)
    assert event["id"] == str(delivery.event_id)
    assert event["type"] == "complaint.filed"
    assert event["data"] == {
        "reference": complaint.reference,
        "status": "received",
        "stage": 1,
        "channel": "portal",
        "category": complaint.category,
        "first_received_at": event["data"]["first_received_at"],
    }
    for personal in (
        "Zoë",
        "Quill",
        complaint.email,
        complaint.postcode,
        "07700900123",
        complaint.description,
    ):
        assert personal not in delivery.body


def test_a_change_rolled_back_leaves_no_delivery():
    endpoint()
    complaint = filed_complaint(acknowledged=False)
    before = WebhookDelivery.objects.count()

    def change_then_fail():
        with transaction.atomic():
            complaint_services.change_complaint_status(
                complaint=complaint, new_status=Complaint.Status.IN_PROGRESS, by=None
            )
            raise RuntimeError("the change fails after the status was written")

    with pytest.raises(RuntimeError):
        change_then_fail()

    assert WebhookDelivery.objects.count() == before


def test_every_event_comes_from_the_service_that_makes_the_change(client):
    endpoint()
    agent = staff_member(SUPPORT_AGENTS)
    complaint = filed_complaint(days_ago=3, acknowledged=False)
    services.propose_resolution(complaint=complaint, by=agent, resolution="A credit of £10.")
    complaint_services.add_customer_message(complaint=complaint, body="That is not enough.")
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.EMAIL,
    )
    services.declare_deadlock(complaint=complaint, by=agent, final_position="Our final position.")
    with TestCase.captureOnCommitCallbacks(execute=False):
        sweep.enforce_deadlines()
    letter = OutboundMessage.objects.get(reference=complaint.reference, template_key="adr_letter")
    deliver_message(message_id=letter.pk)
    ombudsman.record_ombudsman_referral(
        complaint=complaint, by=agent, scheme_reference="CO-1", referred_on=timezone.localdate()
    )
    ombudsman.record_ombudsman_decision(
        complaint=complaint,
        by=agent,
        decision_on=timezone.localdate(),
        customer_response=OmbudsmanCase.CustomerResponse.ACCEPTED,
        customer_responded_on=timezone.localdate(),
    )

    events = events_about(complaint.reference)
    assert [(event["type"], event["data"].get("status"), event["data"].get("stage")) for event in events] == [
        ("complaint.filed", "received", 1),
        ("complaint.status_changed", "in_progress", None),  # a proposal starts work on it, then
        ("complaint.status_changed", "resolution_proposed", None),
        ("customer.message_received", None, None),
        ("complaint.stage_changed", None, 2),
        ("complaint.status_changed", "in_progress", None),  # back in hand at stage 2
        ("complaint.deadline_overdue", None, 2),  # the acknowledgement (never sent in this test)
        ("adr_letter.sent", None, None),
        ("complaint.stage_changed", None, 4),
        ("ombudsman.decision_recorded", None, None),
    ]
    message = events[3]["data"]
    assert message["entry_id"] == complaint.timeline.get(kind="customer_message").pk
    assert "not enough" not in json.dumps(events)  # the message is read through the API
    assert events[4]["data"]["previous_stage"] == 1
    assert events[6]["data"]["deadline"] == "acknowledgement"
    assert events[7]["data"] == {
        "reference": complaint.reference,
        "sent_at": events[7]["data"]["sent_at"],
        "channel": "email",
        "at_deadlock": True,
    }
    assert events[9]["data"]["customer_response"] == "accepted"
    assert events[9]["data"]["remedy_due"] == str(OmbudsmanCase.objects.get(pk=complaint.pk).remedy_due)
    assert len({event["id"] for event in events}) == len(events)
    assert_as_the_schema_says(client, events)
    wrong = {**events[0], "data": {**events[0]["data"], "stage": 9}}
    with pytest.raises(JsonSchemaError):  # the check is not vacuous
        assert_as_the_schema_says(client, [wrong])


def assert_as_the_schema_says(client, events: list[dict]) -> None:
    """Each event as the API's schema documents it (its `webhooks`), with no field it does not name."""
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    for event in events:
        body = schema["webhooks"][event["type"]]["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]
        validator = Draft202012Validator(
            {**body, "components": schema["components"]}, format_checker=Draft202012Validator.FORMAT_CHECKER
        )
        validator.validate(event)
        data_name = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]["properties"]["data"]
        documented = schema["components"]["schemas"][data_name["$ref"].rsplit("/", 1)[1]]["properties"]
        assert set(event["data"]) == set(documented), event["type"]


def test_a_deadline_passed_unanswered_is_an_event_once():
    endpoint(WebhookEvent.COMPLAINT_DEADLINE_OVERDUE)
    complaint = filed_complaint(acknowledged=False)
    due = Escalation.objects.get(pk=complaint.pk).stage_one_due
    later = timezone.make_aware(
        timezone.datetime.combine(due + timedelta(days=1), timezone.datetime.min.time())
    )
    later += timedelta(hours=10)

    with TestCase.captureOnCommitCallbacks(execute=False):
        sweep.enforce_deadlines(now=later)
        sweep.enforce_deadlines(now=later)  # a second sweep sends nothing again

    overdue = [event["data"] for event in events_about(complaint.reference)]
    assert {"reference": complaint.reference, "deadline": "stage_one", "due": str(due), "stage": 1} in overdue
    assert len(overdue) == len({(event["deadline"], event["due"]) for event in overdue})


def test_a_delivery_is_signed_and_the_receiver_can_check_it(receiver):
    hooks = receiver()
    made = endpoint(WebhookEvent.COMPLAINT_FILED, url=hooks.url)
    complaint = filed_complaint(acknowledged=False)
    delivery = WebhookDelivery.objects.get()

    deliver(delivery_id=delivery.pk)

    [request] = hooks.received
    assert request.path == "/hooks/complaints?source=portal"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == str(delivery.event_id)
    assert request.body == delivery.body.encode()
    assert verify(made.secret, request.headers, request.body)
    assert not verify(webhooks.new_secret(), request.headers, request.body)
    assert not verify(
        made.secret, request.headers, request.body.replace(complaint.reference.encode(), b"NS-0000-0000")
    )
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.DELIVERED
    assert (delivery.attempts, delivery.last_status_code) == (1, 200)


def test_after_a_new_secret_both_sign_for_a_day(receiver):
    hooks = receiver()
    first = endpoint(WebhookEvent.COMPLAINT_FILED, url=hooks.url)
    second = webhooks.replace_secret(first.endpoint)
    filed_complaint(acknowledged=False)
    filed_complaint(acknowledged=False)
    early, late = WebhookDelivery.objects.order_by("pk")

    deliver(delivery_id=early.pk)
    with time_machine.travel(timezone.now() + webhooks.PREVIOUS_SECRET_SIGNS_FOR + timedelta(minutes=1)):
        deliver(delivery_id=late.pk)

    during, after = hooks.received
    assert verify(first.secret, during.headers, during.body)
    assert verify(second.secret, during.headers, during.body)
    assert len(after.headers["webhook-signature"].split()) == 1
    assert verify(second.secret, after.headers, after.body, tolerance=10**6)
    assert not verify(first.secret, after.headers, after.body, tolerance=10**6)


def test_a_failing_receiver_is_tried_again_with_backoff_until_it_takes_the_event(receiver, settings):
    hooks = receiver(500, 503, 302)  # a redirect is not followed: a failure like the others
    endpoint(WebhookEvent.COMPLAINT_FILED, url=hooks.url)
    filed_complaint(acknowledged=False)
    delivery = WebhookDelivery.objects.get()
    now = timezone.now()

    for attempt, status in enumerate((500, 503, 302), start=1):
        with pytest.raises(DeliveryFailed) as failed:
            deliver(delivery_id=delivery.pk)
        delivery.refresh_from_db()
        assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", attempt, status)
        assert f"HTTP {status}" in delivery.last_error
        gap = delivery.next_attempt_at - delivery.last_attempt_at  # counted from the answer
        assert retry_gap(attempt) == settings.WEBHOOK_FIRST_RETRY * 2 ** (attempt - 1)
        assert retry_gap(attempt) <= gap < retry_gap(attempt) + timedelta(seconds=5)
        assert failed.value.retry_at == delivery.next_attempt_at
        assert deliver(delivery_id=delivery.pk).attempts == attempt  # early: not its time yet
        WebhookDelivery.objects.filter(pk=delivery.pk).update(next_attempt_at=now)

    deliver(delivery_id=delivery.pk)

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("delivered", 4, "")
    assert len(hooks.received) == 4
    assert {request.headers["webhook-id"] for request in hooks.received} == {str(delivery.event_id)}
    assert len({request.body for request in hooks.received}) == 1
    assert retry_gap(30) == settings.WEBHOOK_LONGEST_RETRY


def test_after_the_last_try_a_delivery_fails_and_a_manager_can_send_it_again(receiver, settings):
    settings.WEBHOOK_ATTEMPTS = 2
    hooks = receiver(500, 500)
    endpoint(WebhookEvent.COMPLAINT_FILED, url=hooks.url)
    filed_complaint(acknowledged=False)
    delivery = WebhookDelivery.objects.get()
    with pytest.raises(DeliveryFailed):
        deliver(delivery_id=delivery.pk)
    WebhookDelivery.objects.update(next_attempt_at=None)
    assert deliver(delivery_id=delivery.pk).status == WebhookDelivery.Status.FAILED

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert webhook_outbox.send_again([delivery]) == [delivery.pk]

    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert len(hooks.received) == 3


def test_a_private_address_is_never_reached(receiver, settings):
    hooks = receiver()
    endpoint(WebhookEvent.COMPLAINT_FILED, url=hooks.url)
    filed_complaint(acknowledged=False)
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False

    delivery = deliver(delivery_id=WebhookDelivery.objects.get().pk)

    assert delivery.status == WebhookDelivery.Status.FAILED  # a mistake, not a passing failure
    assert "127.0.0.1, which is not a public address" in delivery.last_error
    assert hooks.received == []


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),  # noqa: S104  (an address checked, not bound)
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),
        ("8.8.8.8", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_which_addresses_are_public(address, public):
    assert is_public(address) is public


def test_a_switched_off_endpoint_gets_nothing_more(receiver):
    hooks = receiver()
    made = endpoint(WebhookEvent.COMPLAINT_FILED, url=hooks.url)
    filed_complaint(acknowledged=False)
    WebhookEndpoint.objects.filter(pk=made.endpoint.pk).update(active=False)

    delivery = deliver(delivery_id=WebhookDelivery.objects.get().pk)

    assert (delivery.status, delivery.last_error) == ("failed", "The endpoint is switched off.")
    assert hooks.received == []
    filed_complaint(acknowledged=False)
    assert WebhookDelivery.objects.count() == 1


def test_deliveries_whose_task_was_lost_are_taken_up_again():
    endpoint(WebhookEvent.COMPLAINT_FILED)
    filed_complaint(acknowledged=False)
    delivery = WebhookDelivery.objects.get()
    assert webhook_delivery_ids_to_requeue() == []  # still on its way through the broker
    later = timezone.now() + REQUEUE_AFTER + timedelta(seconds=1)
    assert webhook_delivery_ids_to_requeue(now=later) == [delivery.pk]

    WebhookDelivery.objects.update(status=WebhookDelivery.Status.SENDING, last_attempt_at=timezone.now())
    assert take_back_interrupted_sends() == 0  # maybe still being sent
    assert take_back_interrupted_sends(now=timezone.now() + timedelta(minutes=6)) == 1
    assert webhook_delivery_ids_to_requeue(now=later) == [delivery.pk]


def test_old_deliveries_are_forgotten_and_waiting_ones_kept(settings):
    endpoint(WebhookEvent.COMPLAINT_FILED)
    for _ in range(3):
        filed_complaint(acknowledged=False)
    done, failed, waiting = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=done.pk).update(status="delivered")
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="failed")

    later = timezone.now() + timedelta(days=settings.WEBHOOK_KEEP_DAYS, minutes=1)
    assert forget_old_deliveries(now=later) == 2
    assert list(WebhookDelivery.objects.all()) == [waiting]
