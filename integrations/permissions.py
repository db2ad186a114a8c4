from rest_framework.permissions import BasePermission

from integrations.models import ApiKey


class HasScope(BasePermission):
    """The key holds the scope the view names for the request's method (`required_scopes`). A view
    that names none for a method refuses it: nothing is open by default."""

    message = "This API key does not have the scope this request needs."

    def has_permission(self, request, view):
        key = request.auth
        needed = getattr(view, "required_scopes", {}).get(request.method)
        return isinstance(key, ApiKey) and needed is not None and needed in key.scopes
