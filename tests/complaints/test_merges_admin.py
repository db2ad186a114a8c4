"""Merging and linking from the complaint page (issue 14, part 3): a page that says what will happen,
then the service; managers merge, anyone who may change complaints links; errors never 500."""

import pytest
from django.urls import reverse

from complaints import merges
from complaints.models import Complaint, TimelineEntry
from escalation.roles import AUDITORS, COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db


def change_page(complaint):
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def merge_page(complaint):
    return reverse("admin:complaints_complaint_merge", args=[complaint.pk])


def link_page(complaint):
    return reverse("admin:complaints_complaint_link", args=[complaint.pk])


@pytest.fixture
def twins():
    older = filed_complaint(days_ago=4, email="zoe@example.com")
    newer = filed_complaint(email="zoe@example.com")
    return older, newer


def test_a_manager_merges_from_the_possible_duplicates_after_seeing_what_will_happen(client, twins):
    older, newer = twins
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    page = client.get(change_page(newer)).content.decode()
    offered = f"{merge_page(newer)}?with={older.reference}"
    assert offered in page
    assert f"{link_page(newer)}?with={older.reference}" in page

    confirm = client.get(offered)
    assert confirm.status_code == 200
    html = confirm.content.decode()
    assert "What merging will do" in html
    entries = TimelineEntry.objects.filter(complaint=newer).count()
    assert f"<td>{entries}</td>" in html
    assert "They look like the same customer's: the same e-mail address." in html
    assert not Complaint.objects.filter(status=Complaint.Status.MERGED).exists()  # nothing done yet

    done = client.post(
        offered, {"other": older.reference, "keep": str(older.pk), "reason": "Phoned, then wrote."}
    )
    assert done.status_code == 302
    assert done["Location"] == change_page(older)
    newer.refresh_from_db()
    assert (newer.status, newer.merged_into_id) == (Complaint.Status.MERGED, older.pk)

    primary_page = client.get(change_page(older)).content.decode()
    assert f"{newer.reference} merged into {older.reference}" in primary_page
    assert f"From {newer.reference}:" in primary_page
    merged_page = client.get(change_page(newer)).content.decode()
    assert "This complaint was merged into" in merged_page
    assert 'id="complaint-entry"' not in merged_page
    assert (
        client.get(reverse("admin:complaints_complaint_changelist") + "?status=merged")
        .content.decode()
        .count(newer.reference)
    )


def test_a_reference_typed_in_merges_the_other_way_and_refusals_are_shown(client, twins):
    older, newer = twins
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    assert client.get(merge_page(older), {"with": "nsxx"}).status_code == 400
    unknown = client.get(merge_page(older), {"with": "NS-AAAA-AAAA"})
    assert unknown.status_code == 400
    assert "No complaint has this reference." in unknown.content.decode()
    itself = client.post(merge_page(older), {"other": older.reference, "keep": str(older.pk), "reason": "x"})
    assert itself.status_code == 400
    assert "cannot be merged into itself" in itself.content.decode()
    no_reason = client.post(
        merge_page(older), {"other": newer.reference, "keep": str(older.pk), "reason": ""}
    )
    assert no_reason.status_code == 400
    assert "This field is required." in no_reason.content.decode()
    forged = client.post(merge_page(older), {"other": "not a reference", "keep": "1", "reason": "x"})
    assert forged.status_code == 400

    typed = newer.reference.lower().replace("-", " ")
    assert client.get(merge_page(older), {"with": typed}).status_code == 200
    done = client.post(merge_page(older), {"other": typed, "keep": str(newer.pk), "reason": "Same fault."})
    assert done.status_code == 302
    older.refresh_from_db()
    assert older.merged_into_id == newer.pk
    newer.refresh_from_db()
    assert newer.first_received_at == older.first_received_at  # the earlier time stands


def test_different_customers_need_the_box_ticked(client):
    primary = filed_complaint(email="zoe@example.com")
    stranger = filed_complaint(email="sam@example.com", customer_name="Sam Patel")
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    html = client.get(merge_page(stranger), {"with": primary.reference}).content.decode()
    assert "They share no e-mail address" in html
    data = {"other": primary.reference, "keep": str(primary.pk), "reason": "Her husband's complaint."}
    refused = client.post(merge_page(stranger), data)
    assert refused.status_code == 400
    assert "confirm they are the same customer" in refused.content.decode()
    assert client.post(merge_page(stranger), {**data, "same_customer_confirmed": "on"}).status_code == 302


def test_agents_link_but_do_not_merge_and_auditors_do_neither(client, twins):
    older, newer = twins
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(change_page(newer)).content.decode()
    assert "Merge…" not in page
    assert client.get(merge_page(newer), {"with": older.reference}).status_code == 403
    assert (
        client.post(
            merge_page(newer), {"other": older.reference, "keep": str(older.pk), "reason": "x"}
        ).status_code
        == 403
    )

    assert "Link" in client.get(link_page(newer), {"with": older.reference}).content.decode()
    assert (
        client.post(link_page(newer), {"other": older.reference, "reason": "Same outage."}).status_code == 302
    )
    assert list(older.related_complaints.all()) == [newer]
    both = [client.get(change_page(each)).content.decode() for each in (older, newer)]
    assert newer.reference in both[0]
    assert older.reference in both[1]
    again = client.post(link_page(newer), {"other": older.reference})
    assert again.status_code == 400
    assert "already linked" in again.content.decode()

    client.force_login(staff_member(AUDITORS))
    assert client.get(link_page(newer), {"with": older.reference}).status_code == 403
    unlink = reverse("admin:complaints_complaint_unlink", args=[newer.pk, older.pk])
    assert client.post(unlink).status_code == 403

    client.force_login(staff_member(SUPPORT_AGENTS))
    assert client.get(unlink).status_code == 405
    assert client.post(unlink).status_code == 302
    assert not newer.related_complaints.exists()
    assert client.post(unlink).status_code == 302  # not linked: told, not a 500


def test_the_change_page_costs_the_same_with_merged_and_related_complaints(
    client, django_assert_max_num_queries
):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    primary = filed_complaint(days_ago=5, email="zoe@example.com")
    merges.merge_complaints(
        duplicate=filed_complaint(email="zoe@example.com"), primary=primary, by=manager, reason="x"
    )
    other = filed_complaint(email="sam@example.com", customer_name="Sam Patel")
    merges.link_complaints(complaint=primary, other=other, by=manager)
    client.get(change_page(primary))
    with django_assert_max_num_queries(60) as one_each:
        client.get(change_page(primary))
    for _ in range(3):
        merges.merge_complaints(
            duplicate=filed_complaint(email="zoe@example.com"), primary=primary, by=manager, reason="x"
        )
        merges.link_complaints(
            complaint=primary,
            other=filed_complaint(email="sam@example.com", customer_name="Sam Patel"),
            by=manager,
        )
    with django_assert_max_num_queries(len(one_each.captured_queries)):
        response = client.get(change_page(primary))
    assert response.content.decode().count("Unlink") >= 4


def test_the_merge_page_says_at_once_that_a_complaint_cannot_be_merged_with_itself(client, twins):
    older, _ = twins
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    response = client.get(merge_page(older), {"with": older.reference})
    assert response.status_code == 400
    assert "That is this complaint" in response.content.decode()
    assert "What merging will do" not in response.content.decode()
