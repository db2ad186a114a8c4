from rest_framework.permissions import BasePermission

from integrations.models import ApiKey


class HasScope(BasePermission):
    """The key holds the scope the view names for the request's method (`required_scopes`). A view
    that names none for a method it has refuses it: nothing is open by default."""

    message = "This API key does not have the scope this request needs."

    def has_permission(self, request, view):
        key = request.auth
        if not isinstance(key, ApiKey):
            return False
        if request.method not in view.allowed_methods:
            return True  # a method the endpoint does not have: DRF answers 405
        scopes = getattr(view, "required_scopes", {})
        needed = scopes.get(request.method)
        if request.method == "HEAD":
            needed = scopes.get("GET")  # HEAD reads
        elif request.method == "OPTIONS":
            # It reads what the endpoint is: the GET's scope, or on an endpoint that only writes, the write's.
            needed = scopes.get("GET") or next(iter(scopes.values()), None)
        return needed is not None and needed in key.scopes
