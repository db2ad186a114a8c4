"""A hyphenated word typed ("fibre-optic") is looked for by its parts alone (PostgreSQL only). The
parser reads it as the whole and its parts, and migration 0021 asked for all three, so a text saying
"fibre optic" (no whole word "fibre-optic") was no longer found, as it was before 0021. The parts are
what a text with the hyphen holds too. References ("NS-ZXZS-TQB5") are such words: their parts.
"""

from django.db import migrations

# As 0021, token by token from the parser (ts_parse, with the default parser's fixed OID, 3722, for
# its IMMUTABLE form) through the 'simple' dictionary, as the 'simple' configuration maps them: every
# token type but blanks, tags, protocols and entities (1-11, 18-22), and here without the hyphenated
# wholes (15 numhword, 16 asciihword, 17 hword), whose parts are tokens of their own. (ts_debug says
# the same by name, but costs about 0.5 ms a call, several calls a search.)
WORDS_QUERY_FUNCTION = """
CREATE OR REPLACE FUNCTION complaints_words_query(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT string_agg(
               DISTINCT chr(39)
               || replace(replace(lexeme, chr(92), chr(92) || chr(92)), chr(39), chr(92) || chr(39))
               || chr(39) || ':*',
               ' & '
           )::tsquery
      FROM ts_parse(3722::oid, public.complaints_unaccent($1)) AS token,
           unnest(ts_lexize('simple'::regdictionary, token.token)) AS lexeme
     WHERE token.tokid IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 19, 20, 21, 22)
    $$
"""


def replace_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(WORDS_QUERY_FUNCTION)


def restore_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(import_module("complaints.migrations.0021_words_query").WORDS_QUERY_FUNCTION)


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0021_words_query"),
    ]

    operations = [
        migrations.RunPython(replace_function, restore_function, elidable=False),
    ]
