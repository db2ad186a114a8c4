"""Finding complaints from whatever staff remember: part of a name, an e-mail address, a postcode, an
account number or a reference, or words the customer or staff wrote on the complaint or its timeline.

Every word typed must match, each in any of those places; accents and case are ignored. On PostgreSQL
each place is read through its own index (migration complaints 0015): trigram indexes for the parts of
names, addresses and numbers, full-text indexes for the words. A complaint's words and unaccented name
are stored columns (migration complaints 0019), so checking a row never recomputes them. On SQLite, the embedded default, the
admin falls back to Django's case-insensitive `contains` over the contact fields.
"""

import re

from django.db import connections
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
RESULTS_AT_MOST = 2_000

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
    complaints_complaint.search_words @@ to_tsquery('simple', complaints_unaccent(%s))
"""
_TIMELINE = """
    SELECT complaint_id FROM complaints_timelineentry
     WHERE to_tsvector('simple', complaints_unaccent(body)) @@ to_tsquery('simple', complaints_unaccent(%s))
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
    text = text.replace("\x00", "")[:LONGEST_SEARCH].strip()
    if not text:
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        return _search_by_contains(queryset, text)
    alternatives, params = [], []
    if POSTCODE_TYPED.fullmatch(text):
        alternatives.append(f"({_POSTCODE})")
        params += [_contains(re.sub(r"\s+", "", text))] * 3
    else:
        for word in text.split()[:MOST_WORDS]:
            condition, condition_params, query = _word_conditions(word)
            if not condition:
                continue
            if query is not None:  # or in the timeline: its few complaints found once, by index
                condition = f"{condition} OR complaints_complaint.id = ANY(ARRAY({_TIMELINE}))"
                condition_params = [*condition_params, query]
            alternatives.append(f"({condition})")
            params += condition_params
        alternatives = [f"({' AND '.join(alternatives)})"] if alternatives else []
    if (reference := normalise_reference(text)) is not None:
        alternatives.append("complaints_complaint.reference = %s")
        params.append(reference)
    if not alternatives:
        return queryset.none()
    # One condition on the complaint's own row, so that PostgreSQL chooses by what it expects to
    # find: for a few matches, one bitmap per index, ANDed and ORed, then just those rows; for very
    # many ("engineer", "NS-"), the newest complaints read in order until a page is full.
    # Every value typed travels as a parameter; the SQL is built only from the constants above.
    matching = RawSQL(" OR ".join(alternatives), params, output_field=BooleanField())  # noqa: S611
    return queryset.filter(matching)


def _word_conditions(word: str) -> tuple[str, list[str], str | None]:
    """The condition for `word` in a complaint's own places, its parameters, and its full-text query
    (None when it has no letters or digits); an empty condition when it has nothing to find."""
    conditions, params = [], []
    if len(word) >= SHORTEST_PART:
        conditions.append(_PARTS)
        params += [_contains(word)] * 5
    lexemes = re.findall(r"\w+", word)
    query = None
    if lexemes:
        # Each run of letters and digits as the start of a word; quoted, so nothing in it is an operator.
        query = " & ".join(f"'{lexeme}':*" for lexeme in lexemes)
        conditions.append(_WORDS)
        params.append(query)
    return " OR ".join(conditions), params, query


def search_for_list(queryset: QuerySet, text: str) -> tuple[QuerySet, bool]:
    """The matches for a list page, and whether there were more than RESULTS_AT_MOST.

    The matching ids are read once, the newest first, so that the page's count and rows filter by
    them instead of searching again for each (four times for the admin's list)."""
    matches = search_complaints(queryset, text)
    if matches is queryset:
        return queryset, False
    ids = list(
        matches.order_by("-first_received_at", "-pk").values_list("pk", flat=True)[: RESULTS_AT_MOST + 1]
    )
    return queryset.filter(pk__in=ids[:RESULTS_AT_MOST]), len(ids) > RESULTS_AT_MOST


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
