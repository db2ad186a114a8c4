"""What a review of the API found, each kept fixed: nothing personal kept for retries, no entries on
anonymised or merged complaints, only the fields the API carries, no 500 on a forged cursor, 405
for a method no endpoint has."""

import base64

import pytest
from django.urls import reverse

from complaints.models import Complaint, TimelineEntry
from complaints.services import anonymise_complaint
from integrations.models import IdempotentRequest, Scope
from tests.escalation.factories import filed_complaint
from tests.integrations.factories import api_key, bearer
from tests.integrations.test_create import body

pytestmark = pytest.mark.django_db

COMPLAINTS = reverse("api:complaints")


def post(client, made, data, url=COMPLAINTS, **headers):
    return client.post(url, data, content_type="application/json", **bearer(made), **headers)


def test_an_answer_kept_for_retries_holds_the_reference_not_the_customer(client):
    made = api_key(Scope.COMPLAINTS_WRITE, Scope.COMPLAINTS_READ)
    data = body()
    first = post(client, made, data, HTTP_IDEMPOTENCY_KEY="k")
    kept = IdempotentRequest.objects.values().get()
    complaint = Complaint.objects.get(reference=first.json()["reference"])
    assert kept["made"] == complaint.reference
    assert not any("Ffion" in str(value) or "ffion@" in str(value) for value in kept.values())
    anonymise_complaint(complaint=complaint, reason="Retention period ended.")
    again = post(client, made, data, HTTP_IDEMPOTENCY_KEY="k")
    assert again.json()["reference"] == complaint.reference
    assert "Ffion" not in again.content.decode()  # replayed as the complaint is now


def test_an_idempotency_key_over_255_characters_is_refused_not_cut(client):
    response = post(client, api_key(Scope.COMPLAINTS_WRITE), body(), HTTP_IDEMPOTENCY_KEY="L" * 256)
    assert response.status_code == 400
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("ended", ["anonymised", "merged"])
def test_nothing_is_added_to_an_anonymised_or_merged_complaint(client, ended):
    complaint = filed_complaint()
    if ended == "anonymised":
        anonymise_complaint(complaint=complaint, reason="Retention period ended.")
    else:
        primary = filed_complaint()
        Complaint.objects.filter(pk=complaint.pk).update(merged_into=primary, status=Complaint.Status.MERGED)
    before = TimelineEntry.objects.filter(complaint=complaint).count()
    response = post(
        client,
        api_key(Scope.TIMELINE_WRITE),
        {"kind": "call", "body": "New mobile 07700 900999"},
        url=reverse("api:timeline", args=[complaint.reference]),
    )
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert TimelineEntry.objects.filter(complaint=complaint).count() == before


@pytest.mark.parametrize(
    "extra",
    [
        {"adjustments": ["large_print"]},
        {"representative_name": "Sam Hughes"},
        {"needs": ["telecare"]},
        {"statuss": "received"},
    ],
)
def test_opening_refuses_fields_the_api_does_not_carry(client, extra):
    response = post(client, api_key(Scope.COMPLAINTS_WRITE), body(**extra))
    assert response.status_code == 400
    assert next(iter(extra)) in response.json()["errors"]
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("field", ["customer_name", "postal_address"])
def test_opening_refuses_values_of_the_wrong_type(client, field):
    response = post(client, api_key(Scope.COMPLAINTS_WRITE), body(**{field: ["x", "y"]}))
    assert response.status_code == 400
    assert field in response.json()["errors"]


@pytest.mark.parametrize("position", ["p=abc", "r=1&p=1.5", "o=-3"])
def test_a_forged_cursor_is_a_404_problem_not_a_500(client, position):
    filed_complaint()
    cursor = base64.b64encode(position.encode()).decode()
    for url in (COMPLAINTS, reverse("api:timeline", args=[Complaint.objects.get().reference])):
        response = client.get(url, {"cursor": cursor}, **bearer(api_key()))
        assert response.status_code in (400, 404)
        assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_a_method_no_endpoint_has_is_a_405(client, method):
    made = api_key(*Scope.values)
    response = getattr(client, method)(COMPLAINTS, {}, content_type="application/json", **bearer(made))
    assert response.status_code == 405
    assert response["Content-Type"] == "application/problem+json"


def test_head_and_options_read_with_the_read_scope(client):
    made = api_key(Scope.COMPLAINTS_READ)
    assert client.head(COMPLAINTS, **bearer(made)).status_code == 200
    assert client.options(COMPLAINTS, **bearer(made)).status_code == 200
    assert client.head(COMPLAINTS, **bearer(api_key(Scope.REPORTS_READ))).status_code == 403


def test_record_changes_stay_off_the_api_s_timeline(client):
    """They can name what helps the customer (large print, no calls): the needs register's business."""
    complaint = filed_complaint()
    TimelineEntry.objects.create(
        complaint=complaint, kind=TimelineEntry.Kind.RECORD_CHANGED, body="What helps: (none) → Large print"
    )
    made = api_key(Scope.COMPLAINTS_READ, Scope.TIMELINE_INTERNAL)
    text = client.get(reverse("api:timeline", args=[complaint.reference]), **bearer(made)).content.decode()
    assert "Large print" not in text


def test_an_unknown_api_path_is_a_404_problem(client):
    response = client.get("/api/v1/nothing-here/", **bearer(api_key()))
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_nul_in_the_address_is_a_400_problem_for_the_api(client):
    """Found by schemathesis: the portal-wide guard answered the API in plain text."""
    response = client.get(COMPLAINTS, {"cursor": "a\x00b"}, **bearer(api_key()))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_body_over_the_limit_is_a_413_problem_for_the_api(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100  # the API's limit (it takes no files)
    response = client.post(
        COMPLAINTS, {"description": "x" * 200}, content_type="application/json", **bearer(api_key())
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"


def test_a_server_error_is_a_500_problem_for_the_api(client, monkeypatch):
    from integrations import selectors

    def broken(filters):
        raise RuntimeError("broken")

    monkeypatch.setattr(selectors, "complaints_for_api", broken)
    client.raise_request_exception = False
    response = client.get(COMPLAINTS, **bearer(api_key()))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "broken" not in response.content.decode()
