"""The staff roles as Django groups, the permissions each holds, and how to reach a group.

`setup_roles` (run after every migrate, and by `manage.py setup_roles`) makes the groups hold
exactly these permissions, so a role's powers are reviewed here, like code.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db.models import Q

SUPPORT_AGENTS = "Support agent"
COMPLAINTS_MANAGERS = "Complaints manager"
MANAGING_DIRECTOR = "Managing director"
AUDITORS = "Auditor"

VIEW_EVERYTHING = [
    "complaints.view_complaint",
    "complaints.view_timelineentry",
    "complaints.view_attachment",
    "complaints.view_inboundemail",
    "escalation.view_escalation",
    "escalation.view_stagechange",
    "escalation.view_ombudsmancase",
    "escalation.view_calendaradjustment",
    "escalation.view_deadlinenotice",
    "escalation.view_subjectaccessexport",
    "escalation.view_satisfactionsurvey",
    "escalation.view_rootcausegroup",
    "escalation.view_rootcause",
    "escalation.view_compensationrate",
    "escalation.view_redress",
    "escalation.view_servicefailure",
    "notifications.view_outboundmessage",
]
AGENT = [
    *VIEW_EVERYTHING,
    "complaints.add_complaint",
    "complaints.change_complaint",
    "complaints.change_inboundemail",  # attach, open as a complaint or discard e-mail put aside
    "complaints.view_replytemplate",
    "escalation.work_stage_one",
    "escalation.change_satisfactionsurvey",  # record how a low satisfaction score was followed up
    "notifications.change_outboundmessage",  # print letters, mark them posted, mark calls made
]
MANAGER = [
    *AGENT,
    "complaints.assign_complaint",
    "complaints.view_support_needs_details",
    "complaints.view_supportneeds",
    "complaints.add_supportneeds",
    "complaints.change_supportneeds",
    "complaints.set_legal_hold",
    "complaints.revoke_private_link",
    # Merging closes a complaint for good and moves the primary's clocks earlier (as correcting the
    # first-received time does): a manager's call; agents see the duplicates and may link them.
    "complaints.merge_complaint",
    "complaints.add_replytemplate",
    "complaints.change_replytemplate",
    "escalation.respond_at_stage_two",
    "escalation.manage_escalations",
    "escalation.correct_first_received",
    "escalation.view_dashboard",
    "escalation.export_customer_data",
    "escalation.add_calendaradjustment",
    "escalation.change_calendaradjustment",
    "escalation.delete_calendaradjustment",
    # The root-cause taxonomy and the automatic compensation rates are the managers' to keep.
    "escalation.add_rootcausegroup",
    "escalation.change_rootcausegroup",
    "escalation.add_rootcause",
    "escalation.change_rootcause",
    "escalation.add_compensationrate",
    "escalation.change_compensationrate",
    "escalation.delete_compensationrate",
]
ROLE_PERMISSIONS = {
    SUPPORT_AGENTS: AGENT,
    COMPLAINTS_MANAGERS: MANAGER,
    MANAGING_DIRECTOR: [*MANAGER, "escalation.decide_as_managing_director"],
    AUDITORS: [*VIEW_EVERYTHING, "escalation.view_dashboard"],
}


def setup_roles() -> dict[str, int]:
    """Create the four groups and give each exactly its permissions; returns how many each holds."""
    counts = {}
    for name, codes in ROLE_PERMISSIONS.items():
        wanted = Q()
        for code in codes:
            app_label, codename = code.split(".")
            wanted |= Q(content_type__app_label=app_label, codename=codename)
        permissions = list(Permission.objects.filter(wanted))
        missing = set(codes) - {f"{p.content_type.app_label}.{p.codename}" for p in permissions}
        if missing:
            raise LookupError(f"Unknown permissions for {name}: {', '.join(sorted(missing))}")
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts


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
