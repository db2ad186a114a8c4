"""Per-client limits on the public forms, on django-ratelimit's counters (keyed on the address
`config.client_address` derives, via RATELIMIT_IP_META_KEY).

A view asks `retry_at` before doing the work and calls `count` for what the limit is about: every
look-up (guessing references is what it stops), but only complaints actually filed and messages
actually sent — a customer correcting a form is not using up their quota.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class Limit:
    group: str
    rate: str  # "10/h": django-ratelimit's fixed windows, per client address
    what: str  # for the message: "file another", "try again" (translated where shown)


# Generous enough for a household behind one router, tight enough to stop scripted abuse.
FILING = Limit("complaints.filing", "10/h", gettext_lazy("file another"))
LOOKUP = Limit("complaints.lookup", "10/m", gettext_lazy("try again"))
MESSAGE = Limit("complaints.message", "30/h", gettext_lazy("send another"))


def retry_at(request, limit: Limit) -> datetime | None:
    """When this client may go on, or None if it may now. Reads the counter without counting."""
    usage = get_usage(request, group=limit.group, key="ip", rate=limit.rate, increment=False)
    if usage is None or usage["count"] < usage["limit"]:
        return None  # under the limit, limits off, or the cache down (fail open)
    return timezone.now() + timedelta(seconds=max(usage["time_left"], 1))


def count(request, limit: Limit) -> None:
    get_usage(request, group=limit.group, key="ip", rate=limit.rate, increment=True)


def limit_message(limit: Limit, when: datetime) -> str:
    return gettext(
        "You have reached the most we accept online from your connection for now. "
        "You can %(what)s from %(time)s (UK time), or call us on %(phone)s."
    ) % {"what": limit.what, "time": f"{timezone.localtime(when):%H:%M}", "phone": settings.COMPANY["phone"]}


def retry_after_seconds(when: datetime) -> str:
    """The Retry-After header's value."""
    return str(max(1, round((when - timezone.now()).total_seconds())))
