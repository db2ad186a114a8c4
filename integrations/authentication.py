"""Machines only: a key in `Authorization: Bearer nsk_…`. No session or basic authentication, so a
browser's cookies never reach the API and it has no CSRF surface."""

from dataclasses import dataclass

from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from integrations import keys
from integrations.models import ApiKey


@dataclass(frozen=True)
class Integration:
    """Who a request comes from, as request.user: the key's integration, not a member of staff."""

    key: ApiKey
    is_authenticated = True
    is_staff = False
    is_active = True

    @property
    def username(self) -> str:
        return f"api:{self.key.name}"

    def __str__(self):
        return self.username


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Send the key as “Authorization: Bearer <key>”.")
        key = keys.key_for(header[1].decode("utf-8", errors="replace"))
        if key is None:
            raise AuthenticationFailed("This API key is not valid, or has expired or been revoked.")
        return Integration(key), key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
