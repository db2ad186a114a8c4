"""No page the portal renders is kept by a browser or a shared cache: personal data is on most of
them, and a page left in a shared computer's cache or a proxy is a disclosure."""

import pytest
from django.test import TestCase
from django.urls import reverse

from complaints.tracking_links import make_tracking_token
from escalation import services
from escalation.roles import COMPLAINTS_MANAGERS
from tests.complaints.factories import StaffUserFactory, complaint_form_data
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db


def assert_not_stored(response):
    assert response.status_code in (200, 302), response.status_code
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives


def test_every_customer_page_with_a_complaint_on_it_is_not_stored(client):
    with TestCase.captureOnCommitCallbacks(execute=True):
        filed = client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    assert_not_stored(filed)  # the confirmation page: reference and private link
    reference = client.session["just_filed"]
    assert_not_stored(client.get(reverse("complaints:detail", args=[reference])))
    assert_not_stored(
        client.post(reverse("complaints:detail", args=[reference]), {"body": "Any news?"}, follow=True)
    )
    assert_not_stored(
        client.post(
            reverse("complaints:track"),
            {"reference": reference, "email_or_postcode": complaint_form_data()["email"]},
        )
    )


def test_the_escalation_forms_are_not_stored(client):
    complaint = filed_complaint()
    services.propose_resolution(complaint=complaint, by=StaffUserFactory(), resolution="A credit")
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    assert_not_stored(client.get(reverse("complaints:tracking_link", args=[token])))
    assert_not_stored(client.get(reverse("escalation:refer", args=[complaint.reference])))


@pytest.mark.parametrize("url", ["/", "/complaints/new/", "/complaints/track/", "/complaints-code/"])
def test_public_pages_are_not_stored_either(client, url):
    """One rule for every rendered page: a page cannot forget it."""
    assert_not_stored(client.get(url))


def test_staff_pages_are_not_stored(client):
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    complaint = filed_complaint(days_ago=9)
    for url in [
        reverse("admin:index"),
        reverse("admin:complaints_complaint_changelist"),
        reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        reverse("staff:escalations"),
        reverse("staff:reports"),
    ]:
        assert_not_stored(client.get(url))


def test_static_files_keep_their_own_caching(client):
    response = client.get("/static/css/portal.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
