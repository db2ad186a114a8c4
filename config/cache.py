"""Django's Redis cache, made to fail soft: with Redis down, the portal keeps working without it.

The cache holds rate-limit counters, the monthly report and a copy of each session (sessions
are written through to the database: `cached_db`); losing them for a while is better than
refusing customers. Reads miss, writes are dropped, counters fail (django-ratelimit
then lets the request through: RATELIMIT_FAIL_OPEN), and each failure is logged.
"""

import logging
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
# After a failure the cache is not asked again for this long: a Redis that hangs (accepts, never
# answers) would otherwise cost every request its socket timeout, once per cache call.
PAUSE_AFTER_FAILURE = 10.0


class RedisIsResting(Exception):
    """Raised instead of asking Redis while the cache pauses after a failure."""


# Down, hanging, read-only, out of memory: every failure of Redis is the cache's, not the page's.
REDIS_DOWN = (RedisError, OSError, RedisIsResting)


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis-py client for every operation (~0.1 ms of CPU each here, most of
    it filling the client's callback tables); one per connection pool does the same work, since a
    client only borrows connections from its pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class ResilientRedisCache(RedisCache):
    clock = staticmethod(time.monotonic)

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient
        self._resting_until = 0.0

    @property
    def _cache(self):
        if self.clock() < self._resting_until:
            raise RedisIsResting("the cache pauses after a failure")
        client = self.__dict__.get("_client")
        if client is None:
            client = self.__dict__["_client"] = self._class(self._servers, **self._options)
        return client

    def _warn(self, operation: str, error: Exception) -> None:
        if not isinstance(error, RedisIsResting):
            self._resting_until = self.clock() + PAUSE_AFTER_FAILURE
            logger.warning(
                "Cache unavailable (%s): %s; not asked again for %.0f s",
                operation,
                error,
                PAUSE_AFTER_FAILURE,
            )

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_DOWN as error:
            self._warn("get", error)
            return default

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except REDIS_DOWN as error:
            self._warn("add", error)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            return super().set(key, value, timeout, version)
        except REDIS_DOWN as error:
            self._warn("set", error)
            return None

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except REDIS_DOWN as error:
            self._warn("has_key", error)
            return False

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except REDIS_DOWN as error:
            self._warn("incr", error)
            raise ValueError("cache unavailable") from error  # what django-ratelimit expects of a miss

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except REDIS_DOWN as error:
            self._warn("delete", error)
            return False

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except REDIS_DOWN as error:
            self._warn("get_many", error)
            return {}

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except REDIS_DOWN as error:
            self._warn("set_many", error)
            return list(data)  # the keys that were not set

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except REDIS_DOWN as error:
            self._warn("delete_many", error)
            return None

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except REDIS_DOWN as error:
            self._warn("touch", error)
            return False

    def clear(self):
        try:
            return super().clear()
        except REDIS_DOWN as error:
            self._warn("clear", error)
            return False
