from django.apps import AppConfig
from django.db.models.signals import post_migrate


class IntegrationsConfig(AppConfig):
    """The API for the provider's other systems (CRM, telephony, billing, BI): keys, their scopes,
    the /api/v1/ endpoints, and the webhooks out. It builds on escalation and complaints; nothing below knows of it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self):
        from integrations import (  # noqa: F401  (registers the key's security scheme; the webhooks' receivers)
            receivers,
            schema,
        )

        post_migrate.connect(grant_key_permissions_after_migrate, sender=self)


def grant_key_permissions_after_migrate(sender, **kwargs):
    """After escalation's roles are set (it migrates first), the managers get the keys' permissions."""
    from integrations.roles import grant_key_permissions

    grant_key_permissions()
