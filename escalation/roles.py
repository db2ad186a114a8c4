"""The staff groups deadlines are addressed to, and how to reach them."""

from django.conf import settings
from django.contrib.auth import get_user_model

SUPPORT_AGENTS = "Support agent"
COMPLAINTS_MANAGERS = "Complaints manager"
MANAGING_DIRECTOR = "Managing director"
AUDITORS = "Auditor"


def group_emails(group_name: str) -> list[str]:
    """The e-mail addresses of the group's active members; the complaints team inbox if it has none."""
    emails = sorted(
        get_user_model()
        .objects.filter(groups__name=group_name, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .distinct()
    )
    return emails or [settings.COMPLAINTS_TEAM_EMAIL]
