import re
import time

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.urls import reverse

from complaints.access import (
    ComplaintNotFound,
    access_complaint_by_reference,
    access_complaint_by_tracking_token,
    access_complaint_for_visitor,
    grant_visitor_access,
    revoke_visitor_access,
)
from complaints.tracking_links import TRACKING_LINK_LIFETIME, make_tracking_token
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from notifications.models import OutboundMessage
from tests.complaints.factories import ComplaintFactory
from tests.escalation.factories import filed_complaint, staff_member

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


def test_a_revoked_private_link_and_the_pages_it_opened_get_the_uniform_answer(client):
    complaint = filed_complaint()
    old_link = reverse(
        "complaints:tracking_link",
        args=[make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)],
    )
    detail = reverse("complaints:detail", args=[complaint.reference])
    assert client.get(old_link).status_code == 302
    assert client.get(detail).status_code == 200

    staff = Client()
    staff.force_login(staff_member(SUPPORT_AGENTS))
    changelist = reverse("admin:complaints_complaint_changelist")
    key = complaint.tracking_key
    staff.post(changelist, {"action": "revoke_private_links", "_selected_action": [complaint.pk]})
    complaint.refresh_from_db()
    assert complaint.tracking_key == key  # an agent has no such action
    staff.force_login(staff_member(COMPLAINTS_MANAGERS))
    staff.post(changelist, {"action": "revoke_private_links", "_selected_action": [complaint.pk]})
    complaint.refresh_from_db()

    not_found = client.get(detail)
    assert not_found.status_code == 404  # the page the old link opened is closed too
    assert client.get(old_link).status_code == 404
    notice = OutboundMessage.objects.get(template_key="private_link_renewed")
    # The link in the notice, as sent (its token carries the second it was signed, so it is read
    # from the message rather than signed again here).
    prefix = reverse("complaints:tracking_link", args=["TOKEN"]).split("TOKEN")[0]
    new_link = re.search(re.escape(prefix) + r"[^\s]+", notice.body_text).group(0)
    assert new_link != old_link
    assert Client().get(new_link).status_code == 302
    assert complaint.timeline.filter(body__startswith="Private link revoked").count() == 1


def test_the_customers_page_reads_the_models_columns_only(complaint):
    """Not the search columns PostgreSQL keeps beside them (a complaint's words, its name unaccented):
    every page a customer opens reads the complaint, and those would double what it carries."""
    session = SessionStore()
    grant_visitor_access(session=session, complaint=complaint)
    read = access_complaint_for_visitor(session=session, reference=complaint.reference)
    assert read == complaint
    assert not {"search_words", "search_name"} & set(vars(read))
    assert read.description == complaint.description
