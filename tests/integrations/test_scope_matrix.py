"""Every endpoint against a key of each single scope, as the role matrix does for staff: allowed
exactly when the key holds the scope the endpoint names for the method (403 otherwise)."""

import pytest
from django.urls import reverse

from integrations.models import Scope
from integrations.services import API_STAGE_ACTIONS
from tests.escalation.factories import filed_complaint
from tests.integrations.factories import api_key, bearer

pytestmark = pytest.mark.django_db

# (method, URL name, takes the reference, the scope it needs)
ENDPOINTS = [
    ("get", "api:complaints", False, Scope.COMPLAINTS_READ),
    ("post", "api:complaints", False, Scope.COMPLAINTS_WRITE),
    ("get", "api:complaint", True, Scope.COMPLAINTS_READ),
    ("get", "api:timeline", True, Scope.COMPLAINTS_READ),
    ("post", "api:timeline", True, Scope.TIMELINE_WRITE),
    ("get", "api:clocks", True, Scope.COMPLAINTS_READ),
    ("get", "api:actions", True, Scope.COMPLAINTS_READ),
    *(("post", f"api:action-{action}", True, Scope.COMPLAINTS_WRITE) for action in API_STAGE_ACTIONS),
    ("get", "api:root_causes", False, Scope.COMPLAINTS_READ),
    ("get", "api:monthly_report", False, Scope.REPORTS_READ),
]


@pytest.mark.parametrize("scope", Scope.values)
@pytest.mark.parametrize(("method", "name", "by_reference", "needed"), ENDPOINTS)
def test_scope_matrix(client, scope, method, name, by_reference, needed):
    complaint = filed_complaint()
    url = reverse(name, args=[complaint.reference] if by_reference else [])
    response = getattr(client, method)(url, {}, content_type="application/json", **bearer(api_key(scope)))
    if scope == needed:
        # An empty body is a 400, an action its rule does not allow on a new complaint a 409: not a 403.
        assert response.status_code in (200, 400, 409), response.content
    else:
        assert response.status_code == 403
