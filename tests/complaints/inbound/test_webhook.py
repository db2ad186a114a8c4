"""An e-mail provider's inbound webhook (django-anymail): signed requests are taken in, others refused."""

import base64
import hashlib
import hmac
import json
import time

import pytest

from complaints.models import Complaint, InboundEmail
from complaints.reply_addresses import reply_address
from complaints.services import file_complaint
from tests.complaints.factories import complaint_form_data
from tests.complaints.inbound import corpus

pytestmark = pytest.mark.django_db

SIGNING_KEY = "key-test-mailgun-signing"
BASIC_AUTH = "portal-hook:a-long-random-webhook-secret"


@pytest.fixture(autouse=True)
def _providers(settings):
    settings.INBOUND_WEBHOOK_ESPS = ["mailgun", "postmark"]
    settings.ANYMAIL = {"WEBHOOK_SECRET": BASIC_AUTH, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


def auth(credentials=BASIC_AUTH) -> dict:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(credentials.encode()).decode()}


def mailgun_fields(raw: bytes, *, recipient="complaints@netservers.co.uk", key=SIGNING_KEY) -> dict:
    """Mailgun's forward() of a message as raw MIME, signed as Mailgun signs it."""
    timestamp, token = str(int(time.time())), "a" * 50
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    return {
        "body-mime": raw.decode(),
        "recipient": recipient,
        "sender": "priya@example.com",
        "timestamp": timestamp,
        "token": token,
        "signature": signature,
    }


def test_a_signed_mailgun_post_opens_a_complaint(client):
    response = client.post(
        "/inbound/email/mailgun/", mailgun_fields(corpus.new_complaint(sender="priya@example.com")), **auth()
    )
    assert response.status_code == 200
    received = InboundEmail.objects.get()
    assert received.received_via == InboundEmail.Via.WEBHOOK
    assert received.complaint.email == "priya@example.com"


def test_the_envelope_recipient_from_the_provider_is_matched_as_the_reply_address(client):
    complaint = file_complaint(**complaint_form_data(email="jane@example.com"))
    raw = corpus.gmail_reply(sender="jane@example.com", to="someone@example.org", subject="Re: hi")
    fields = mailgun_fields(raw, recipient=reply_address(complaint.reference))
    assert client.post("/inbound/email/mailgun/", fields, **auth()).status_code == 200
    assert InboundEmail.objects.get().complaint == complaint


def test_a_post_with_a_wrong_signature_is_refused_and_nothing_stored(client):
    fields = mailgun_fields(corpus.new_complaint(), key="not-the-key")
    response = client.post("/inbound/email/mailgun/", fields, **auth())
    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0


def test_a_post_without_the_webhook_secret_is_refused_and_nothing_stored(client):
    response = client.post("/inbound/email/mailgun/", mailgun_fields(corpus.new_complaint()), **auth("x:y"))
    assert response.status_code == 400
    assert InboundEmail.objects.count() == 0


def test_a_postmark_json_post_with_the_raw_email_is_taken_in(client):
    payload = {
        "RawEmail": corpus.new_complaint(sender="pm@example.com").decode(),
        "Headers": [],
        "MessageID": "x",
    }
    response = client.post(
        "/inbound/email/postmark/", json.dumps(payload), content_type="application/json", **auth()
    )
    assert response.status_code == 200
    assert Complaint.objects.get().email == "pm@example.com"


def test_a_provider_not_configured_has_no_webhook(client):
    response = client.post("/inbound/email/sendgrid/", {"email": "x"}, **auth())
    assert response.status_code == 404
    assert InboundEmail.objects.count() == 0


def test_the_same_message_posted_twice_by_the_provider_is_stored_once(client):
    raw = corpus.new_complaint()
    for _ in range(2):
        assert client.post("/inbound/email/mailgun/", mailgun_fields(raw), **auth()).status_code == 200
    assert InboundEmail.objects.count() == 1
    assert Complaint.objects.count() == 1


def test_a_message_too_large_to_take_in_is_recorded_for_staff_with_its_headers(client, settings):
    # The provider has accepted it from the sender already: nobody would hear of it otherwise.
    settings.INBOUND_MAX_BYTES = 2_000
    raw = corpus.new_complaint(sender="priya@example.com", text="x" * 5_000)
    response = client.post("/inbound/email/mailgun/", mailgun_fields(raw), **auth())
    assert response.status_code == 200
    [received] = InboundEmail.objects.all()
    assert received.outcome == InboundEmail.Outcome.QUARANTINED
    assert (received.sender, received.subject) == ("priya@example.com", "Broadband down for a week")
    assert received.size > 5_000  # as the provider passed it on (re-encoded: a few bytes either way)
    assert f"too large to take in ({received.size:,} bytes; we accept up to 2.0\xa0KB)" in received.reason
    assert b"x" * 100 not in bytes(received.raw)  # the headers only
    assert Complaint.objects.count() == 0
    # Delivered again by the provider: still one record.
    client.post("/inbound/email/mailgun/", mailgun_fields(raw), **auth())
    assert InboundEmail.objects.count() == 1
