"""The dashboard's counts per stage read the open escalations only (escalation/reporting.py)."""

from django.db import migrations, models

from complaints.online_migrations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("escalation", "0014_seed_root_causes_and_rates"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="escalation",
            index=models.Index(
                condition=models.Q(resolved_at__isnull=True),
                fields=["stage", "next_deadline"],
                name="escalation_open_stage_deadline",
            ),
        ),
    ]
