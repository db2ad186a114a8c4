"""Opening a complaint through the API: the same service and rules as the admin's "Log a complaint",
so the acknowledgement and the clocks follow as for any other; a retried request opens one."""

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint, SupportNeeds, TimelineEntry
from escalation.models import Escalation
from integrations.models import Scope
from tests.integrations.factories import api_key, bearer

pytestmark = pytest.mark.django_db(transaction=True)  # the acknowledgement goes after commit

COMPLAINTS = reverse("api:complaints")


def body(**overrides) -> dict:
    return {
        "channel": "phone",
        "first_received_at": (timezone.now() - timedelta(days=3)).isoformat(),
        "customer_name": "Ffion Hughes",
        "email": "ffion@example.com",
        "phone": "01223 446000",
        "postal_address": "2 Castle Street\\nCardiff",
        "postcode": "cf10 1bs",
        "customer_type": "residential",
        "category": "billing",
        "description": "Charged twice for November.",
        "reply_preference": "email",
        **overrides,
    }


def post(client, made, data, **headers):
    return client.post(COMPLAINTS, data, content_type="application/json", **bearer(made), **headers)


def test_a_complaint_opened_through_the_api_is_acknowledged_and_clocked_as_any_other(client):
    made = api_key(Scope.COMPLAINTS_WRITE, name="Telephony")
    first_received = timezone.now() - timedelta(days=3)
    response = post(client, made, body(first_received_at=first_received.isoformat()))
    assert response.status_code == 201
    complaint = Complaint.objects.get(reference=response.json()["reference"])
    assert response["Location"].endswith(reverse("api:complaint", args=[complaint.reference]))
    assert (complaint.channel, complaint.postcode) == ("phone", "CF10 1BS")  # the admin's rules
    assert abs(complaint.first_received_at - first_received) < timedelta(seconds=1)
    assert complaint.logged_by == made.key.user
    assert "Telephony" in complaint.logged_by.get_full_name()
    assert Escalation.objects.get(pk=complaint.pk).acknowledgement_due is not None
    assert TimelineEntry.objects.filter(complaint=complaint, kind=TimelineEntry.Kind.FILED).exists()
    assert any(complaint.reference in message.subject for message in mail.outbox)


def test_opening_needs_the_write_scope(client):
    response = post(client, api_key(Scope.COMPLAINTS_READ), body())
    assert response.status_code == 403
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"first_received_at": (timezone.now() + timedelta(days=1)).isoformat()}, "first_received_at"),
        ({"channel": "portal"}, "channel"),
        ({"customer_name": ""}, "customer_name"),
        ({"postcode": "not a postcode"}, "postcode"),
        ({"reply_preference": "email", "email": ""}, "email"),
        ({"first_received_at": "last Tuesday"}, "first_received_at"),
    ],
)
def test_what_the_admin_refuses_the_api_refuses_naming_the_field(client, overrides, field):
    response = post(client, api_key(Scope.COMPLAINTS_WRITE), body(**overrides))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not Complaint.objects.exists()


def test_support_needs_cannot_be_recorded_through_the_api(client):
    response = post(
        client,
        api_key(Scope.COMPLAINTS_WRITE),
        body(needs=["telecare"], support_needs="Uses a care line.", needs_consent=True),
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"needs", "support_needs", "needs_consent"}
    assert not SupportNeeds.objects.exists()
    assert not Complaint.objects.exists()


def test_a_retried_request_opens_one_complaint_and_answers_as_the_first_time(client):
    made = api_key(Scope.COMPLAINTS_WRITE)
    data = body()
    first = post(client, made, data, HTTP_IDEMPOTENCY_KEY="call-7731")
    again = post(client, made, data, HTTP_IDEMPOTENCY_KEY="call-7731")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    assert sum(Complaint.objects.get().reference in message.subject for message in mail.outbox) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(client):
    made = api_key(Scope.COMPLAINTS_WRITE)
    post(client, made, body(), HTTP_IDEMPOTENCY_KEY="call-7731")
    response = post(client, made, body(description="Something else."), HTTP_IDEMPOTENCY_KEY="call-7731")
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert Complaint.objects.count() == 1


def test_the_same_request_written_out_differently_is_the_same_request(client):
    """A client that builds the JSON again for its retry (other key order, other spacing) is answered
    with the first result, not refused: the fingerprint is what the JSON says, not its bytes."""
    made = api_key(Scope.COMPLAINTS_WRITE)
    data = body()
    first = client.post(
        COMPLAINTS,
        json.dumps(data),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="k9",
        **bearer(made),
    )
    rewritten = json.dumps(dict(reversed(data.items())), indent=2)
    again = client.post(
        COMPLAINTS, rewritten, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k9", **bearer(made)
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1


def test_an_idempotency_key_is_each_key_s_own_and_lasts_a_day(client):
    import time_machine

    crm, telephony = api_key(Scope.COMPLAINTS_WRITE), api_key(Scope.COMPLAINTS_WRITE, name="Telephony")
    post(client, crm, body(), HTTP_IDEMPOTENCY_KEY="k1")
    post(client, telephony, body(), HTTP_IDEMPOTENCY_KEY="k1")
    assert Complaint.objects.count() == 2
    with time_machine.travel(timezone.now() + timedelta(hours=25)):
        post(client, crm, body(first_received_at=timezone.now().isoformat()), HTTP_IDEMPOTENCY_KEY="k1")
    assert Complaint.objects.count() == 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two transactions at once (PostgreSQL)")
def test_two_copies_racing_open_one_complaint(client, monkeypatch):
    """Both copies pass the first look (nothing recorded yet) and open a complaint in their own
    transaction; the second to record the key waits on the unique index, then undoes its complaint
    and answers with the first's."""
    import threading

    from django.db import connections
    from django.test import Client

    from integrations import services

    made = api_key(Scope.COMPLAINTS_WRITE)
    both_inside = threading.Barrier(2, timeout=10)
    opening = services.open_complaint

    def open_together(**kwargs):
        complaint = opening(**kwargs)
        both_inside.wait()  # each has opened its complaint, neither has recorded the key
        return complaint

    monkeypatch.setattr(services, "open_complaint", open_together)
    answers, data = [], body()

    def send():
        try:
            answers.append(post(Client(), made, data, HTTP_IDEMPOTENCY_KEY="race"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(answer.status_code for answer in answers) == [201, 201]
    assert sorted(answer.get("Idempotent-Replayed", "") for answer in answers) == ["", "true"]
    assert answers[0].json()["reference"] == answers[1].json()["reference"]
    assert Complaint.objects.count() == 1
