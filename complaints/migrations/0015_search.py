"""Indexes for staff search (complaints/search.py), on PostgreSQL only: SQLite, the embedded default,
searches without them.

Built CONCURRENTLY (so the migration is not atomic): on a live database with a million complaints,
building them takes a minute or so, and a plain CREATE INDEX would block every write meanwhile.
The expressions are the ones complaints/search.py queries; keep the two the same.
"""

import django.db.models.functions.text
from django.contrib.postgres.operations import TrigramExtension, UnaccentExtension
from django.db import migrations, models

# unaccent() is only STABLE (its dictionary could change), and an index needs an IMMUTABLE function:
# this wrapper names the dictionary, the usual way to index unaccented text.
UNACCENT_FUNCTION = """
CREATE OR REPLACE FUNCTION complaints_unaccent(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$
"""

INDEXES = {
    "complaint_search_name": (
        "complaints_complaint",
        "gin (complaints_unaccent(lower(customer_name)) gin_trgm_ops)",
    ),
    "complaint_search_email": ("complaints_complaint", "gin (lower(email) gin_trgm_ops)"),
    "complaint_search_postcode": (
        "complaints_complaint",
        "gin (replace(upper(postcode), ' ', '') gin_trgm_ops)",
    ),
    "complaint_search_account": ("complaints_complaint", "gin (lower(account_number) gin_trgm_ops)"),
    "complaint_search_reference": ("complaints_complaint", "gin (reference gin_trgm_ops)"),
    "complaint_search_words": (
        "complaints_complaint",
        "gin (to_tsvector('simple', complaints_unaccent(customer_name || ' ' || description)))",
    ),
    "timeline_search_words": (
        "complaints_timelineentry",
        "gin (to_tsvector('simple', complaints_unaccent(body)))",
    ),
}


def create_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(UNACCENT_FUNCTION)
    for name, (table, definition) in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {table} USING {definition}")


def drop_search_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
    schema_editor.execute("DROP FUNCTION IF EXISTS complaints_unaccent(text)")


class OnPostgreSQLOnly:
    """Django's extension operations skip other databases going forwards but not backwards, where
    they ask PostgreSQL's catalogue whether the extension exists (an error on SQLite)."""

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Trigram(OnPostgreSQLOnly, TrigramExtension):
    pass


class Unaccent(OnPostgreSQLOnly, UnaccentExtension):
    pass


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("complaints", "0014_reply_templates"),
    ]

    operations = [
        # Both are no-ops on other databases; both are trusted extensions (PostgreSQL 13+), so the
        # database's owner may create them without being a superuser.
        Trigram(),
        Unaccent(),
        migrations.RunPython(create_search_indexes, drop_search_indexes, elidable=False),
        # For possible duplicates (complaints/duplicates.py), on every database.
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(django.db.models.functions.text.Upper("email"), name="complaint_email_upper"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["account_number"], name="complaint_account_number"),
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(fields=["postcode"], name="complaint_postcode"),
        ),
        # For the monthly report's count of needs.
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("has_support_needs", True)),
                fields=["status"],
                name="complaint_has_support_needs",
            ),
        ),
    ]
