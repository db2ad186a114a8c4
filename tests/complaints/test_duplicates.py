"""Likely duplicates (issue 14, part 3): another open complaint within 90 days with the same e-mail
address, the same account number, or the same postcode and a similar name, shown to staff."""

from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from complaints import duplicates, services
from complaints.account_numbers import account_key_expression
from complaints.models import Complaint
from escalation.roles import SUPPORT_AGENTS
from tests.complaints.factories import complaint_form_data
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db


def filed(**overrides) -> Complaint:
    return services.file_complaint(**{**complaint_form_data(postcode="CB5 8LA"), **overrides})


def found(complaint) -> dict[str, str]:
    return {other.reference: reason for other, reason in duplicates.likely_duplicates(complaint)}


def test_the_same_email_account_or_postcode_and_name_within_ninety_days_while_open():
    complaint = filed(customer_name="Zoë O'Brien", email="zoe@example.com", account_number="AC-1")
    by_email = filed(customer_name="Z Obrien", email="ZOE@example.com", postcode="SW1A 1AA")
    by_account = filed(customer_name="Someone", email="", account_number="AC-1", postcode="SW1A 1AA")
    by_name = filed(customer_name="Zoe O’Brien", email="other@example.com", postcode="CB5 8LA")
    stranger = filed(customer_name="Sam Patel", email="sam@example.com", postcode="CB5 8LA")
    assert found(complaint) == {
        by_email.reference: "the same e-mail address",
        by_account.reference: "the same account number",
        by_name.reference: "the same postcode and a similar name",
    }
    assert stranger.reference not in found(complaint)


@pytest.mark.parametrize("typed", ["ac 100 200", "AC-100-200", "ac.100/200", " AC100200 "])
def test_an_account_number_matches_however_it_was_typed(typed):
    """Customers copy it from a bill with its spaces, agents type it from a call without them."""
    complaint = filed(customer_name="Zoë O'Brien", email="", account_number="AC100200")
    same = filed(customer_name="Someone", email="", account_number=typed, postcode="SW1A 1AA")
    other = filed(customer_name="Sam Patel", email="", account_number="AC100201", postcode="EH1 1YZ")
    assert found(complaint) == {same.reference: "the same account number"}
    assert found(same) == {complaint.reference: "the same account number"}
    assert other.reference not in found(complaint)


def test_an_account_key_is_looked_up_through_its_index():
    """On PostgreSQL the key's SQL is the index's expression, so a lookup by key reads the index (the
    whole candidates query may prefer another index on a test's few rows). SQLite, the embedded
    default, matches an expression index only to literal SQL, and Django sends parameters."""
    filed(email="", account_number="AC-100-200")
    lookup = (
        Complaint.objects.alias(account_key=account_key_expression())
        .filter(account_key="AC100200")
        .order_by()
    )
    assert list(lookup.values_list("account_number", flat=True)) == ["AC-100-200"]
    if connection.vendor != "postgresql":
        return
    sql, params = lookup.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_account_key" in plan


def test_closed_old_or_anonymised_complaints_are_not_duplicates():
    complaint = filed_complaint(email="zoe@example.com")
    closed = filed_complaint(email="zoe@example.com")
    Complaint.objects.filter(pk=closed.pk).update(status=Complaint.Status.CLOSED)
    old = filed_complaint(email="zoe@example.com")
    Complaint.objects.filter(pk=old.pk).update(first_received_at=timezone.now() - timedelta(days=91))
    anonymised = filed_complaint(email="zoe@example.com")
    Complaint.objects.filter(pk=anonymised.pk).update(anonymised_at=timezone.now())
    assert found(complaint) == {}


def test_staff_see_them_on_the_complaint_page_in_a_fixed_number_of_queries(
    client, django_assert_max_num_queries
):
    complaint = filed_complaint(email="zoe@example.com")
    twin = filed_complaint(email="zoe@example.com")
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert "Possible duplicates" in page
    assert "within 90 days of this one" in page
    assert reverse("admin:complaints_complaint_change", args=[twin.pk]) in page
    assert "the same e-mail address" in page
    for _ in range(3):
        filed_complaint(email="zoe@example.com")
    with django_assert_max_num_queries(1):
        assert len(duplicates.likely_duplicates(complaint)) == 4


def test_only_the_newest_candidates_are_compared(monkeypatch):
    """A postcode shared by thousands (a block of flats) costs the page a bounded number of rows."""
    monkeypatch.setattr(duplicates, "CANDIDATES_AT_MOST", 2)
    complaint = filed_complaint(email="zoe@example.com")
    twins = [filed_complaint(email="zoe@example.com") for _ in range(3)]
    Complaint.objects.filter(pk=twins[0].pk).update(first_received_at=timezone.now() - timedelta(days=5))
    assert set(found(complaint)) == {twins[1].reference, twins[2].reference}


@pytest.mark.parametrize("typed", ["straße-1", "é-100", "AC_100", "AC#100"])
def test_an_account_number_beyond_letters_digits_and_separators_is_refused(client, typed):
    """Upper case beyond ASCII differs between Python and each database ("ß", "é"): such a number could
    never be compared safely, and no bill prints one."""
    response = client.post(reverse("complaints:new"), complaint_form_data(account_number=typed))
    assert response.status_code == 400  # the form again, with its errors
    assert "Enter the account number as it is on the bill" in response.content.decode()
    assert not Complaint.objects.exists()


@pytest.mark.parametrize("pasted", ["AC\u00a0100-200", "AC 100\u2013200", "AC\u202f100\u2212200"])
def test_an_account_number_pasted_from_a_pdf_bill_is_taken_as_it_looks(client, pasted):
    """A bill's non-breaking spaces and dashes are the space and hyphen the customer sees."""
    response = client.post(reverse("complaints:new"), complaint_form_data(account_number=pasted))
    assert response.status_code == 302
    assert Complaint.objects.get().account_number == "AC 100-200"
