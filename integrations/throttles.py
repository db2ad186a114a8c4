from django.conf import settings
from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import SimpleRateThrottle

from integrations.models import ApiKey


class PerKeyRate(SimpleRateThrottle):
    """Each key's own budget a minute: API_READS_PER_MINUTE for reads, API_WRITES_PER_MINUTE for
    writes, counted in the cache (Redis in production; with it down, requests go through). A key
    over its budget gets 429 with Retry-After."""

    def get_rate(self):
        return None  # chosen per request, by its method (allow_request)

    def allow_request(self, request, view):
        reading = request.method in SAFE_METHODS
        per_minute = settings.API_READS_PER_MINUTE if reading else settings.API_WRITES_PER_MINUTE
        self.rate = f"{per_minute}/min"
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.scope = "read" if reading else "write"
        return super().allow_request(request, view)

    def get_cache_key(self, request, view):
        key = request.auth
        return f"api-rate:{self.scope}:{key.prefix}" if isinstance(key, ApiKey) else None
