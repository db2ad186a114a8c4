"""The client's address: the one place that knows how many proxies stand in front of the portal.

Rate limits (django-ratelimit) and the admin lockout (django-axes) both key on what
`client_address` returns, so they cannot disagree about who a client is.

Each trusted proxy appends the address it received the request from to X-Forwarded-For, so
behind N of them the client is the N-th entry from the right. Entries further left were written
by the client and are never believed: a rotating forged header changes nothing. A missing, short
or unparseable header falls back to the connecting address (REMOTE_ADDR) — the proxy's own, a
shared bucket that is safe — and never to an error.
"""

import ipaddress

from django.conf import settings

# What a request without any usable address is keyed on (a unix-socket connection with no proxy).
UNKNOWN_ADDRESS = "0.0.0.0"  # noqa: S104 - a rate-limit key, never an address to bind to


def client_address(request) -> str:
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if len(forwarded) >= proxies:
            address = _parse(forwarded[-proxies])
            if address:
                return address
    return _parse(request.META.get("REMOTE_ADDR", "")) or UNKNOWN_ADDRESS


def _parse(entry: str) -> str | None:
    """One X-Forwarded-For entry as a normalised address; None when it is not one.

    Accepts what real proxies write: `203.0.113.7`, `203.0.113.7:51234`, `2001:db8::7`,
    `[2001:db8::7]:443`; an IPv4-mapped IPv6 address counts as its IPv4 address.
    """
    entry = entry.strip()
    if entry.startswith("["):
        entry = entry[1 : entry.find("]")] if "]" in entry else ""
    elif entry.count(":") == 1:
        entry = entry.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(entry)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return str(address)
