"""Schemathesis: requests generated from the API's own OpenAPI schema, sent to a live test server
with a key for each scope (and one with all of them): no 500, and every answer as the schema says
(status, content type, body; a valid-looking request may be refused, as documented). Driven from a plain test (hypothesis per operation): schemathesis's
pytest plugin does not run under this project's pytest."""

import pytest
import schemathesis
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from escalation import reporting
from integrations.models import Scope
from tests.escalation.factories import filed_complaint
from tests.integrations.factories import api_key

pytestmark = [pytest.mark.django_db(transaction=True)]

EXAMPLES_AN_OPERATION = 15


def with_reference(case_and_reference):
    case, reference = case_and_reference
    if case.path_parameters and "reference" in case.path_parameters:
        case.path_parameters["reference"] = reference
    return case


def test_every_operation_answers_as_its_schema_says_for_every_scope(live_server, settings):
    settings.API_READS_PER_MINUTE = settings.API_WRITES_PER_MINUTE = 10**6  # generated, not throttled
    references = [filed_complaint(customer_name=f"Schema Test {number}").reference for number in range(3)]
    reporting.refresh_report_figures()
    keys = [api_key(scope).plain for scope in Scope.values] + [api_key(*Scope.values, name="All").plain]
    schema = schemathesis.openapi.from_url(live_server.url + reverse("api:schema") + "?format=json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {operation.path for operation in operations} >= {
        "/api/v1/complaints/",
        "/api/v1/complaints/{reference}/",
        "/api/v1/complaints/{reference}/timeline/",
        "/api/v1/complaints/{reference}/clocks/",
        "/api/v1/reports/monthly/",
    }
    for operation in operations:
        # Half the cases name a complaint that exists: random references alone only reach the 404.
        generated = operation.as_strategy()
        known = st.tuples(generated, st.sampled_from(references)).map(with_reference)

        @given(case=st.one_of(generated, known))
        @examples(
            max_examples=EXAMPLES_AN_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_described(case):
            for key in keys:
                case.call_and_validate(
                    base_url=live_server.url,
                    headers={"Authorization": f"Bearer {key}"},
                    # A valid-looking request is refused when the key lacks its scope (403), the
                    # reference is unknown (404) or the admin's rules refuse it (400): documented
                    # answers, checked as such, not failures.
                    excluded_checks=[schemathesis.checks.positive_data_acceptance],
                )

        answers_as_described()
