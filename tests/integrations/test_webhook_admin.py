"""Webhook endpoints and deliveries in the admin: managers register, see the secret once, send again."""

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.urls import reverse

from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from integrations import webhooks
from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

ADD = reverse("admin:integrations_webhookendpoint_add")
LIST = reverse("admin:integrations_webhookendpoint_changelist")
DELIVERIES = reverse("admin:integrations_webhookdelivery_changelist")


def shown_secret(page: str) -> str:
    return page.split('id="new-secret" type="text" readonly value="')[1].split('"')[0]


@pytest.fixture
def manager(client):
    user = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(user)
    return user


def test_a_manager_registers_an_endpoint_and_sees_its_secret_once(client, manager):
    response = client.post(
        ADD,
        {
            "name": "Billing",
            "url": "https://billing.example.com/hooks",
            "events": ["complaint.filed", "adr_letter.sent"],
            "active": "on",
        },
    )

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    endpoint = WebhookEndpoint.objects.get()
    secret = shown_secret(response.content.decode())
    assert secret == endpoint.secret
    assert secret.startswith("whsec_")
    assert (endpoint.events, endpoint.created_by, endpoint.active) == (
        ["adr_letter.sent", "complaint.filed"],
        manager,
        True,
    )
    assert secret not in client.get(LIST).content.decode()
    change = client.get(reverse("admin:integrations_webhookendpoint_change", args=[endpoint.pk]))
    assert change.status_code == 200
    assert secret not in change.content.decode()
    [entry] = LogEntry.objects.filter(object_id=str(endpoint.pk))
    assert (entry.user, entry.action_flag) == (manager, ADDITION)


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://billing.example.com/hooks", "Use an https:// address"),
        ("https://user:pw@billing.example.com/hooks", "Leave the user name and password out"),
        ("https://10.0.0.7/hooks", "private network"),
        ("https://localhost:8443/hooks", "private network"),
        ("https://Hooks.LOCALHOST./in", "private network"),
        ("https://[::1]/hooks", "private network"),
        ("not a url", "Enter a valid URL."),
    ],
)
def test_an_address_a_webhook_must_not_reach_is_refused_with_a_reason(client, manager, settings, url, error):
    settings.WEBHOOK_ALLOW_HTTP = settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    response = client.post(ADD, {"name": "Billing", "url": url, "events": ["complaint.filed"]})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_needs_at_least_one_event(client, manager):
    response = client.post(ADD, {"name": "Billing", "url": "https://billing.example.com/hooks"})
    assert response.status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_a_replaced_secret_is_shown_once_and_recorded(client, manager):
    made = webhooks.make_endpoint(
        name="CRM", url="https://crm.example.com/h", events=["complaint.filed"], by=None
    )
    response = client.post(LIST, {"action": "replace_secret", "_selected_action": [made.endpoint.pk]})
    endpoint = WebhookEndpoint.objects.get()
    assert shown_secret(response.content.decode()) == endpoint.secret != made.secret
    assert endpoint.previous_secret == made.secret
    assert LogEntry.objects.get(object_id=str(endpoint.pk)).action_flag == CHANGE


def test_a_manager_sees_deliveries_and_sends_failed_ones_again(client, manager):
    webhooks.make_endpoint(name="CRM", url="https://crm.example.com/h", events=["complaint.filed"], by=None)
    complaint = filed_complaint(acknowledged=False)
    filed_complaint(acknowledged=False)
    failed, waiting = WebhookDelivery.objects.order_by("pk")
    WebhookDelivery.objects.filter(pk=failed.pk).update(status="failed", attempts=16, last_error="HTTP 500")

    page = client.get(DELIVERIES, {"status": "failed"}).content.decode()
    assert complaint.reference in page
    assert "HTTP 500" in page
    assert client.get(DELIVERIES, {"q": complaint.reference}).status_code == 200

    client.post(DELIVERIES, {"action": "send_again", "_selected_action": [failed.pk, waiting.pk]})

    failed.refresh_from_db()  # waiting for its task (run after commit: never, in this test's transaction)
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "")
    assert WebhookDelivery.objects.get(pk=waiting.pk).status == "pending"


def test_agents_have_no_webhook_pages(client):
    client.force_login(staff_member(SUPPORT_AGENTS))
    assert client.get(LIST).status_code == 403
    assert client.get(DELIVERIES).status_code == 403
    assert (
        client.post(
            ADD, {"name": "x", "url": "https://x.example.com", "events": ["complaint.filed"]}
        ).status_code
        == 403
    )


def test_the_events_are_the_seven_the_integrations_asked_for():
    assert set(WebhookEvent.values) == {
        "complaint.filed",
        "complaint.stage_changed",
        "complaint.status_changed",
        "complaint.deadline_overdue",
        "adr_letter.sent",
        "ombudsman.decision_recorded",
        "customer.message_received",
    }
