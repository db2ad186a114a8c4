"""Finding complaints from whatever staff remember: part of a name, an e-mail address, a postcode, an
account number or a reference, or words the customer or staff wrote on the complaint or its timeline.

Every word typed must match, each in any of those places; accents and case are ignored. On PostgreSQL
each place is read through its own index (migration complaints 0015): trigram indexes for the parts of
names, addresses and numbers, full-text indexes for the words. On SQLite, the embedded default, the
admin falls back to Django's case-insensitive `contains` over the contact fields.
"""

import re

from django.db import connections
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from complaints.references import normalise_reference

# The indexes the search reads (migration complaints 0015). PostgreSQL uses an index only for the very
# expression it was built on, so the SQL below repeats the migration's expressions exactly; a test
# checks that every one of these is in the plan.
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

# One typed word: the complaints with it in any place. Parameters: the LIKE pattern (five times, for
# the parts of values) and the full-text query (twice, for the complaint and its timeline).
_PARTS = """
    SELECT id FROM complaints_complaint
     WHERE complaints_unaccent(lower(customer_name)) LIKE complaints_unaccent(lower(%s))
    UNION SELECT id FROM complaints_complaint WHERE lower(email) LIKE lower(%s)
    UNION SELECT id FROM complaints_complaint WHERE replace(upper(postcode), ' ', '') LIKE upper(%s)
    UNION SELECT id FROM complaints_complaint WHERE lower(account_number) LIKE lower(%s)
    UNION SELECT id FROM complaints_complaint WHERE reference LIKE upper(%s)
"""
_POSTCODE = "SELECT id FROM complaints_complaint WHERE replace(upper(postcode), ' ', '') LIKE upper(%s)"
_WORDS = """
    SELECT id FROM complaints_complaint
     WHERE to_tsvector('simple', complaints_unaccent(customer_name || ' ' || description))
           @@ to_tsquery('simple', complaints_unaccent(%s))
    UNION SELECT complaint_id FROM complaints_timelineentry
     WHERE to_tsvector('simple', complaints_unaccent(body)) @@ to_tsquery('simple', complaints_unaccent(%s))
"""


def search_complaints(queryset: QuerySet, text: str) -> QuerySet:
    """The complaints of `queryset` that match every word of `text` (all of them when it has none)."""
    text = text.replace("\x00", "")[:LONGEST_SEARCH].strip()
    if not text:
        return queryset
    if connections[queryset.db].vendor != "postgresql":
        return _search_by_contains(queryset, text)
    # One `id IN (…)` over set operations, so that PostgreSQL reads each index once and joins the few
    # ids found; an OR of subqueries would make it test every complaint in turn.
    alternatives, params = [], []
    words = [matches for word in text.split()[:MOST_WORDS] if (matches := _word_matches(word))]
    if words:
        alternatives.append(" INTERSECT ".join(f"({sql})" for sql, _ in words))
        params += [param for _, word_params in words for param in word_params]
    compact = re.sub(r"\s+", "", text)
    if " " in text and len(compact) >= SHORTEST_PART:  # a postcode typed with its space ("cb4 1j")
        alternatives.append(f"({_POSTCODE})")
        params.append(_contains(compact))
    if (reference := normalise_reference(text)) is not None:
        alternatives.append("(SELECT id FROM complaints_complaint WHERE reference = %s)")
        params.append(reference)
    if not alternatives:
        return queryset.none()
    # Every value typed travels as a parameter; the SQL is built only from the constants above.
    return queryset.filter(pk__in=RawSQL(" UNION ".join(alternatives), params))  # noqa: S611


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


def _word_matches(word: str) -> tuple[str, list[str]] | None:
    """The SQL for the ids of the complaints with `word` somewhere; None when it has nothing to find."""
    branches, params = [], []
    if len(word) >= SHORTEST_PART:
        branches.append(_PARTS)
        params += [_contains(word)] * 5
    lexemes = re.findall(r"\w+", word)
    if lexemes:
        branches.append(_WORDS)
        # Each run of letters and digits as the start of a word; quoted, so nothing in it is an operator.
        query = " & ".join(f"'{lexeme}':*" for lexeme in lexemes)
        params += [query, query]
    if not branches:
        return None
    return " UNION ".join(branches), params


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
