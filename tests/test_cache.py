"""The Redis cache fails soft, and fast: a Redis that hangs costs one timeout, then a pause."""

import pytest
from django.urls import reverse

from config.cache import PAUSE_AFTER_FAILURE, ResilientRedisCache
from tests.complaints.factories import complaint_form_data
from tests.notifications.smtp_servers import blackhole_smtp


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def hung_redis_cache(port) -> ResilientRedisCache:
    cache = ResilientRedisCache(
        f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
    )
    cache.clock = Clock()
    return cache


def test_a_hung_redis_is_asked_once_then_left_alone_for_the_pause():
    with blackhole_smtp() as (port, held):  # accepts connections and never answers: a hung server
        cache = hung_redis_cache(port)
        assert cache.get("a", "miss") == "miss"  # one socket timeout
        for _ in range(20):
            assert cache.get("a", "miss") == "miss"
            assert cache.add("b", 1) is False
            assert cache.has_key("c") is False
            cache.set("d", 1)
            assert cache.get_many(["a", "b"]) == {}
            assert cache.set_many({"a": 1}) == ["a"]
            cache.delete_many(["a"])
            assert cache.touch("a") is False
            cache.delete("a")
        assert len(held) == 1  # no other connection was tried during the pause

        cache.clock.now += PAUSE_AFTER_FAILURE + 1
        assert cache.get("a", "miss") == "miss"
        assert len(held) == 2  # asked again after the pause


def test_rate_limit_counters_fail_open_on_a_hung_redis():
    with blackhole_smtp() as (port, _):
        cache = hung_redis_cache(port)
        with pytest.raises(ValueError, match="cache unavailable"):  # what django-ratelimit treats as a miss
            cache.incr("counter")


@pytest.mark.django_db
def test_with_a_hung_redis_customers_can_still_file_and_follow_their_complaint(client, settings):
    with blackhole_smtp() as (port, _):
        settings.CACHES = {
            "default": {
                "BACKEND": "config.cache.ResilientRedisCache",
                "LOCATION": f"redis://127.0.0.1:{port}/0",
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
            }
        }
        filed = client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
        assert filed.status_code == 200
        reference = client.session["just_filed"]
        assert client.get(reverse("complaints:detail", args=[reference])).status_code == 200
