"""Give complaints filed before the escalation engine existed their stage and clocks."""

from django.conf import settings
from django.db import migrations

from escalation import clocks
from escalation.working_days import WorkingCalendar

UNRESOLVED = ("received", "in_progress", "resolution_proposed")


def start_missing_clocks(apps, schema_editor):
    Complaint = apps.get_model("complaints", "Complaint")
    Escalation = apps.get_model("escalation", "Escalation")
    calendar = WorkingCalendar(settings.WORKING_DAYS_REGION)  # no staff adjustments exist yet
    new_rows = []
    for complaint in Complaint.objects.filter(escalation__isnull=True).iterator():
        escalation = Escalation(
            complaint=complaint,
            stage=1,
            stage_changed_at=complaint.first_received_at,
            acknowledged_at=complaint.created_at,
            acknowledgement_due=clocks.acknowledgement_due(complaint.first_received_at, calendar),
            stage_one_due=clocks.stage_one_due(complaint.first_received_at, calendar),
            stage_one_answered_at=None if complaint.status in UNRESOLVED else complaint.updated_at,
            adr_eligible_on=clocks.adr_eligible_on(complaint.first_received_at),
        )
        deadlines = clocks.open_deadlines(escalation, unresolved=complaint.status in UNRESOLVED)
        escalation.next_deadline = deadlines[0].due if deadlines else None
        escalation.next_deadline_kind = deadlines[0].kind if deadlines else ""
        new_rows.append(escalation)
    Escalation.objects.bulk_create(new_rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("escalation", "0001_initial"), ("complaints", "0002_alter_timelineentry_kind")]

    operations = [migrations.RunPython(start_missing_clocks, migrations.RunPython.noop)]
