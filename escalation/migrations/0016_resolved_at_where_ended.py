"""An escalation's resolved_at is empty exactly while its complaint is open: the dashboard counts open
complaints by it alone (escalation/reporting.py `stage_counts`). Every change of status has kept it so
since migration 0005 added it; complaints ended before then, and clock rows made for them by 0002,
have none. They get the complaint's last update as when they ended (the nearest time on record);
any open complaint with one loses it. Retention (which reads resolved_at) then sees them too."""

from django.db import migrations
from django.db.models import OuterRef, Subquery

OPEN_STATUSES = ("received", "in_progress", "resolution_proposed")


def resolved_at_where_ended(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Escalation = apps.get_model("escalation", "Escalation")
    last_update = Complaint.objects.filter(pk=OuterRef("complaint_id")).values("updated_at")[:1]
    Escalation.objects.filter(resolved_at__isnull=True).exclude(complaint__status__in=OPEN_STATUSES).update(
        resolved_at=Subquery(last_update)
    )
    Escalation.objects.filter(resolved_at__isnull=False, complaint__status__in=OPEN_STATUSES).update(
        resolved_at=None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0015_open_stage_deadline"),
    ]

    operations = [
        migrations.RunPython(resolved_at_where_ended, migrations.RunPython.noop, elidable=False),
    ]
