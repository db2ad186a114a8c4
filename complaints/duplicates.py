"""Likely duplicates: the same customer complaining twice (by e-mail, then by phone, say) shows as
two complaints; staff are shown the other open ones from the last 90 days, with why they match."""

import unicodedata
from datetime import timedelta
from difflib import SequenceMatcher

from django.db.models import Q, QuerySet

from complaints.account_numbers import account_key, account_key_expression
from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES

WITHIN = timedelta(days=90)
# The newest this many sharing an address, an account or a postcode are compared by name: a page
# never waits on thousands of neighbours (a block of flats, a demo's few postcodes).
CANDIDATES_AT_MOST = 100
SIMILAR_NAMES = 0.8  # SequenceMatcher's ratio of the names as compared (accents, case, punctuation gone)


def likely_duplicates(complaint: Complaint) -> list[tuple[Complaint, str]]:
    """Other open complaints first received within 90 days of this one that share its e-mail address,
    its account number, or its postcode with a similar name; in one query, newest first, among the
    newest CANDIDATES_AT_MOST that share one of them."""
    found = []
    for other in candidates(complaint):
        if (reason := why_alike(complaint, other)) is not None:
            found.append((other, reason))
    return found


def candidates(complaint: Complaint) -> QuerySet:
    """The open complaints near it in time that share its address, account or postcode, each read
    through its own index (migration complaints 0015)."""
    same = Q(postcode=complaint.postcode) if complaint.postcode else Q(pk__in=[])
    if complaint.email:
        same |= Q(email__iexact=complaint.email)
    if account := account_key(complaint.account_number):
        same |= Q(account_key=account)
    return (
        Complaint.objects.alias(account_key=account_key_expression())
        .filter(
            same,
            status__in=OPEN_STATUSES,
            anonymised_at__isnull=True,
            first_received_at__range=(
                complaint.first_received_at - WITHIN,
                complaint.first_received_at + WITHIN,
            ),
        )
        .exclude(pk=complaint.pk)
        .only("reference", "customer_name", "email", "account_number", "postcode", "first_received_at")
        .order_by("-first_received_at")[:CANDIDATES_AT_MOST]
    )


def why_alike(complaint: Complaint, other: Complaint) -> str | None:
    """Why two complaints look like one customer's (the same e-mail address, ...), or None."""
    if complaint.email and other.email.lower() == complaint.email.lower():
        return "the same e-mail address"
    account = account_key(complaint.account_number)
    if account and account_key(other.account_number) == account:
        return "the same account number"
    if other.postcode == complaint.postcode and _similar(other.customer_name, complaint.customer_name):
        return "the same postcode and a similar name"
    return None


def _similar(one: str, other: str) -> bool:
    return SequenceMatcher(None, _compared(one), _compared(other)).ratio() >= SIMILAR_NAMES


def _compared(name: str) -> str:
    """ "Zoë O\u2019Brien" and "zoe obrien" compare alike: no accents, case or punctuation."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(ch for ch in plain.lower() if ch.isalnum())
