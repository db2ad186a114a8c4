"""Finding complaints from whatever staff remember: part of a name, an e-mail address, a postcode, an
account number or a reference, or words the customer or staff wrote on the complaint or its timeline.

Every word typed must match, each in any of those places; accents and case are ignored. On PostgreSQL
each place is read through its own index (migration complaints 0015): trigram indexes for the parts of
names, addresses and numbers, full-text indexes for the words. A complaint's words and unaccented name
are stored columns (migration complaints 0019), so checking a row never recomputes them. On SQLite, the embedded default, the
admin falls back to Django's case-insensitive `contains` over the contact fields.
"""

import math
import re

from django.core.exceptions import EmptyResultSet
from django.db import connections, transaction
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL

from complaints.references import normalise_reference

# The indexes the search reads (migrations complaints 0015 and 0019). PostgreSQL uses an index only for
# the very expression it was built on, so the SQL below repeats the migrations' expressions (or names
# their stored columns) exactly; a test checks that every one of these is in the plan.
INDEXES = (
    "complaint_search_name",
    "complaint_search_email",
    "complaint_search_postcode",
    "complaint_search_account",
    "complaint_search_reference",
    "complaint_search_words",
    "timeline_search_words",
)

# A list shows at most this many matches, the most recently received: more is a search to narrow.
# Ten pages of the list. Walking to the newest matches reads rows in proportion to how many are
# wanted: the 2,000 newest of a word in one complaint of 30 were 64,000 rows (214 ms) at a million.
RESULTS_AT_MOST = 500
NEWEST_FIRST = ("-first_received_at", "-pk")
# How many of the newest complaints are tested one by one before choosing how to read the rest
# (5 to 20 ms at a million); what a match read through the indexes costs, in rows walked (at a
# million: 33,000 matches in 110 ms, 28,000 rows walked in 176 ms); and how many more rows than
# expected a walk reads, so that it rarely falls short.
FIRST_WALK = 1_000
WALK_COST_RATIO = 0.5
WALK_MARGIN = 1.5
# A walk on reads at most this many rows (30 to 60 ms at a million): it is a bet that older
# complaints match as often as the newest, and when they do not (a burst of complaints about one
# outage, or from one customer, at the top of the list) it is paid on top of the indexes' read.
WALK_ON_AT_MOST = 5_000
# Past this many timeline entries a word's complaints are a hashed set, not an array looked up one
# by one through the primary key (about 10 ms for 10,000).
TIMELINE_ARRAY_AT_MOST = 10_000

# How each way of reading is planned. A walk reads a thousand rows at most, and its words' timeline
# entries, without parallel workers: PostgreSQL's estimate for the start of a word is often far too
# high ('jamal':* as 39,000 entries, for none), and it started workers for each timeline lookup, 6 to
# 10 ms each (4 in a 37 ms walk at a million). A read through the indexes keeps them (a word in 1
# complaint of 30: 136 ms with them, 178 ms without), and never walks an index row by row.
WALKING = {"max_parallel_workers_per_gather": "0", "enable_indexscan": "DEFAULT"}
THROUGH_THE_INDEXES = {"max_parallel_workers_per_gather": "DEFAULT", "enable_indexscan": "off"}

# A trigram index finds a part of a value only from three characters; shorter words match whole words.
SHORTEST_PART = 3
MOST_WORDS = 8
LONGEST_SEARCH = 200

# A typed word in the complaint's own places: one condition per index, ORed, so that PostgreSQL
# reads them as one bitmap per word and ANDs the words' bitmaps before reading any row.
_PARTS = """
    complaints_complaint.search_name LIKE complaints_unaccent(lower(%s))
    OR lower(complaints_complaint.email) LIKE lower(%s)
    OR replace(upper(complaints_complaint.postcode), ' ', '') LIKE upper(%s)
    OR lower(complaints_complaint.account_number) LIKE lower(%s)
    OR complaints_complaint.reference LIKE upper(%s)
"""
_WORDS = """
    complaints_complaint.search_words @@ complaints_words_query(%s)
"""
_TIMELINE = """
    SELECT complaint_id FROM complaints_timelineentry
     WHERE to_tsvector('simple', complaints_unaccent(body)) @@ complaints_words_query(%s)
"""
# A postcode, whole or begun ("CB4 1JT", "cb4 1j", "CB41J"): one thing, not two words, looked for in
# the postcodes (and, written without its space, in references and account numbers: "AB12" may be either).
_POSTCODE = """
    replace(upper(complaints_complaint.postcode), ' ', '') LIKE upper(%s)
    OR complaints_complaint.reference LIKE upper(%s)
    OR lower(complaints_complaint.account_number) LIKE lower(%s)
"""
POSTCODE_TYPED = re.compile(r"[A-Za-z]{1,2}\d[A-Za-z\d]?\s*\d[A-Za-z]{0,2}")


def search_complaints(queryset: QuerySet, text: str) -> QuerySet:
    """The complaints of `queryset` that match every word of `text` (all of them when it has none)."""
    text = _cleaned(text)
    if not text:
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        return _search_by_contains(queryset, text)
    matching = _matching(text)
    return queryset.none() if matching is None else queryset.filter(matching)


def _cleaned(text: str) -> str:
    return text.replace("\x00", "")[:LONGEST_SEARCH].strip()


def _matching(
    text: str, *, walking: bool = False, common_in_timeline: frozenset[str] = frozenset()
) -> RawSQL | None:
    """One condition on a complaint's own row for every word of `text`; None when nothing can match.

    The complaints whose timeline holds a word are found once a query, by index: as an array that
    the primary key's index looks up one by one, when the condition is read through the indexes and
    they are few; otherwise as a hashed set each row is looked up in. (Testing a row against an
    array reads it all: for "customer", on 941,200 timelines of the million, a walk ran over two
    minutes, and a read through the indexes over 50 s, before they were stopped.)"""
    alternatives, params = [], []
    if POSTCODE_TYPED.fullmatch(text):
        alternatives.append(f"({_POSTCODE})")
        params += [_contains(re.sub(r"\s+", "", text))] * 3
    else:
        for word in text.split()[:MOST_WORDS]:
            condition, condition_params, query = _word_conditions(word)
            if not condition:
                continue
            if query is not None:  # or in the timeline
                hashed = walking or query in common_in_timeline
                in_timeline = f"IN ({_TIMELINE})" if hashed else f"= ANY(ARRAY({_TIMELINE}))"
                condition = f"{condition} OR complaints_complaint.id {in_timeline}"
                condition_params = [*condition_params, query]
            alternatives.append(f"({condition})")
            params += condition_params
        alternatives = [f"({' AND '.join(alternatives)})"] if alternatives else []
    if (reference := normalise_reference(text)) is not None:
        alternatives.append("complaints_complaint.reference = %s")
        params.append(reference)
    if not alternatives:
        return None
    # One condition on the complaint's own row, so that PostgreSQL can read it either way: one bitmap
    # per index, ANDed and ORed, then just those rows; or row by row, the newest complaints first.
    # Every value typed travels as a parameter; the SQL is built only from the constants above.
    return RawSQL(" OR ".join(alternatives), params, output_field=BooleanField())  # noqa: S611


def _word_conditions(word: str) -> tuple[str, list[str], str | None]:
    """The condition for `word` in a complaint's own places, its parameters, and what its full-text
    query is made from (None when it has no letters or digits); an empty condition when it has
    nothing to find."""
    conditions, params = [], []
    if len(word) >= SHORTEST_PART:
        conditions.append(_PARTS)
        params += [_contains(word)] * 5
    # PostgreSQL splits the word as it split the texts (migrations complaints 0021 and 0022): an
    # e-mail or web address stays one word, a hyphenated one its parts, each looked for as a start.
    query = word if re.search(r"\w", word) else None
    if query is not None:
        conditions.append(_WORDS)
        params.append(query)
    return " OR ".join(conditions), params, query


def search_for_list(queryset: QuerySet, text: str) -> tuple[QuerySet, int | None, bool]:
    """The matches for a list page, how many it shows (None when `text` holds nothing to search
    for, and the list is `queryset` unsearched), and whether more than RESULTS_AT_MOST matched.

    The matching ids are read once, the newest first, so that the page's rows filter by them instead
    of searching again for each query of the page (four for the admin's list)."""
    text = _cleaned(text)
    if not text:
        return queryset, None, False
    if connections[queryset.db].vendor != "postgresql":
        ids = _newest(search_complaints(queryset, text), RESULTS_AT_MOST + 1)
    else:
        ids = _newest_matching(queryset, text)
    shown = ids[:RESULTS_AT_MOST]
    return queryset.filter(pk__in=shown), len(shown), len(ids) > RESULTS_AT_MOST


def _newest(queryset: QuerySet, count: int) -> list[int]:
    return list(queryset.order_by(*NEWEST_FIRST).values_list("pk", flat=True)[:count])


def _newest_matching(queryset: QuerySet, text: str) -> list[int]:
    """The ids of the newest RESULTS_AT_MOST + 1 complaints of `queryset` matching `text`, newest first.

    PostgreSQL can read them two ways: walk the newest complaints, testing each, until enough match
    (quick when many match: "engineer"), or gather every match from the indexes, then sort them (quick
    when few do: a surname). Which is quicker turns on how many match, and its estimate of that for a
    part of a word is often wrong several times over: at a million complaints it walked 230,000 rows
    (900 ms) for a surname the indexes gave in 28 ms. So the search measures instead: it walks the
    newest FIRST_WALK complaints, and when they hold too few matches, how often they matched says
    which way reads fewer rows for the rest (older than the walked ones, so none is read twice).

    The reads run in one transaction (a savepoint inside a caller's), each sent with the planner
    settings of its way of reading (SET LOCAL, so they end with the transaction); inside a caller's
    transaction they are set back to the server's defaults straight after (the portal never changes
    them otherwise)."""
    walking = _matching(text, walking=True)
    if walking is None:
        return []
    connection = connections[queryset.db]
    nested = connection.in_atomic_block or not connection.get_autocommit()
    # A savepoint inside a caller's transaction, so that an exception here does not doom it.
    with transaction.atomic(using=queryset.db):
        ids = _read_newest_matching(queryset, text, walking)
        if nested:
            with connection.cursor() as cursor:
                cursor.execute(_planner_settings(dict.fromkeys(WALKING, "DEFAULT")))
    return ids


def _read_newest_matching(queryset: QuerySet, text: str, walking: RawSQL) -> list[int]:
    wanted = RESULTS_AT_MOST + 1
    queries = _full_text_queries(text)
    ids, walked, last, facts = _walk(queryset, walking, rows=FIRST_WALK, facts=_facts(queryset, queries))
    if len(ids) >= wanted or walked < FIRST_WALK:
        return ids[:wanted]
    # Walking on reads about (still wanted) / (share matching) rows, WALK_MARGIN times over; the
    # indexes read every match, about (share matching) x (complaints). With none matching yet, the indexes.
    share = len(ids) / walked
    rows = math.ceil((wanted - len(ids)) / share * WALK_MARGIN) if share else 0
    if 0 < rows <= WALK_ON_AT_MOST and rows < share * facts["complaints"] * WALK_COST_RATIO:
        # One walk on, WALK_MARGIN times the rows expected to hold the rest; when older complaints
        # match less often than the newest (a word of last week's outage), the indexes read the rest.
        found, walked, last, _ = _walk(queryset, walking, rows=rows, older_than=last)
        ids += found
        if len(ids) >= wanted or walked < rows:  # enough, or none older left
            return ids[:wanted]
    common = frozenset(
        query for index, query in enumerate(queries) if facts[f"timeline_{index}"] > TIMELINE_ARRAY_AT_MOST
    )
    older = queryset.filter(_matching(text, common_in_timeline=common)).filter(_older_than(*last))
    return ids + _through_the_indexes_only(older, wanted - len(ids))


def _full_text_queries(text: str) -> list[str]:
    words = [] if POSTCODE_TYPED.fullmatch(text) else text.split()[:MOST_WORDS]
    return [query for word in words if (query := _word_conditions(word)[2]) is not None]


def _facts(queryset: QuerySet, queries: list[str]) -> dict[str, RawSQL]:
    """What the choice of the second step needs, read with the first: how many complaints there are,
    from PostgreSQL's statistics (no row read), and for each full-text query how many timeline
    entries match it, counted through its index up to just past TIMELINE_ARRAY_AT_MOST."""
    table = queryset.model._meta.db_table
    # Built from the constants above only; the queries travel as parameters.
    timeline_count = f"SELECT count(*) FROM ({_TIMELINE} LIMIT %s) AS entries"  # noqa: S608
    return {
        "complaints": RawSQL("SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table]),
        **{
            f"timeline_{index}": RawSQL(timeline_count, [query, TIMELINE_ARRAY_AT_MOST + 1])  # noqa: S611
            for index, query in enumerate(queries)
        },
    }


def _walk(queryset: QuerySet, matching: RawSQL, *, rows: int, older_than=None, facts=None):
    """The newest `rows` complaints of `queryset` (after `older_than`, a last walked row's received
    time and id), each tested in the select list, so that PostgreSQL can only walk them in order.
    Returns the matching ids, how many rows were walked, the last one, and the `facts` asked for
    (each computed once, in the same query)."""
    if older_than is not None:
        queryset = queryset.filter(_older_than(*older_than))
    facts = facts or {}
    names = [f"search_{name}" for name in facts]
    # Read with a raw cursor (to send the settings with it): Django 5.2 selects the values_list's
    # fields in the order named, so each row is (pk, first_received_at, search_matched, *facts).
    walk = (
        queryset.annotate(search_matched=matching, **dict(zip(names, facts.values(), strict=True)))
        .order_by(*NEWEST_FIRST)
        .values_list("pk", "first_received_at", "search_matched", *names)[:rows]
    )
    walked = _read(walk, WALKING)
    if not walked:
        return [], 0, older_than, {}
    last_pk, last_received_at, *_ = walked[-1]
    found = [pk for pk, _, matched, *_ in walked if matched]
    return found, len(walked), (last_received_at, last_pk), dict(zip(facts, walked[0][3:], strict=True))


def _through_the_indexes_only(queryset: QuerySet, count: int) -> list[int]:
    """The newest `count` ids of `queryset`, read through what the indexes find (their bitmaps ANDed
    and ORed), never walking an index row by row."""
    newest = queryset.order_by(*NEWEST_FIRST).values_list("pk", flat=True)[:count]
    return [pk for (pk,) in _read(newest, THROUGH_THE_INDEXES)]


def _read(queryset: QuerySet, settings: dict[str, str]) -> list[tuple]:
    """The rows of `queryset`'s SQL, read with the planner `settings` sent with it (one round trip)."""
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:  # a queryset that cannot hold a row (none(), an empty __in)
        return []
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"{_planner_settings(settings)} {sql}", params)
        return cursor.fetchall()


def _planner_settings(settings: dict[str, str]) -> str:
    return " ".join(f"SET LOCAL {name} = {value};" for name, value in settings.items())


def _older_than(first_received_at, pk) -> Q:
    """Complaints after (`first_received_at`, `pk`) in NEWEST_FIRST order."""
    return Q(first_received_at__lt=first_received_at) | Q(first_received_at=first_received_at, pk__lt=pk)


def _contains(value: str) -> str:
    """A LIKE pattern for `value` anywhere, its own % and _ taken literally."""
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search_by_contains(queryset: QuerySet, text: str) -> QuerySet:
    matches = queryset
    for word in text.split()[:MOST_WORDS]:
        matches = matches.filter(
            Q(customer_name__icontains=word)
            | Q(email__icontains=word)
            | Q(postcode__icontains=word)
            | Q(account_number__icontains=word)
            | Q(reference__icontains=word)
        )
    reference = normalise_reference(text)
    whole = queryset.filter(postcode__iexact=text)
    if reference is not None:
        whole = whole | queryset.filter(reference=reference)
    return matches | whole
