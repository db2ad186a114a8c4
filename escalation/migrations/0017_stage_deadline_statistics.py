"""The planner learns that stage and next deadline go together (PostgreSQL only): most complaints are
at stage 1 and ended, without a next deadline, while every one at stage 2 or 3 has one. Taken as
independent, "stage 2 with a deadline" was estimated at 569 of the 13,500 there are at a million
complaints, so the list of stage 2 (unassigned) walked all 13,500 to find the few who rely on a
landline for safety (128 ms) instead of starting from those few through their partial index (26 ms).

A list of the most common pairs (stage, next deadline) does it: 250 entries estimate 10,300 of the
13,500; the default 100 only 4,000. ANALYZE of the clocks then samples 75,000 rows, not 30,000 (0.5 s
at a million, not 0.2 s). It is run here so the estimate holds before autovacuum's next visit.
"""

from django.db import migrations

STATISTICS = "escalation_stage_deadline_pairs"
PAIRS_KEPT = 250


def create_statistics(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE STATISTICS IF NOT EXISTS {STATISTICS} (mcv) ON stage, next_deadline FROM escalation_escalation"
    )
    schema_editor.execute(f"ALTER STATISTICS {STATISTICS} SET STATISTICS {PAIRS_KEPT}")
    schema_editor.execute("ANALYZE escalation_escalation")


def drop_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {STATISTICS}")


class Migration(migrations.Migration):
    dependencies = [
        ("escalation", "0016_resolved_at_where_ended"),
    ]

    operations = [
        migrations.RunPython(create_statistics, drop_statistics, elidable=False),
    ]
