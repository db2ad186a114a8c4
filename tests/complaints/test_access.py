import time

import pytest
from django.contrib.sessions.backends.db import SessionStore

from complaints.access import (
    ComplaintNotFound,
    access_complaint_by_reference,
    access_complaint_by_tracking_token,
    access_complaint_for_visitor,
    grant_visitor_access,
    revoke_visitor_access,
)
from complaints.tracking_links import TRACKING_LINK_LIFETIME, make_tracking_token
from tests.complaints.factories import ComplaintFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def complaint():
    return ComplaintFactory(email="Zoe.OBrien@Example.com", postcode="CB5 8LA")


def test_reference_and_email_open_the_complaint_whatever_the_case_and_spacing(complaint):
    found = access_complaint_by_reference(
        reference=complaint.reference.lower().replace("-", " "),
        email_or_postcode="  zoe.obrien@example.COM ",
    )
    assert found == complaint


@pytest.mark.parametrize(
    "case",
    [
        "wrong email",
        "postcode instead of email",
        "unknown reference",
        "malformed reference",
        "empty",
    ],
)
def test_every_failed_lookup_is_the_same_exception(complaint, case):
    reference, secret = {
        "wrong email": (complaint.reference, "someone@example.com"),
        "postcode instead of email": (complaint.reference, "CB5 8LA"),
        "unknown reference": ("NS-0000-0000", "zoe.obrien@example.com"),
        "malformed reference": ("' OR 1=1 --", "zoe.obrien@example.com"),
        "empty": ("", ""),
    }[case]
    with pytest.raises(ComplaintNotFound):
        access_complaint_by_reference(reference=reference, email_or_postcode=secret)


def test_a_customer_without_email_uses_the_postcode():
    complaint = ComplaintFactory(email="", postcode="CB5 8LA")
    assert (
        access_complaint_by_reference(reference=complaint.reference, email_or_postcode="cb58la") == complaint
    )
    with pytest.raises(ComplaintNotFound):
        access_complaint_by_reference(reference=complaint.reference, email_or_postcode="CB5 8LB")


def test_private_link_opens_its_complaint(complaint):
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    assert access_complaint_by_tracking_token(token=token) == complaint


def test_tampered_revoked_or_expired_links_are_refused(complaint, monkeypatch):
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    other = ComplaintFactory()
    swapped = token.replace(complaint.reference, other.reference)
    for bad in [token[:-2] + ("AA" if not token.endswith("AA") else "BB"), swapped, "nonsense", ""]:
        with pytest.raises(ComplaintNotFound):
            access_complaint_by_tracking_token(token=bad)

    complaint.tracking_key = "rotated-key"
    complaint.save()
    with pytest.raises(ComplaintNotFound):
        access_complaint_by_tracking_token(token=token)

    fresh = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    later = time.time() + TRACKING_LINK_LIFETIME.total_seconds() + 60
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    with pytest.raises(ComplaintNotFound):
        access_complaint_by_tracking_token(token=fresh)


def test_a_session_sees_only_the_complaints_it_was_granted(complaint):
    other = ComplaintFactory()
    session = SessionStore()
    with pytest.raises(ComplaintNotFound):
        access_complaint_for_visitor(session=session, reference=complaint.reference)

    grant_visitor_access(session=session, complaint=complaint)

    assert access_complaint_for_visitor(session=session, reference=complaint.reference) == complaint
    with pytest.raises(ComplaintNotFound):
        access_complaint_for_visitor(session=session, reference=other.reference)
    revoke_visitor_access(session=session)
    with pytest.raises(ComplaintNotFound):
        access_complaint_for_visitor(session=session, reference=complaint.reference)
