"""A merged reference keeps working for the customer (issue 14, part 3): following the duplicate
opens its primary with a short notice, but only for a visitor who proved they may see the duplicate,
and only for as long as that proof would have lasted."""

import pytest
from django.test import Client
from django.urls import reverse

from complaints import merges, record_changes
from complaints.models import TimelineEntry
from complaints.tracking_links import make_tracking_token
from escalation.roles import COMPLAINTS_MANAGERS
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager():
    return staff_member(COMPLAINTS_MANAGERS)


@pytest.fixture
def merged(manager):
    primary = filed_complaint(days_ago=3, email="zoe@example.com")
    duplicate = filed_complaint(email="zoe@example.com")
    merges.merge_complaints(duplicate=duplicate, primary=primary, by=manager, reason="The same fault.")
    duplicate.refresh_from_db()
    primary.refresh_from_db()
    return duplicate, primary


def page(reference):
    return reverse("complaints:detail", args=[reference])


def link(complaint):
    return reverse(
        "complaints:tracking_link",
        args=[make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)],
    )


def test_tracking_the_merged_reference_opens_the_primary_with_a_notice(client, merged):
    duplicate, primary = merged
    response = client.post(
        reverse("complaints:track"),
        {"reference": duplicate.reference, "email_or_postcode": "zoe@example.com"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == page(primary.reference)
    html = response.content.decode()
    assert f"Your complaint {duplicate.reference} was joined with {primary.reference}." in html
    assert "Complaints joined" in html  # the primary's timeline says so too


def test_the_duplicates_private_link_opens_the_primary(client, merged):
    duplicate, primary = merged
    response = client.get(link(duplicate), follow=True)
    assert response.redirect_chain[-1][0] == page(primary.reference)
    assert response.status_code == 200


def test_a_welsh_customer_reads_the_notice_in_welsh(manager):
    primary = filed_complaint(days_ago=3, email="sian@example.com")
    duplicate = filed_complaint(email="sian@example.com", language="cy")
    merges.merge_complaints(duplicate=duplicate, primary=primary, by=manager, reason="The same fault.")
    duplicate.refresh_from_db()
    html = Client().get(link(duplicate), follow=True).content.decode()
    assert f"Cafodd eich cwyn {duplicate.reference} ei chyfuno â {primary.reference}." in html


def test_knowing_the_merged_reference_opens_nothing(client, merged):
    duplicate, primary = merged
    assert client.get(page(duplicate.reference)).status_code == 404
    assert client.get(page(primary.reference)).status_code == 404
    wrong = client.post(
        reverse("complaints:track"),
        {"reference": duplicate.reference, "email_or_postcode": "sam@example.com"},
    )
    assert "couldn" in wrong.content.decode()
    assert client.get(page(primary.reference)).status_code == 404


def test_replacing_the_duplicates_link_ends_what_it_opened(client, merged, manager):
    duplicate, primary = merged
    client.get(link(duplicate), follow=True)
    assert client.get(page(primary.reference)).status_code == 200
    record_changes.revoke_private_link(complaint=duplicate, by=manager)
    assert client.get(page(primary.reference)).status_code == 404
    assert client.get(link(duplicate)).status_code == 404


def test_replacing_the_primarys_link_ends_it_too(client, merged, manager):
    duplicate, primary = merged
    client.get(link(duplicate), follow=True)
    record_changes.revoke_private_link(complaint=primary, by=manager)
    assert client.get(page(primary.reference)).status_code == 404


def test_a_grant_of_the_primary_itself_is_kept(client, merged):
    duplicate, primary = merged
    client.get(link(primary))
    client.get(link(duplicate), follow=True)
    session_grants = client.session["tracked_complaints"]
    assert ">" not in session_grants[primary.reference]


def test_a_message_written_on_the_page_before_the_merge_joins_the_primary(client, manager):
    primary = filed_complaint(days_ago=3, email="zoe@example.com")
    duplicate = filed_complaint(email="zoe@example.com")
    client.get(link(duplicate))  # the page was open before staff merged it
    merges.merge_complaints(duplicate=duplicate, primary=primary, by=manager, reason="The same fault.")
    response = client.post(page(duplicate.reference), {"body": "Any news?"})
    assert response.status_code == 302
    assert response["Location"] == page(primary.reference)
    assert primary.timeline.filter(kind=TimelineEntry.Kind.CUSTOMER_MESSAGE, body="Any news?").exists()
