"""Private tracking links: a signed, expiring token naming one complaint."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

TRACKING_LINK_LIFETIME = timedelta(days=400)  # past the 12-month ombudsman window
_SALT = "complaints.tracking-link"


def make_tracking_token(*, reference: str, tracking_key: str) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{reference}.{tracking_key}")


def read_tracking_token(token: str) -> tuple[str, str] | None:
    """(reference, tracking key) from a genuine, unexpired token; None for anything else."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=TRACKING_LINK_LIFETIME)
    except signing.BadSignature:  # includes SignatureExpired
        return None
    reference, _, tracking_key = value.partition(".")
    return (reference, tracking_key) if tracking_key else None


def tracking_url(*, reference: str, tracking_key: str) -> str:
    """The absolute private link, for e-mails and letters."""
    token = make_tracking_token(reference=reference, tracking_key=tracking_key)
    return settings.PORTAL_BASE_URL + reverse("complaints:tracking_link", args=[token])
