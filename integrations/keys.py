"""API keys: made with a secret shown once, stored as its SHA-256, found by a prefix that is not
secret. A key is high-entropy random (256 bits), so a fast hash is enough: a slow password hash
would cost every request tens of milliseconds and protect nothing more."""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from integrations.models import ApiKey, Scope

PREFIX = re.compile(r"[0-9a-f]{8}")  # secrets.token_hex(4)
KEY_START = "nsk_"  # "Netservers key": recognisable in logs and by secret scanners
# last_used_at is written at most this often a key, not on every request.
LAST_USED_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class MadeKey:
    key: ApiKey
    plain: str  # shown to the manager once, never stored


@transaction.atomic
def make_key(*, name: str, scopes: list[str], expires_at: datetime | None, by) -> MadeKey:
    unknown = set(scopes) - set(Scope.values)
    if unknown or not scopes:
        raise ValidationError("Choose at least one scope from the list.")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("A key cannot expire in the past.")
    prefix, secret = secrets.token_hex(4), secrets.token_urlsafe(32)
    user = get_user_model().objects.create_user(
        username=f"api-{prefix}", first_name=f"{name} (API)"[:150], password=None, is_staff=False
    )
    key = ApiKey.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        secret_hash=_hash(secret),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by=by,
    )
    return MadeKey(key=key, plain=f"{KEY_START}{prefix}_{secret}")


def key_for(plain: str) -> ApiKey | None:
    """The usable key `plain` is, or None (malformed, unknown, wrong secret, expired, revoked)."""
    if not plain.startswith(KEY_START):
        return None
    prefix, _, secret = plain.removeprefix(KEY_START).partition("_")
    if not (PREFIX.fullmatch(prefix) and secret):
        return None  # not a key's shape: no query (a NUL would not even reach PostgreSQL)
    key = ApiKey.objects.filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.secret_hash, _hash(secret)) or not key.is_usable:
        return None
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_EVERY:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key


@transaction.atomic
def revoke_key(key: ApiKey) -> bool:
    """Revoke a key for good, and switch off its account (it wrote on the record; it never signs in
    again anywhere). False: it was revoked already."""
    if key.revoked_at is not None:
        return False
    key.revoked_at = timezone.now()
    key.save(update_fields=["revoked_at"])
    get_user_model().objects.filter(pk=key.user_id).update(is_active=False)
    return True


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
