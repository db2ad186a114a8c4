"""What staff type is looked for by its parts too (PostgreSQL only), where PostgreSQL's parser reads
as one word what a text may write apart. Migration 0021 asked for the parser's words alone, and so
no longer found, as it did before 0021:
- "fibre optic" for "fibre-optic" (the parser reads the hyphenated whole and its parts, and 0021
  asked for all three): the wholes are left out, their parts are words of their own;
- "covid 19" for "covid-19" ("-19" is a signed number), "J. Bloggs" for "j.bloggs" (a host name to
  the parser), "router and modem" for "router/modem" (a file path): such a word is looked for whole
  or as its parts, each the start of a word.
An e-mail or web address is looked for whole only: split, its parts ("example", "com") are in
nearly every complaint, 27 ms of index reads at a million, for what its whole finds.

complaints_words_query('O''Brien fibre-optic covid-19') is the tsquery
'brien':* & ('-19':* | '19':*) & 'covid':* & 'fibre':* & 'o':* & 'optic':*, or NULL when there is no word.
"""

from django.db import migrations

# Token by token from the parser (ts_parse, with the default parser's fixed OID, 3722, for its
# IMMUTABLE form) through the 'simple' dictionary, as the 'simple' configuration maps them: every
# token type but blanks, tags, protocols and entities (1-11, 18-22), here without the hyphenated
# wholes (15 numhword, 16 asciihword, 17 hword). 4 is an e-mail address and 5 a URL. (ts_debug says
# the same by name, but costs about 0.5 ms a call, and a search makes several.)
PREFIX_TERM_FUNCTION = r"""
CREATE OR REPLACE FUNCTION complaints_prefix_term(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT chr(39) || replace(replace($1, chr(92), chr(92) || chr(92)), chr(39), chr(92) || chr(39))
           || chr(39) || ':*'
    $$
"""
WORDS_QUERY_FUNCTION = r"""
CREATE OR REPLACE FUNCTION complaints_words_query(text) RETURNS tsquery
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$
    SELECT string_agg(
               DISTINCT CASE
                   WHEN token.tokid IN (4, 5) OR lexeme !~ '\W' THEN public.complaints_prefix_term(lexeme)
                   ELSE coalesce(
                       '(' || public.complaints_prefix_term(lexeme) || ' | ' || (
                           SELECT string_agg(public.complaints_prefix_term(part), ' & ')
                             FROM regexp_split_to_table(lexeme, '\W+') AS part
                            WHERE part <> ''
                       ) || ')',
                       public.complaints_prefix_term(lexeme)
                   )
               END,
               ' & '
           )::tsquery
      FROM ts_parse(3722::oid, public.complaints_unaccent($1)) AS token,
           unnest(ts_lexize('simple'::regdictionary, token.token)) AS lexeme
     WHERE token.tokid IN (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 18, 19, 20, 21, 22)
    $$
"""


def replace_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PREFIX_TERM_FUNCTION)
        schema_editor.execute(WORDS_QUERY_FUNCTION)


def restore_function(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        from importlib import import_module

        schema_editor.execute(import_module("complaints.migrations.0021_words_query").WORDS_QUERY_FUNCTION)
        schema_editor.execute("DROP FUNCTION IF EXISTS complaints_prefix_term(text)")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0021_words_query"),
    ]

    operations = [
        migrations.RunPython(replace_function, restore_function, elidable=False),
    ]
