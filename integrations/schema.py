"""How the OpenAPI schema describes the key (drf-spectacular finds this class once it is imported:
IntegrationsConfig.ready)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A key a manager made in the admin (Integrations → API keys), shown once.",
        }


PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details; `errors` by field for a 400.",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "object", "additionalProperties": True},
    },
    "required": ["type", "title", "status", "detail"],
}
# What any operation may answer besides its own success, all as problem details.
ERRORS = {
    "400": "A parameter or field is not valid (see errors).",
    "401": "No key, or a key that is not valid, has expired or was revoked.",
    "403": "The key does not have the scope this request needs.",
    "404": "No such complaint.",
    "422": "An Idempotency-Key sent before with another request.",
    "429": "Over the key's rate a minute; see Retry-After.",
}
# What a write may answer besides.
WRITE_ERRORS = {
    "409": "Not now: the complaint has ended (merged, anonymised), or the action's rule does not allow it (detail says why).",
}


def add_problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: every API operation documents its error answers."""
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in result.get("paths", {}).items():
        if not path.startswith("/api/v1/") or path.startswith(("/api/v1/schema", "/api/v1/docs")):
            continue
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            errors = ERRORS | (WRITE_ERRORS if method == "post" else {})
            for status, description in errors.items():
                responses.setdefault(status, {"description": description, "content": problem})
    return result
