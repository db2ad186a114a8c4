"""Who keeps the API keys and the webhook endpoints: the Complaints Managers and the Managing Director (escalation/roles.py
gives the groups the rest of their permissions; this app's exist only once it has migrated)."""

from django.contrib.auth.models import Group, Permission

from escalation.roles import COMPLAINTS_MANAGERS, MANAGING_DIRECTOR

KEY_KEEPERS = (COMPLAINTS_MANAGERS, MANAGING_DIRECTOR)
KEY_PERMISSIONS = (
    "view_apikey",
    "add_apikey",
    "change_apikey",
    "view_webhookendpoint",
    "add_webhookendpoint",
    "change_webhookendpoint",
    "view_webhookdelivery",
    "change_webhookdelivery",  # "send again"
)


def grant_key_permissions() -> None:
    permissions = Permission.objects.filter(
        content_type__app_label="integrations", codename__in=KEY_PERMISSIONS
    )
    for group in Group.objects.filter(name__in=KEY_KEEPERS):
        group.permissions.add(*permissions)
