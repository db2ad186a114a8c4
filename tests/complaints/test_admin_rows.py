"""The complaint list's rows (complaints/admin_rows.py) are Django's admin rows, cell for cell: the
same HTML as `items_for_result` for every kind of column, escaping and link, whoever is looking."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags.admin_list import results
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from complaints.admin_rows import result_rows
from complaints.models import Complaint, SupportNeeds
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def varied_complaints():
    agent = staff_member(SUPPORT_AGENTS, username="amira", first_name="Amira", last_name="Khan")
    plain = filed_complaint(customer_name='Zoë <b>O\'Brien</b> & "Co"', email="zoe@example.com")
    assigned = filed_complaint(days_ago=12, customer_name="Rhys Davies", category=Complaint.Category.BILLING)
    Complaint.objects.filter(pk=assigned.pk).update(
        assigned_to=agent,
        customer_replied_at=timezone.now(),
        postal_address="",
        adjustments=["large_print", "call_times"],
        call_times="After 2pm",
    )
    with_needs = filed_complaint(customer_name="Isla Brown")
    Complaint.objects.filter(pk=with_needs.pk).update(has_support_needs=True)
    SupportNeeds.objects.create(
        complaint=with_needs,
        needs=["telecare", "hearing"],
        consent_given_on=timezone.localdate(),
        review_due_on=timezone.localdate() + timedelta(days=365),
    )
    closed = filed_complaint(customer_name="  ")
    Complaint.objects.filter(pk=closed.pk).update(status=Complaint.Status.CLOSED)
    return [plain, assigned, with_needs, closed]


@pytest.mark.parametrize("role", [SUPPORT_AGENTS, COMPLAINTS_MANAGERS])
@pytest.mark.parametrize("query", [{}, {"status__exact": "received", "o": "2"}, {"q": "Brown"}])
def test_the_rows_are_the_html_django_renders(varied_complaints, role, query):
    request = RequestFactory().get(reverse("admin:complaints_complaint_changelist"), query)
    request.user = staff_member(role)
    model_admin = admin.site._registry[Complaint]
    changelist = model_admin.get_changelist_instance(request)
    changelist.formset = None  # as changelist_view sets it for a list not editable in place
    assert changelist.result_list, "the list shows complaints"

    ours = [list(row) for row in result_rows(changelist)]
    djangos = [list(row) for row in results(changelist)]

    assert ours == djangos
    assert len(ours[0]) == len(changelist.list_display)


def test_the_list_page_shows_those_rows(client, varied_complaints):
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(reverse("admin:complaints_complaint_changelist")).content.decode()
    assert "Zoë &lt;b&gt;O&#x27;Brien&lt;/b&gt; &amp; &quot;Co&quot;" in page
    plain = varied_complaints[0]
    assert f'<th class="field-reference"><a href="/admin/complaints/complaint/{plain.pk}/change/' in page


class OtherColumnsAdmin(admin.ModelAdmin):
    """Kinds of column the complaint list does not use today, each rendered as Django would."""

    @admin.display(description="support needs record")
    def needs_record(self, complaint):
        return complaint.support_needs.needs  # none on record: Django shows the empty value

    @admin.display(description="is open", boolean=True)
    def is_open(self, complaint):
        return complaint.status == Complaint.Status.RECEIVED


@pytest.mark.parametrize(
    "columns",
    [
        ("reference", "id", "needs_record", "is_open", "first_received_at"),
        ("__str__", "reference"),  # Django's own rows, as this module does not render __str__
        ("reference", "get_status_display"),  # a model method: Django's own rows too
        (lambda complaint: complaint.reference.lower(), "reference"),
    ],
)
def test_other_kinds_of_column_are_rendered_as_django_does(varied_complaints, columns):
    model_admin = OtherColumnsAdmin(Complaint, admin.site)
    model_admin.list_display = columns
    request = RequestFactory().get(reverse("admin:complaints_complaint_changelist"), {"q": "7319046825rowpk"})
    request.user = staff_member(COMPLAINTS_MANAGERS)
    model_admin.search_fields = ()
    changelist = model_admin.get_changelist_instance(request)
    changelist.formset = None
    assert changelist.result_list

    assert [list(row) for row in result_rows(changelist)] == [list(row) for row in results(changelist)]
