"""A username under attack from many addresses slows down; it is never locked.

django-axes locks a username *from one address* after five failures, so one stranger cannot lock
a member of staff out. Guessing from many addresses at once is slowed here instead: once a
username has failed USERNAME_BACKOFF_AFTER times within the lockout window, each further attempt
waits twice as long after the latest failure (capped at BACKOFF_CAP), and is refused unchecked
until then — no CAPTCHA, and a refusal is not counted as a failure. An address the person has
signed in from within KNOWN_ADDRESS_DAYS is not slowed: their own desk keeps working.

What remains possible: an attacker with several addresses who tries again each time the
back-off ends keeps the username slowed (never locked) for addresses its owner has not used
within KNOWN_ADDRESS_DAYS. One address alone cannot: it counts for at most AXES_FAILURE_LIMIT.
"""

import math
from datetime import timedelta

from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, Sum, Value
from django.db.models.functions import Least
from django.utils import timezone

from config.client_address import client_address

USERNAME_BACKOFF_AFTER = 10
BACKOFF_CAP = timedelta(minutes=5)
KNOWN_ADDRESS_DAYS = 30


def seconds_to_wait(request, username: str) -> int:
    """How long this request must wait before `username` may be tried again from its address (0: now)."""
    if not username:
        return 0
    now = timezone.now()
    # Each address counts for at most the failures that lock it: django-axes goes on counting an
    # address's failures while it is locked, and one address must not slow everyone else.
    failures = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=now - timedelta(hours=settings.AXES_COOLOFF_TIME)
    ).aggregate(
        count=Sum(Least("failures_since_start", Value(settings.AXES_FAILURE_LIMIT))),
        latest=Max("attempt_time"),
    )
    count = failures["count"] or 0
    if count < USERNAME_BACKOFF_AFTER:
        return 0
    backoff = min(timedelta(seconds=2 ** (count - USERNAME_BACKOFF_AFTER)), BACKOFF_CAP)
    remaining = (failures["latest"] + backoff - now).total_seconds()
    if remaining <= 0 or _signed_in_from_here_before(request, username, now):
        return 0
    return math.ceil(remaining)


def _signed_in_from_here_before(request, username: str, now) -> bool:
    return AccessLog.objects.filter(
        username=username,
        ip_address=client_address(request),
        attempt_time__gte=now - timedelta(days=KNOWN_ADDRESS_DAYS),
    ).exists()
