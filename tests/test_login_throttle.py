"""A username attacked from many addresses slows down instead of locking: the staff member is never
locked out by strangers, and a distributed guesser gets a few tries an hour."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from config.login_throttle import USERNAME_BACKOFF_AFTER
from tests.complaints.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("admin:login")
RIGHT = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _one_trusted_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 1


def sign_in(client, password, address):
    client.cookies.clear()
    return client.post(
        LOGIN,
        {"username": "mei", "password": password, "next": "/admin/"},
        HTTP_X_FORWARDED_FOR=address,
        REMOTE_ADDR="10.0.0.2",
    )


def fail_from_many_addresses(client, clock, count):
    """`count` wrong passwords, each from a new address, each after the back-off it meets."""
    for failures in range(count):
        if failures >= USERNAME_BACKOFF_AFTER:
            clock.shift(timedelta(seconds=2 ** (failures - USERNAME_BACKOFF_AFTER) + 1))
        assert sign_in(client, "wrong", f"203.0.113.{failures}").status_code == 200


def test_failures_spread_over_addresses_slow_the_username_down_without_a_captcha(client):
    StaffUserFactory(username="mei")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_from_many_addresses(client, clock, USERNAME_BACKOFF_AFTER + 4)
        slowed = sign_in(client, RIGHT, "198.51.100.9")
        assert slowed.status_code == 429
        page = slowed.content.decode()
        assert "Too many failed sign-ins for this username" in page
        assert "16 seconds" in page  # 2 ** (14 - 10)
        assert "_auth_user_id" not in client.session

        clock.shift(timedelta(seconds=17))
        assert sign_in(client, RIGHT, "198.51.100.9").status_code == 302


def test_a_refused_attempt_during_the_back_off_is_not_counted_against_the_staff_member(client):
    StaffUserFactory(username="mei")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_from_many_addresses(client, clock, USERNAME_BACKOFF_AFTER)
        for _ in range(6):
            assert sign_in(client, RIGHT, "198.51.100.9").status_code == 429
        clock.shift(timedelta(seconds=2))
        # Six refusals did not lock this address (5 real failures would have).
        assert sign_in(client, RIGHT, "198.51.100.9").status_code == 302


def test_the_back_off_is_capped_so_staff_wait_minutes_at_most(client):
    StaffUserFactory(username="mei")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for n in range(USERNAME_BACKOFF_AFTER + 30):
            clock.shift(timedelta(minutes=1))
            sign_in(client, "wrong", f"203.0.113.{n}")
        clock.shift(timedelta(minutes=5, seconds=1))
        assert sign_in(client, RIGHT, "198.51.100.9").status_code == 302


def test_an_address_the_staff_member_signed_in_from_before_is_not_slowed(client):
    StaffUserFactory(username="mei")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        assert sign_in(client, RIGHT, "198.51.100.9").status_code == 302
        fail_from_many_addresses(client, clock, USERNAME_BACKOFF_AFTER + 6)
        assert sign_in(client, RIGHT, "198.51.100.9").status_code == 302
        assert sign_in(client, RIGHT, "198.51.100.10").status_code == 429


def test_failures_older_than_the_cool_off_are_forgotten(client):
    StaffUserFactory(username="mei")
    with time_machine.travel(timezone.now(), tick=False) as clock:
        fail_from_many_addresses(client, clock, USERNAME_BACKOFF_AFTER + 6)
        clock.shift(timedelta(hours=1, seconds=1))
        assert sign_in(client, RIGHT, "198.51.100.9").status_code == 302


def test_one_address_failing_on_and_on_cannot_slow_the_username_for_everyone_else(client):
    """Its own (username, address) lockout stops it; its failures during the lockout (django-axes
    keeps counting them) must not add up to the username-wide back-off."""
    StaffUserFactory(username="mei")
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(USERNAME_BACKOFF_AFTER + 10):
            sign_in(client, "wrong", "203.0.113.250")
        assert sign_in(client, RIGHT, "203.0.113.250").status_code == 429  # locked, as before
        assert sign_in(client, RIGHT, "192.0.2.50").status_code == 302
