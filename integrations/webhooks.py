"""Webhooks out: endpoints, their signing secrets, and the events written to the outbox.

Signatures follow the Standard Webhooks specification (standardwebhooks.com), so a receiver can use
its libraries or a few lines of its own (README, "Verifying a webhook"):

- `webhook-id`: the event's id, the same on every attempt (drop a repeat you have seen);
- `webhook-timestamp`: the attempt's time, in seconds since 1970 (refuse one far from now);
- `webhook-signature`: `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, one for each secret in use,
  space-separated; the key is the secret's base64 part, decoded (`whsec_<base64>`).
"""

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

SECRET_START = "whsec_"  # noqa: S105  (the start of every secret, not one)
# After a secret is replaced the old one also signs this long, for the receiver to change over.
PREVIOUS_SECRET_SIGNS_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class MadeEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown to the manager once


def new_secret() -> str:
    return SECRET_START + base64.b64encode(secrets.token_bytes(24)).decode()


@transaction.atomic
def make_endpoint(*, name: str, url: str, events: list[str], by) -> MadeEndpoint:
    endpoint = WebhookEndpoint.objects.create(
        name=name, url=url, events=sorted(set(events)), secret=new_secret(), created_by=by
    )
    return MadeEndpoint(endpoint=endpoint, secret=endpoint.secret)


@transaction.atomic
def replace_secret(endpoint: WebhookEndpoint) -> MadeEndpoint:
    """A new secret, shown once; the old one goes on signing (as a second signature) for a day."""
    endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
    endpoint.previous_secret, endpoint.secret = endpoint.secret, new_secret()
    endpoint.previous_secret_until = timezone.now() + PREVIOUS_SECRET_SIGNS_FOR
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    return MadeEndpoint(endpoint=endpoint, secret=endpoint.secret)


def signature(*, secret: str, event_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_START))
    signed = f"{event_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


def signed_headers(delivery: WebhookDelivery, *, now: datetime | None = None) -> dict[str, str]:
    """The headers of one attempt: signed afresh, so a retry hours later carries a current timestamp."""
    timestamp = int((now or timezone.now()).timestamp())
    event_id = str(delivery.event_id)
    body = delivery.body.encode()
    return {
        "Content-Type": "application/json",
        "User-Agent": "NetserversComplaints-Webhooks/1",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            signature(secret=secret, event_id=event_id, timestamp=timestamp, body=body)
            for secret in delivery.endpoint.signing_secrets()
        ),
    }


@dataclass(frozen=True)
class Event:
    type: str  # WebhookEvent
    reference: str
    data: dict  # references and states only, never a person's details or support needs


# --- What each event says ----------------------------------------------------------------------------


def complaint_filed(complaint, stage: int) -> Event:
    return Event(
        WebhookEvent.COMPLAINT_FILED,
        complaint.reference,
        {
            "reference": complaint.reference,
            "status": complaint.status,
            "stage": stage,
            "channel": complaint.channel,
            "category": complaint.category,
            "first_received_at": complaint.first_received_at,
        },
    )


def status_changed(complaint, *, old_status: str, new_status: str) -> Event:
    return Event(
        WebhookEvent.COMPLAINT_STATUS_CHANGED,
        complaint.reference,
        {"reference": complaint.reference, "previous_status": old_status, "status": new_status},
    )


def stage_changed(complaint, *, from_stage: int, to_stage: int) -> Event:
    return Event(
        WebhookEvent.COMPLAINT_STAGE_CHANGED,
        complaint.reference,
        {"reference": complaint.reference, "previous_stage": from_stage, "stage": to_stage},
    )


def deadline_overdue(complaint, *, deadline: str, due, stage: int) -> Event:
    return Event(
        WebhookEvent.COMPLAINT_DEADLINE_OVERDUE,
        complaint.reference,
        {"reference": complaint.reference, "deadline": deadline, "due": due, "stage": stage},
    )


def adr_letter_sent(complaint, *, sent_at, channel: str, at_deadlock: bool) -> Event:
    return Event(
        WebhookEvent.ADR_LETTER_SENT,
        complaint.reference,
        {
            "reference": complaint.reference,
            "sent_at": sent_at,
            "channel": channel,
            "at_deadlock": at_deadlock,
        },
    )


def ombudsman_decision_recorded(complaint, ombudsman_case) -> Event:
    return Event(
        WebhookEvent.OMBUDSMAN_DECISION_RECORDED,
        complaint.reference,
        {
            "reference": complaint.reference,
            "decision_on": ombudsman_case.decision_on,
            "customer_response": ombudsman_case.customer_response or None,
            "remedy_due": ombudsman_case.remedy_due,
        },
    )


def customer_message_received(complaint, entry) -> Event:
    """The entry's id: the message itself is read through the API (timeline), with a key's scope."""
    return Event(
        WebhookEvent.CUSTOMER_MESSAGE_RECEIVED,
        complaint.reference,
        {"reference": complaint.reference, "entry_id": entry.pk, "received_at": entry.created_at},
    )
