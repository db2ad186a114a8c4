"""Security headers on every page, and the admin login lockout."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.complaints.factories import StaffUserFactory, complaint_form_data

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")


@pytest.mark.parametrize("url", ["/", "/complaints/new/", "/complaints/track/", "/complaints-code/", LOGIN])
def test_every_page_carries_a_content_security_policy_and_refuses_framing(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_five_wrong_passwords_lock_the_admin_login_even_against_the_right_one(client):
    staff = StaffUserFactory(username="mei")
    for _ in range(5):
        client.post(LOGIN, {"username": "mei", "password": "wrong", "next": "/admin/"})
    locked = client.post(
        LOGIN, {"username": "mei", "password": "correct horse battery staple", "next": "/admin/"}
    )
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another member of staff on the same connection is not locked out.
    other = StaffUserFactory(username="owen")
    response = client.post(
        LOGIN, {"username": other.username, "password": "correct horse battery staple", "next": "/admin/"}
    )
    assert response.status_code == 302
    assert staff.pk != other.pk


@pytest.mark.parametrize(
    ("url", "data"),
    [
        (reverse("complaints:new"), {"customer_name": "x"}),
        (reverse("complaints:track"), {"reference": "NS-0000-0000", "email_or_postcode": "a@b.c"}),
        (reverse("complaints:leave"), {}),
        (LOGIN, {"username": "a", "password": "b"}),
    ],
)
def test_a_post_without_the_csrf_token_is_refused(url, data):
    response = Client(enforce_csrf_checks=True).post(url, data)
    assert response.status_code == 403


def _as_a_browser_posts(page: str) -> list[str]:
    """Every CSRF token input in the page, in order: a browser sends them all, and Django reads the last."""
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)


@pytest.mark.django_db
def test_a_second_visitor_can_file_a_complaint_with_csrf_enforced():
    """The empty form is rendered once per process and kept: nothing of one visitor's may be in it,
    such as their CSRF token (a second visitor posting it was refused, 403)."""
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.get(reverse("complaints:new"))
    page = second.get(reverse("complaints:new")).content.decode()
    data = {**complaint_form_data(), "csrfmiddlewaretoken": _as_a_browser_posts(page)}
    response = second.post(reverse("complaints:new"), data)
    assert response.status_code == 302, response.status_code
