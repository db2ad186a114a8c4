"""Search reads a complaint's words and its unaccented name from stored columns (PostgreSQL only;
complaints/search.py). Computing them per row cost 31 µs and 3.5 µs: a word found in 1 complaint of
100 meant 240,000 rows' words recomputed, 6 s at a million. Stored, checking a row is a lookup.

They are generated columns, kept by PostgreSQL on every insert and update, and not in the Django
model: nothing in Python reads or writes them. Adding them rewrites the complaints table under an
exclusive lock: about 2 minutes at a million complaints on a 2-core machine (reads and writes of
complaints wait meanwhile), so run this migration in a quiet hour. The indexes are then rebuilt on the
columns CONCURRENTLY, under the names complaints/search.py checks for.
"""

from django.db import migrations

WORDS = "to_tsvector('simple'::regconfig, complaints_unaccent(customer_name || ' ' || description))"
NAME = "complaints_unaccent(lower(customer_name))"


def store_search_columns(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"""ALTER TABLE complaints_complaint
            ADD COLUMN IF NOT EXISTS search_words tsvector GENERATED ALWAYS AS ({WORDS}) STORED,
            ADD COLUMN IF NOT EXISTS search_name text GENERATED ALWAYS AS ({NAME}) STORED"""
    )
    for name, definition in (
        ("complaint_search_words", "gin (search_words)"),
        ("complaint_search_name", "gin (search_name gin_trgm_ops)"),
    ):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY {name} ON complaints_complaint USING {definition}")


def compute_per_row_again(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in (
        ("complaint_search_words", f"gin (({WORDS}))"),
        ("complaint_search_name", f"gin (({NAME}) gin_trgm_ops)"),
    ):
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY {name} ON complaints_complaint USING {definition}")
    schema_editor.execute(
        "ALTER TABLE complaints_complaint DROP COLUMN IF EXISTS search_words, DROP COLUMN IF EXISTS search_name"
    )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0018_account_key"),
    ]

    operations = [
        migrations.RunPython(store_search_columns, compute_per_row_again, elidable=False),
    ]
