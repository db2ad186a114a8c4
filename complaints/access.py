"""The only ways a public view gets hold of a complaint.

Every failure raises the same `ComplaintNotFound`, and the views turn it into the same answer,
so nothing tells a stranger whether a reference exists.
"""

import hashlib
import logging
import secrets
from functools import cache

from django.db import connection

from complaints.models import Complaint
from complaints.references import normalise_reference
from complaints.tracking_links import read_tracking_token

logger = logging.getLogger(__name__)

SESSION_KEY = "tracked_complaints"
MAX_TRACKED_PER_SESSION = 20
# A grant through a merged duplicate is kept as "<duplicate's reference>></digest>"; no reference has ">".
THROUGH = ">"


class ComplaintNotFound(Exception):
    """No complaint for these details, or not for this visitor: one answer for every case."""


def access_complaint_by_reference(*, reference: str, email_or_postcode: str) -> Complaint:
    """The complaint whose reference and e-mail address (or postcode, if it has no e-mail) both match."""
    normalised = normalise_reference(reference)
    complaint = Complaint.objects.filter(reference=normalised).first() if normalised else None
    # Compare even when there is no complaint, so both failures take the same time.
    expected = _contact_secret(complaint) if complaint else secrets.token_hex(16)
    given = _normalise_contact(email_or_postcode, is_email=bool(complaint and complaint.email))
    matches = secrets.compare_digest(expected.encode(), given.encode())
    if complaint is None:
        raise ComplaintNotFound
    if not matches:
        logger.info("Tracking lookup with wrong contact details for complaint %s", complaint.pk)
        raise ComplaintNotFound
    return complaint


def access_complaint_by_tracking_token(*, token: str) -> Complaint:
    """The complaint a genuine, unexpired private link names, if the link has not been revoked."""
    parts = read_tracking_token(token)
    if parts is None:
        raise ComplaintNotFound
    reference, tracking_key = parts
    complaint = Complaint.objects.filter(reference=reference).first()
    if complaint is None:
        raise ComplaintNotFound
    if not secrets.compare_digest(complaint.tracking_key.encode(), tracking_key.encode()):
        raise ComplaintNotFound
    return complaint


def grant_visitor_access(*, session, complaint: Complaint) -> None:
    """Let this browser session see the complaint it has just proved it may see.

    The grant is tied to the complaint's current link key: revoking the private link (or a new
    e-mail address, which replaces it) ends every browser's access too.
    """
    granted = {ref: key for ref, key in _grants(session).items() if ref != complaint.reference}
    if not granted:
        session.cycle_key()  # a fresh session id once it carries a right to see personal data
    granted[complaint.reference] = _fingerprint(complaint)
    session[SESSION_KEY] = dict(list(granted.items())[-MAX_TRACKED_PER_SESSION:])


def revoke_visitor_access(*, session) -> None:
    """Forget every complaint this browser session could see (a shared computer, say)."""
    session.pop(SESSION_KEY, None)
    session.cycle_key()


def access_complaint_for_visitor(*, session, reference: str) -> Complaint:
    """The complaint, if this browser session was granted it by a lookup or a private link."""
    normalised = normalise_reference(reference)
    if normalised is None:
        raise ComplaintNotFound
    granted = _grants(session).get(normalised)
    if granted is None:
        raise ComplaintNotFound
    complaint = _complaint_with_reference(normalised)
    if complaint is None:
        raise ComplaintNotFound
    through, _, digest = granted.rpartition(THROUGH)
    if through:  # granted through a duplicate merged into it: that duplicate's key must still stand
        duplicate = _complaint_with_reference(through)
        if duplicate is None or duplicate.merged_into_id != complaint.pk:
            raise ComplaintNotFound
        expected = _fingerprint_through(duplicate, complaint)
    else:
        expected = _fingerprint(complaint)
    if not secrets.compare_digest(digest.encode(), expected.encode()):
        raise ComplaintNotFound
    return complaint


def grant_access_through_merge(*, session, duplicate: Complaint) -> Complaint:
    """The complaint `duplicate` was merged into, which this browser session may now see because it
    proved it may see the duplicate (`duplicate` must come from `access_complaint_for_visitor`).

    The grant lasts only while both link keys stand: replacing the duplicate's (its link revoked,
    its e-mail address changed) or the primary's ends it, so a merged reference never opens more
    than its own credentials did. A grant the session holds for the primary itself is kept.
    """
    primary = Complaint.objects.get(pk=duplicate.merged_into_id)
    granted = _grants(session)
    if granted.get(primary.reference) == _fingerprint(primary):
        return primary
    granted = {ref: key for ref, key in granted.items() if ref != primary.reference}
    granted[primary.reference] = f"{duplicate.reference}{THROUGH}{_fingerprint_through(duplicate, primary)}"
    session[SESSION_KEY] = dict(list(granted.items())[-MAX_TRACKED_PER_SESSION:])
    return primary


def _complaint_with_reference(reference: str) -> Complaint | None:
    """The complaint, read with SQL written once: every page a customer opens starts here, and
    building this one-row query through the ORM cost twice what running it does (0.45 ms against
    0.18 ms measured); `raw()` still converts every field as the ORM would."""
    return next(iter(Complaint.objects.raw(_complaint_by_reference_sql(), [reference])), None)


@cache
def _complaint_by_reference_sql() -> str:
    quote = connection.ops.quote_name
    reference = quote(Complaint._meta.get_field("reference").column)
    # The model's columns by name, not *: the table also holds search columns the model never reads
    # (migration complaints 0019), a complaint's words among them.
    columns = ", ".join(quote(field.column) for field in Complaint._meta.concrete_fields)
    return f"SELECT {columns} FROM {quote(Complaint._meta.db_table)} WHERE {reference} = %s"  # noqa: S608 - names only


def _grants(session) -> dict[str, str]:
    granted = session.get(SESSION_KEY)
    return granted if isinstance(granted, dict) else {}  # an older session's list grants nothing


def _fingerprint(complaint: Complaint) -> str:
    """A digest of the link key, so the session never holds the key itself."""
    return hashlib.sha256(f"visitor-grant:{complaint.tracking_key}".encode()).hexdigest()[:32]


def _fingerprint_through(duplicate: Complaint, primary: Complaint) -> str:
    """A digest of both link keys: a grant through a merged duplicate ends when either is replaced."""
    keys = f"visitor-grant-through:{duplicate.tracking_key}:{primary.tracking_key}"
    return hashlib.sha256(keys.encode()).hexdigest()[:32]


def _contact_secret(complaint: Complaint) -> str:
    if complaint.email:
        return _normalise_contact(complaint.email, is_email=True)
    return _normalise_contact(complaint.postcode, is_email=False)


def _normalise_contact(value: str, *, is_email: bool) -> str:
    value = (value or "").strip()
    if is_email:
        return value.casefold()
    return "".join(value.split()).upper()
