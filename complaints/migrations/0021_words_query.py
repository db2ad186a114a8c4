"""What staff type is split into words by PostgreSQL's own parser, the one that split the complaints'
texts (PostgreSQL only; complaints/search.py). The search split it at every dot and @ instead, so an
e-mail or web address written in a description or on the timeline, one word to the parser
('jo.bloggs@neighbour.example'), was never found, and each part ("example", "com") was looked up as
the start of a word: 27 ms of index reads at a million complaints for a whole e-mail address.

complaints_words_query('Jo.Bloggs@Neighbour.example O''Brien') is the tsquery
'brien':* & 'jo.bloggs@neighbour.example':* & 'o':* (each word as the start of a word, all required),
or NULL when the text holds no word. IMMUTABLE, so a query with a typed constant is planned with it.
"""

from django.db import migrations

# chr(39) is a quote and chr(92) a backslash, the two characters a quoted lexeme escapes.
WORDS_QUERY_FUNCTION = """
CREATE OR REPLACE FUNCTION complaints_words_query(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT string_agg(
               chr(39)
               || replace(replace(lexeme, chr(92), chr(92) || chr(92)), chr(39), chr(92) || chr(39))
               || chr(39) || ':*',
               ' & '
           )::tsquery
      FROM unnest(to_tsvector('simple'::regconfig, public.complaints_unaccent($1)))
    $$
"""


def create_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WORDS_QUERY_FUNCTION)


def drop_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS complaints_words_query(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0020_received_order_index"),
    ]

    operations = [
        migrations.RunPython(create_function, drop_function, elidable=False),
    ]
