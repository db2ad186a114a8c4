"""The newest complaints first, ties broken by id, read straight from one index: the search's first
step walks the newest complaints in that order (complaints/search.py), and with the received time's
index alone PostgreSQL sorted every complaint received at the same moment as the last one it needed
(12,887 at once in the demo at a million: 70 ms for a walk of 1,000). Built concurrently on PostgreSQL."""

from django.db import migrations, models

from complaints.online_migrations import AddIndexConcurrentlyOnPostgreSQL


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("complaints", "0019_stored_search_columns")]

    operations = [
        AddIndexConcurrentlyOnPostgreSQL(
            model_name="complaint",
            index=models.Index(fields=["first_received_at", "id"], name="complaint_received_order"),
        ),
    ]
