"""No input to a public form yields a server error (hypothesis generates the input)."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.tracking_links import make_tracking_token
from tests.complaints.factories import ComplaintFactory, complaint_form_data

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
any_text = st.text(max_size=300)
FIELDS = list(complaint_form_data())


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.RATELIMIT_ENABLE = False


@FUZZ
@given(overrides=st.dictionaries(st.sampled_from(FIELDS), any_text))
def test_filing_form_never_errors(client, overrides):
    response = client.post(reverse("complaints:new"), complaint_form_data(**overrides))
    assert response.status_code in (302, 400)


@FUZZ
@given(reference=any_text, secret=any_text)
def test_tracking_form_never_errors(client, reference, secret):
    response = client.post(reverse("complaints:track"), {"reference": reference, "email_or_postcode": secret})
    assert response.status_code == 200


@FUZZ
@given(
    reference=st.text(
        alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="/?#%"), min_size=1, max_size=40
    ).filter(
        lambda text: text not in {"new", "filed", "track", "leave"}  # the other pages under /complaints/
    )
)
def test_complaint_urls_never_error(client, reference):
    assert client.get(f"/complaints/{reference}/").status_code in (301, 404)


@FUZZ
@given(body=st.text(max_size=6000))
def test_the_message_form_never_errors(client, body):
    complaint = ComplaintFactory()
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    client.get(reverse("complaints:tracking_link", args=[token]))
    response = client.post(reverse("complaints:detail", args=[complaint.reference]), {"body": body})
    assert response.status_code in (302, 400)
