"""The API: machines only, each request within its key's scopes, errors as problem details, pages by
cursor in constant queries, and nothing of a customer's support needs."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from complaints.models import Complaint
from escalation.roles import COMPLAINTS_MANAGERS
from integrations.models import Scope
from tests.escalation.factories import filed_complaint, staff_member
from tests.integrations.factories import api_key, bearer

pytestmark = pytest.mark.django_db

COMPLAINTS = reverse("api:complaints")


def complaint_url(complaint) -> str:
    return reverse("api:complaint", args=[complaint.reference])


def assert_problem(response, status: int):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == status
    assert problem["title"]
    assert problem["detail"]
    return problem


def test_without_a_key_the_api_asks_for_one(client):
    response = client.get(COMPLAINTS)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_staff_session_is_not_a_key(client):
    """No session authentication: a signed-in browser reaches nothing, so there is no CSRF surface."""
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    assert_problem(client.get(COMPLAINTS), 401)


@pytest.mark.parametrize("header", ["Bearer nsk_00000000_nothing", "Bearer", "Bearer a b", "Token abc"])
def test_a_wrong_key_is_refused_with_the_same_shape(client, header):
    assert_problem(client.get(COMPLAINTS, HTTP_AUTHORIZATION=header), 401)


@pytest.mark.parametrize(
    ("scopes", "allowed"),
    [
        ([Scope.COMPLAINTS_READ], True),
        ([Scope.COMPLAINTS_READ, Scope.TIMELINE_WRITE], True),
        ([Scope.REPORTS_READ], False),
        ([Scope.COMPLAINTS_WRITE, Scope.TIMELINE_WRITE, Scope.TIMELINE_INTERNAL], False),
    ],
)
def test_each_read_needs_the_complaints_read_scope(client, scopes, allowed):
    complaint = filed_complaint()
    made = api_key(*scopes)
    for url in (COMPLAINTS, complaint_url(complaint)):
        response = client.get(url, **bearer(made))
        if allowed:
            assert response.status_code == 200
        else:
            assert_problem(response, 403)


def test_a_complaint_by_reference_with_its_stage_and_clocks(client):
    complaint = filed_complaint(customer_name="Ffion Hughes")
    body = client.get(complaint_url(complaint), **bearer(api_key())).json()
    assert body["reference"] == complaint.reference
    assert (body["status"], body["stage"], body["customer_name"]) == ("received", 1, "Ffion Hughes")
    assert body["clocks"]["adr_eligible_on"] == complaint.escalation.adr_eligible_on.isoformat()
    assert_problem(client.get(reverse("api:complaint", args=["NS-0000-0000"]), **bearer(api_key())), 404)


def test_support_needs_never_appear(client):
    complaint = filed_complaint(
        needs=["hearing", "telecare"], needs_consent=True, support_needs="Deaf; uses text relay."
    )
    Complaint.objects.filter(pk=complaint.pk).update(adjustments=["text relay"])
    text = client.get(complaint_url(complaint), **bearer(api_key())).content.decode()
    for hidden in ("needs", "telecare", "hearing", "landline", "adjustments", "text relay", "Deaf"):
        assert hidden not in text


def test_the_list_pages_by_cursor_newest_first_in_constant_queries(client, django_assert_max_num_queries):
    made = api_key()
    filed = [filed_complaint() for _ in range(3)]
    client.get(COMPLAINTS, **bearer(made))
    with CaptureQueriesContext(connection) as few:
        first = client.get(COMPLAINTS, {"page_size": 2}, **bearer(made)).json()
    queries = len(few.captured_queries)  # read now: the next request clears the connection's log
    assert [row["reference"] for row in first["results"]] == [filed[2].reference, filed[1].reference]
    second = client.get(first["next"], **bearer(made)).json()
    assert [row["reference"] for row in second["results"]] == [filed[0].reference]
    assert second["next"] is None
    for _ in range(4):
        filed_complaint()
    with django_assert_max_num_queries(queries):
        more = client.get(COMPLAINTS, {"page_size": 5}, **bearer(made)).json()
    assert len(more["results"]) == 5


def test_the_list_filters_by_status_stage_and_more(client):
    made = api_key()
    billing = filed_complaint(category=Complaint.Category.BILLING)
    filed_complaint(category=Complaint.Category.INSTALLATION)
    rows = client.get(
        COMPLAINTS, {"category": "billing", "stage": 1, "assigned": "false"}, **bearer(made)
    ).json()
    assert [row["reference"] for row in rows["results"]] == [billing.reference]
    assert client.get(COMPLAINTS, {"stage": 2}, **bearer(made)).json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "lost"}, "status"),
        ({"stage": "9"}, "stage"),
        ({"updated_since": "yesterday"}, "updated_since"),
    ],
)
def test_a_wrong_filter_is_a_400_naming_the_field(client, params, field):
    problem = assert_problem(client.get(COMPLAINTS, params, **bearer(api_key())), 400)
    assert field in problem["errors"]


def test_the_schema_is_openapi_3_1_and_the_docs_are_served_from_our_own_files(client):
    schema = client.get(reverse("api:schema"), HTTP_ACCEPT="application/json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/complaints/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    page = docs.content.decode()
    assert "redoc" in page.lower()
    assert "cdn" not in page.lower()
    assert "https://" not in page


def test_each_request_is_logged_with_its_key_s_prefix_and_no_personal_data(client, caplog):
    complaint = filed_complaint(customer_name="Ffion Hughes", email="ffion@example.com")
    made = api_key()
    with caplog.at_level("INFO", logger="portal.request"):
        client.get(complaint_url(complaint), **bearer(made))
    [line] = [record for record in caplog.records if record.name == "portal.request"]
    assert (line.view, line.status, line.api_key, line.reference) == (
        "api:complaint",
        200,
        made.key.prefix,
        complaint.reference,
    )
    logged = line.getMessage() + str(vars(line))
    for private in ("Ffion", "ffion@example.com", made.plain.split("_", 2)[2]):
        assert private not in logged


def test_each_key_has_its_own_rate_and_is_told_when_to_come_back(client, settings):
    from django.core.cache import cache

    cache.clear()
    settings.API_READS_PER_MINUTE = 2
    crm, telephony = api_key(), api_key(name="Telephony")
    for _ in range(2):
        assert client.get(COMPLAINTS, **bearer(crm)).status_code == 200
    refused = client.get(COMPLAINTS, **bearer(crm))
    assert_problem(refused, 429)
    assert 0 < int(refused["Retry-After"]) <= 60
    assert client.get(COMPLAINTS, **bearer(telephony)).status_code == 200
