"""What the second review of the API and its webhooks found, each kept fixed: no 500 for deeply
nested JSON, problem details for every error under /api/ (a body over the API's own limit, a path
outside v1), types checked (a number is not a text, a time needs its offset), OPTIONS on a write-only
endpoint, and webhooks: no address that hides a private one, no plain HTTP once it is not allowed,
a bracketed IPv6 Host, times in UTC, a bounded backoff, a robust signature check."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse

from complaints.models import Complaint
from integrations import webhooks
from integrations.models import Scope, WebhookDelivery, WebhookEvent
from integrations.webhook_delivery import AddressRefused, deliver, is_public, post, retry_gap
from tests.escalation.factories import filed_complaint
from tests.integrations.factories import api_key, bearer
from tests.integrations.receiver import start_receiver
from tests.integrations.test_create import body
from tests.integrations.test_webhooks import verify

pytestmark = pytest.mark.django_db

COMPLAINTS = reverse("api:complaints")


def writer():
    return bearer(api_key(Scope.COMPLAINTS_WRITE, Scope.COMPLAINTS_READ, Scope.TIMELINE_WRITE))


def test_deeply_nested_json_is_a_400_problem_not_a_500(client):
    deep = "[" * 5000 + "]" * 5000
    for url in (COMPLAINTS, reverse("api:timeline", args=[filed_complaint().reference])):
        response = client.post(
            url, deep, content_type="application/json", HTTP_IDEMPOTENCY_KEY="d", **writer()
        )
        assert response.status_code == 400, url
        assert response["Content-Type"] == "application/problem+json"


def test_a_body_over_the_api_s_own_limit_is_a_413_problem(client, settings):
    """The API takes no files: its limit is the form fields' (DATA_UPLOAD_MAX_MEMORY_SIZE), below
    which Django would otherwise answer an HTML 400."""
    big = json.dumps({**body(), "description": "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)})
    response = client.post(COMPLAINTS, big, content_type="application/json", **writer())
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in response.json()["detail"]


@pytest.mark.parametrize("path", ["/api/", "/api/v2/complaints/", "/api/foo"])
def test_any_unknown_path_under_api_is_a_404_problem(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer_name": 123}, "customer_name"),
        ({"description": 5.5}, "description"),
        ({"first_received_at": "2026-12-01T10:00:00"}, "first_received_at"),  # no offset
        ({"first_received_at": "2026-12-01"}, "first_received_at"),
    ],
)
def test_a_number_is_not_a_text_and_a_time_needs_its_offset(client, changes, field):
    response = client.post(COMPLAINTS, {**body(), **changes}, content_type="application/json", **writer())
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Complaint.objects.exists()


def test_a_number_is_not_a_resolution_or_a_call(client):
    complaint = filed_complaint()
    credentials = writer()
    propose = reverse("api:action-propose", args=[complaint.reference])
    timeline = reverse("api:timeline", args=[complaint.reference])
    assert (
        client.post(propose, {"resolution": 5}, content_type="application/json", **credentials).status_code
        == 400
    )
    assert (
        client.post(
            timeline, {"kind": "call", "body": 5}, content_type="application/json", **credentials
        ).status_code
        == 400
    )
    assert Complaint.objects.get().status == Complaint.Status.RECEIVED


def test_options_on_a_write_only_endpoint_takes_its_write_scope(client):
    complaint = filed_complaint()
    url = reverse("api:action-propose", args=[complaint.reference])
    assert client.options(url, **writer()).status_code == 200
    assert client.options(url, **bearer(api_key(Scope.REPORTS_READ))).status_code == 403


@pytest.mark.parametrize(
    "address",
    [
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "64:ff9b::7f00:1",
        "2002:7f00:1::",  # 6to4 of 127.0.0.1
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:0:7f00:1",  # IPv4-translated
        "fec0::1",  # site-local
    ],
)
def test_an_ipv6_address_that_carries_a_private_ipv4_one_is_not_public(address):
    assert is_public(address) is False


def test_a_public_ipv4_inside_nat64_stays_public():
    assert is_public("64:ff9b::808:808") is True  # 8.8.8.8


@pytest.fixture
def receiver(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = settings.WEBHOOK_ALLOW_HTTP = True
    hooks, server = start_receiver()
    yield hooks
    server.shutdown()
    server.server_close()


def test_plain_http_is_refused_at_delivery_once_it_is_not_allowed(receiver, settings):
    webhooks.make_endpoint(name="B", url=receiver.url, events=[WebhookEvent.COMPLAINT_FILED], by=None)
    filed_complaint(acknowledged=False)
    settings.WEBHOOK_ALLOW_HTTP = False
    delivery = deliver(delivery_id=WebhookDelivery.objects.get().pk)
    assert delivery.status == WebhookDelivery.Status.FAILED
    assert "https" in delivery.last_error
    assert receiver.received == []


def test_an_ipv6_literal_endpoint_gets_a_bracketed_host_header(settings, monkeypatch):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = settings.WEBHOOK_ALLOW_HTTP = True
    sent = {}

    def urlopen(self, method, url, body=None, headers=None, **kwargs):
        sent.update(headers)
        raise ConnectionRefusedError("no one listens in the test")

    monkeypatch.setattr("urllib3.HTTPConnectionPool.urlopen", urlopen)
    with pytest.raises(ConnectionRefusedError):
        post("http://[::1]:8443/hooks", b"{}", {})
    assert sent["Host"] == "[::1]:8443"


def test_times_in_events_are_utc(settings):
    webhooks.make_endpoint(
        name="B", url="https://hooks.example.com/", events=[WebhookEvent.COMPLAINT_FILED], by=None
    )
    filed_complaint(days_ago=60, acknowledged=False)  # first received in October: BST, +01:00
    event = json.loads(WebhookDelivery.objects.get().body)
    assert event["timestamp"].endswith("Z")
    assert event["data"]["first_received_at"].endswith("Z")


def test_the_backoff_stays_bounded_however_many_tries(settings):
    settings.WEBHOOK_ATTEMPTS = 200
    assert retry_gap(199) == settings.WEBHOOK_LONGEST_RETRY


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"webhook-id": "x", "webhook-timestamp": "soon", "webhook-signature": "v1,abc"},
        {"webhook-id": "x", "webhook-timestamp": "1"},
    ],
)
def test_the_readme_s_check_says_no_to_missing_or_garbled_headers(headers):
    assert verify(webhooks.new_secret(), headers, b"{}") is False


def test_revoking_a_revoked_key_again_says_none_was(client):
    from django.contrib.messages import get_messages

    from escalation.roles import COMPLAINTS_MANAGERS
    from integrations import keys
    from tests.escalation.factories import staff_member

    made = api_key()
    keys.revoke_key(made.key)
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    response = client.post(
        reverse("admin:integrations_apikey_changelist"),
        {"action": "revoke", "_selected_action": [made.key.pk]},
        follow=True,
    )
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["0 key(s) revoked."]


def test_an_address_refused_is_a_mistake_not_a_passing_failure(settings):
    settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(AddressRefused):
        post("https://[64:ff9b::a9fe:a9fe]/latest/meta-data/", b"{}", {})


def test_the_entry_a_webhook_names_is_read_on_its_own_under_the_timeline_s_rules(client):
    from complaints import services as complaint_services
    from escalation.roles import COMPLAINTS_MANAGERS
    from tests.escalation.factories import staff_member

    webhooks.make_endpoint(
        name="CRM", url="https://crm.example.com/", events=[WebhookEvent.CUSTOMER_MESSAGE_RECEIVED], by=None
    )
    complaint = filed_complaint()
    complaint_services.add_customer_message(complaint=complaint, body="The router is still down.")
    note = complaint_services.add_internal_note(
        complaint=complaint, by=staff_member(COMPLAINTS_MANAGERS), body="Goodwill agreed."
    )
    entry_id = json.loads(WebhookDelivery.objects.get().body)["data"]["entry_id"]
    reader = bearer(api_key(Scope.COMPLAINTS_READ))

    def read(entry, credentials):
        return client.get(reverse("api:timeline_entry", args=[complaint.reference, entry]), **credentials)

    message = read(entry_id, reader)
    assert message.status_code == 200
    assert (message.json()["kind"], message.json()["body"]) == (
        "customer_message",
        "The router is still down.",
    )
    assert read(note.pk, reader).status_code == 404  # internal: no such entry for this key
    assert read(note.pk, bearer(api_key(Scope.COMPLAINTS_READ, Scope.TIMELINE_INTERNAL))).status_code == 200
    other = filed_complaint()
    assert (
        client.get(reverse("api:timeline_entry", args=[other.reference, entry_id]), **reader).status_code
        == 404
    )


# --- Found by the check of these fixes -------------------------------------------------------------


@pytest.mark.parametrize(
    "moment",
    [
        "2026-02-30T10:00:00Z",  # no such day
        "2026-12-01T25:00:00+00:00",
        "2026-12-01T10:00:00+99:00",
        "2026-13-01",
        "2026-07-01t10:00:00",  # no offset, written with another separator
        "2026-07-01_10:00:00",
        "2026-07-01x10:00",
    ],
)
def test_a_time_that_cannot_be_or_has_no_offset_is_a_400_naming_it(client, moment):
    response = client.post(
        COMPLAINTS, {**body(), "first_received_at": moment}, content_type="application/json", **writer()
    )
    assert response.status_code == 400, moment
    assert "first_received_at" in response.json()["errors"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("where", "data"),
    [
        ("timeline", '{"kind": "\\ud800", "body": "x"}'),
        ("timeline", '{"kind": "call", "body": "x", "\\ud800": 1}'),
        ("complaints", '{"channel": "\\ud800"}'),
    ],
)
def test_an_unpaired_surrogate_is_a_400_not_a_500(client, where, data):
    complaint = filed_complaint()
    url = COMPLAINTS if where == "complaints" else reverse("api:timeline", args=[complaint.reference])
    response = client.post(url, data, content_type="application/json", **writer())
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_cursor_too_long_to_be_an_id_is_a_404(client):
    import base64

    cursor = base64.b64encode(b"p=" + b"9" * 4301).decode()
    response = client.get(COMPLAINTS, {"cursor": cursor}, **writer())
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_nul_in_the_key_or_the_idempotency_key_is_refused_not_a_500(client):
    made = api_key(Scope.COMPLAINTS_WRITE)
    prefix = made.plain.split("_")[1]
    broken = {"HTTP_AUTHORIZATION": f"Bearer nsk_{prefix[:4]}\x00{prefix[5:]}_abc"}
    assert client.get(COMPLAINTS, **broken).status_code == 401
    response = client.post(
        COMPLAINTS, body(), content_type="application/json", HTTP_IDEMPOTENCY_KEY="a\x00b", **bearer(made)
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]


@pytest.mark.parametrize("path", ["/api", "/api/v1"])
def test_the_api_s_roots_without_a_slash_are_404_problems_not_redirects(client, path):
    response = client.post(path, body(), content_type="application/json", **writer())
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("value", ["5.0", "１", True, 1.5])
def test_a_root_cause_is_a_whole_number(client, value):
    from escalation.models import Outcome
    from tests.escalation.factories import root_cause

    root_cause()
    complaint = filed_complaint()
    url = reverse("api:action-conclusion", args=[complaint.reference])
    response = client.post(
        url, {"root_cause": value, "outcome": Outcome.UPHELD}, content_type="application/json", **writer()
    )
    assert response.status_code == 400
    assert "root_cause" in response.json()["errors"]


@pytest.mark.parametrize(
    "headers",
    [
        {"webhook-id": "x", "webhook-timestamp": "²", "webhook-signature": "v1,abc"},
        {"webhook-id": "x", "webhook-timestamp": "9" * 4301, "webhook-signature": "v1,abc"},
        {"webhook-id": "x", "webhook-timestamp": "NOW", "webhook-signature": "v1,é"},
    ],
)
def test_the_readme_s_check_says_no_to_odd_numbers_and_letters(headers):
    import time

    if headers["webhook-timestamp"] == "NOW":
        headers = {**headers, "webhook-timestamp": str(int(time.time()))}
    assert verify(webhooks.new_secret(), headers, b"{}") is False


def test_the_backoff_stays_bounded_with_an_absurd_first_wait(settings):
    settings.WEBHOOK_FIRST_RETRY = timedelta(seconds=100_000)
    assert retry_gap(40) == settings.WEBHOOK_LONGEST_RETRY
