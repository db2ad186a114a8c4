"""The only ways a public view gets hold of a complaint.

Every failure raises the same `ComplaintNotFound`, and the views turn it into the same answer,
so nothing tells a stranger whether a reference exists.
"""

import logging
import secrets

from complaints.models import Complaint
from complaints.references import normalise_reference
from complaints.tracking_links import read_tracking_token

logger = logging.getLogger(__name__)

SESSION_KEY = "tracked_complaints"
MAX_TRACKED_PER_SESSION = 20


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
    """Let this browser session see the complaint it has just proved it may see."""
    granted = [ref for ref in session.get(SESSION_KEY, []) if ref != complaint.reference]
    if not granted:
        session.cycle_key()  # a fresh session id once it carries a right to see personal data
    session[SESSION_KEY] = [*granted, complaint.reference][-MAX_TRACKED_PER_SESSION:]


def revoke_visitor_access(*, session) -> None:
    """Forget every complaint this browser session could see (a shared computer, say)."""
    session.pop(SESSION_KEY, None)
    session.cycle_key()


def access_complaint_for_visitor(*, session, reference: str) -> Complaint:
    """The complaint, if this browser session was granted it by a lookup or a private link."""
    normalised = normalise_reference(reference)
    if normalised is None:
        raise ComplaintNotFound
    if normalised not in session.get(SESSION_KEY, []):
        raise ComplaintNotFound
    complaint = Complaint.objects.filter(reference=normalised).first()
    if complaint is None:
        raise ComplaintNotFound
    return complaint


def _contact_secret(complaint: Complaint) -> str:
    if complaint.email:
        return _normalise_contact(complaint.email, is_email=True)
    return _normalise_contact(complaint.postcode, is_email=False)


def _normalise_contact(value: str, *, is_email: bool) -> str:
    value = (value or "").strip()
    if is_email:
        return value.casefold()
    return "".join(value.split()).upper()
