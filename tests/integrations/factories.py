from datetime import timedelta

from django.utils import timezone

from integrations import keys
from integrations.models import Scope


def api_key(*scopes: str, name: str = "CRM", expires_in: timedelta | None = None) -> keys.MadeKey:
    """A key made as a manager makes one (complaints:read when no scope is named)."""
    return keys.make_key(
        name=name,
        scopes=list(scopes or [Scope.COMPLAINTS_READ]),
        expires_at=timezone.now() + expires_in if expires_in else None,
        by=None,
    )


def bearer(made: keys.MadeKey) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {made.plain}"}
