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
