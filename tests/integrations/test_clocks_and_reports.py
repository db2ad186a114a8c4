"""A complaint's clocks, and the monthly figures for the BI team, through the API."""

import pytest
from django.urls import reverse

from escalation import reporting
from integrations.models import Scope
from tests.escalation.factories import filed_complaint
from tests.integrations.factories import api_key, bearer

pytestmark = pytest.mark.django_db


def test_a_complaint_s_clocks(client):
    complaint = filed_complaint(days_ago=3)
    body = client.get(reverse("api:clocks", args=[complaint.reference]), **bearer(api_key())).json()
    escalation = complaint.escalation
    assert body["acknowledgement_due"] == escalation.acknowledgement_due.isoformat()
    assert body["adr_eligible_on"] == escalation.adr_eligible_on.isoformat()
    assert body["next_deadline"] == escalation.next_deadline.isoformat()
    assert body["next_deadline_kind"] == escalation.next_deadline_kind


def test_the_monthly_figures_as_beat_stored_them(client):
    filed_complaint(category="billing")
    reporting.refresh_report_figures()
    made = api_key(Scope.REPORTS_READ)
    body = client.get(reverse("api:monthly_report"), {"by": "category"}, **bearer(made)).json()
    assert body["by"] == "category"
    assert body["computed_at"]
    [billing] = [row for row in body["rows"] if row["group"] == "billing"]
    assert billing["received"] == 1
    by_channel = client.get(reverse("api:monthly_report"), {"by": "channel"}, **bearer(made)).json()
    assert {row["group"] for row in by_channel["rows"]} == {"portal"}


def test_the_figures_need_their_scope_and_a_known_grouping(client):
    assert (
        client.get(reverse("api:monthly_report"), **bearer(api_key(Scope.COMPLAINTS_READ))).status_code == 403
    )
    response = client.get(
        reverse("api:monthly_report"), {"by": "postcode"}, **bearer(api_key(Scope.REPORTS_READ))
    )
    assert response.status_code == 400
    assert "by" in response.json()["errors"]
