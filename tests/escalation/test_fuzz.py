"""No input to the customer's escalation forms yields a server error (hypothesis generates the input)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.tracking_links import make_tracking_token
from escalation import services
from tests.complaints.factories import StaffUserFactory, pdf_upload
from tests.escalation.factories import filed_complaint

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
REFERRAL_FIELDS = ["customer_name", "postal_address", "postcode", "reply_preference", "reason"]


@pytest.fixture
def proposed_complaint(client, settings):
    settings.RATELIMIT_ENABLE = False
    complaint = filed_complaint()
    services.propose_resolution(complaint=complaint, by=StaffUserFactory(), resolution="A credit.")
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    client.get(reverse("complaints:tracking_link", args=[token]))
    return complaint


@FUZZ
@given(data=st.dictionaries(st.sampled_from(REFERRAL_FIELDS), st.text(max_size=300)))
def test_the_referral_form_never_errors(client, proposed_complaint, data):
    response = client.post(reverse("escalation:refer", args=[proposed_complaint.reference]), data)
    assert response.status_code in (302, 400)


@FUZZ
@given(reason=st.text(max_size=6000))
def test_the_md_review_form_never_errors(client, proposed_complaint, reason):
    complaint = proposed_complaint
    complaint.refresh_from_db()
    if complaint.escalation.stage == 1:  # once per test: to the point where the review is offered
        services.refer_to_complaints_manager(complaint=complaint, channel="portal", reply_preference="email")
        services.record_stage_two_response(
            complaint=complaint, by=StaffUserFactory(), response="Our answer.", document=pdf_upload()
        )
    response = client.post(reverse("escalation:md_review", args=[complaint.reference]), {"reason": reason})
    assert response.status_code in (302, 400)
