"""The client's address behind a proxy: one setting (TRUSTED_PROXY_COUNT), one function, and every
limit (filing, look-ups, messages, the admin lockout) keyed on what it returns."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from config.client_address import client_address
from tests.complaints.factories import StaffUserFactory, complaint_form_data

TRACK_URL = reverse("complaints:track")
NEW_URL = reverse("complaints:new")
LOGIN = reverse("admin:login")
PROXY = "10.0.0.2"


def address_of(forwarded_for: str | None, *, remote_addr: str = PROXY) -> str:
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_address(RequestFactory().get("/", **headers))


def test_without_trusted_proxies_the_forwarding_header_is_never_believed(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert address_of("203.0.113.7", remote_addr="198.51.100.1") == "198.51.100.1"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (1, "203.0.113.7", "203.0.113.7"),
        # The client wrote the first entry itself; the proxy appended the real address.
        (1, "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        (1, "1.2.3.4,203.0.113.7", "203.0.113.7"),
        # Two proxies: the outer one's entry is the client, the inner one's is the outer proxy.
        (2, "1.2.3.4, 203.0.113.7, 10.0.0.1", "203.0.113.7"),
        (1, "2001:db8::7", "2001:db8::7"),
        (1, "[2001:db8::7]:443", "2001:db8::7"),
        (1, "203.0.113.7:51234", "203.0.113.7"),
        (1, "::ffff:203.0.113.7", "203.0.113.7"),
    ],
)
def test_behind_trusted_proxies_the_client_is_the_entry_the_outermost_trusted_proxy_wrote(
    settings, proxies, forwarded_for, expected
):
    settings.TRUSTED_PROXY_COUNT = proxies
    assert address_of(forwarded_for) == expected


@pytest.mark.parametrize(
    "forwarded_for",
    [None, "", "   ", "junk", "1.2.3.4, junk", "1.2.3.999", ",", "unknown", "\x00", "1.2.3.4 5.6.7.8"],
)
def test_a_missing_short_or_junk_header_falls_back_to_the_connecting_address(settings, forwarded_for):
    settings.TRUSTED_PROXY_COUNT = 1
    assert address_of(forwarded_for) == PROXY


def test_too_few_entries_for_the_trusted_proxies_fall_back_to_the_connecting_address(settings):
    settings.TRUSTED_PROXY_COUNT = 2
    assert address_of("203.0.113.7") == PROXY


def test_an_unusable_connecting_address_still_gives_an_address(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    assert address_of(None, remote_addr="") == "0.0.0.0"  # noqa: S104 - a key, never bound to


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1])
@pytest.mark.parametrize(
    "forwarded_for", ["1.2.3.4, 203.0.113.7", "junk", "", "1.2.3.4,,", "::1, nonsense, 2001:db8::1"]
)
def test_no_forwarding_header_makes_a_customer_page_fail(client, settings, proxies, forwarded_for):
    settings.TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded_for}
    filed = client.post(NEW_URL, complaint_form_data(), follow=True, **headers)
    assert filed.status_code == 200
    tracked = client.post(
        TRACK_URL, {"reference": "NS-0000-0000", "email_or_postcode": "a@example.com"}, **headers
    )
    assert tracked.status_code == 200
    detail = filed.redirect_chain[-1][0] if filed.redirect_chain else None
    assert detail is not None
    reference = client.session["just_filed"]
    message = client.post(
        reverse("complaints:detail", args=[reference]), {"body": "Any news?"}, follow=True, **headers
    )
    assert message.status_code == 200


def look_up(client, **headers):
    return client.post(
        TRACK_URL, {"reference": "NS-0000-0000", "email_or_postcode": "a@example.com"}, **headers
    )


@pytest.mark.django_db
def test_a_rotating_forwarding_header_does_not_escape_the_limit_when_no_proxy_is_trusted(client, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    answers = [look_up(client, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(11)]
    assert answers[:10] == [200] * 10
    assert answers[10] == 429


@pytest.mark.django_db
def test_behind_a_proxy_each_client_has_its_own_quota_and_cannot_forge_another(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for n in range(10):
        # The client rotates a forged first entry; the proxy appends the same real address.
        assert look_up(client, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 203.0.113.7").status_code == 200
    assert look_up(client, HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 429
    # Another customer behind the same proxy is not limited by the first.
    assert look_up(client, HTTP_X_FORWARDED_FOR="198.51.100.20").status_code == 200


@pytest.mark.django_db
def test_behind_a_proxy_the_admin_lockout_is_per_client_not_per_proxy(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    StaffUserFactory(username="mei")
    attacker = {"HTTP_X_FORWARDED_FOR": "203.0.113.66", "REMOTE_ADDR": PROXY}
    for _ in range(5):
        client.post(LOGIN, {"username": "mei", "password": "wrong", "next": "/admin/"}, **attacker)
    locked = client.post(
        LOGIN, {"username": "mei", "password": "correct horse battery staple", "next": "/admin/"}, **attacker
    )
    assert locked.status_code == 429

    client.cookies.clear()
    staff = {"HTTP_X_FORWARDED_FOR": "198.51.100.5", "REMOTE_ADDR": PROXY}
    response = client.post(
        LOGIN, {"username": "mei", "password": "correct horse battery staple", "next": "/admin/"}, **staff
    )
    assert response.status_code == 302
