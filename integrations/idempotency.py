"""Idempotency-Key on writes (as Stripe has it): the same key and request again within
IDEMPOTENCY_HOURS is answered with what the first made (a complaint, as it is now), not a second
one; the same key with another request is a 422. Keys are each API key's own. What is kept is the
fingerprint and the reference made, never the answer: that held the customer's details."""

import contextlib
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import ApiKey, IdempotentRequest

IDEMPOTENCY_HOURS = 24
LONGEST_KEY = 255


class KeyReused(Exception):
    """The Idempotency-Key was sent before with another request."""


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The request's method, path and body; a JSON body as what it says (its keys in order, no
    spacing), so a client that serialises the same request again differently is not refused."""
    # Not JSON, or nested too deeply to read: byte for byte (the request is refused anyway).
    with contextlib.suppress(ValueError, RecursionError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def made_before(api_key: ApiKey, key: str, print_: str) -> str | None:
    """What this request made before (a reference), None if nothing (or over a day ago: then
    forgotten); KeyReused if the key came with another request."""
    earlier = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
    if earlier is None:
        return None
    if earlier.created_at < timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS):
        earlier.delete()
        return None
    if earlier.fingerprint != print_:
        raise KeyReused
    return earlier.made


def make_once(api_key: ApiKey, key: str, print_: str, make) -> tuple[str, bool]:
    """`make()` (which returns what it made: a reference) and the record of it, in one transaction;
    if the same request raced this one and recorded first, this one's work is undone and the
    other's result given. Returns the reference and whether it was made before."""
    try:
        with transaction.atomic():
            made = make()
            IdempotentRequest.objects.create(api_key=api_key, key=key, fingerprint=print_, made=made)
            return made, False
    except IntegrityError:
        earlier = made_before(api_key, key, print_)
        if earlier is None:
            raise
        return earlier, True


def forget_old_answers() -> int:
    """Records past the retry window; hourly, by beat."""
    deleted, _ = IdempotentRequest.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS)
    ).delete()
    return deleted
