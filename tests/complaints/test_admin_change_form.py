"""The complaint's change form: every change through a service with its timeline entry; a field a role
may not change is read-only for it, and a crafted POST that changes one is refused and writes nothing."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse

from complaints import record_changes
from complaints import services as complaint_services
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from complaints.tracking_links import make_tracking_token
from escalation import services as escalation_services
from escalation.models import Escalation
from escalation.roles import AUDITORS, COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from escalation.working_days import london_date
from notifications.models import OutboundMessage
from tests.escalation.factories import conclusion, filed_complaint, root_cause, staff_member

pytestmark = pytest.mark.django_db


def change_url(complaint):
    return reverse("admin:complaints_complaint_change", args=[complaint.pk])


def form_data(client, complaint) -> dict:
    """What the change form posts when saved as shown: every input it renders, inline forms included."""
    response = client.get(change_url(complaint))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is False or value is None:
            continue  # an unticked box, an empty choice: the browser sends nothing
        data[name] = getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(
            {formset.management_form.add_prefix(k): v for k, v in formset.management_form.initial.items()}
        )
        for inline_form in formset.forms:
            if inline_form.instance.pk:  # the hidden input that says which row the form is
                data[inline_form.add_prefix("id")] = inline_form.instance.pk
            for name in inline_form.fields:
                value = inline_form.initial.get(name)
                if value is not None:
                    data[inline_form.add_prefix(name)] = getattr(value, "pk", value)
    return data


def record_of(complaint) -> tuple:
    """Everything a refused change must leave as it was."""
    complaint.refresh_from_db()
    return (
        complaint.assigned_to_id,
        complaint.legal_hold,
        complaint.legal_hold_reason,
        complaint.category,
        complaint.email,
        complaint.updated_at,
        complaint.timeline.count(),
        OutboundMessage.objects.count(),
    )


@pytest.fixture
def complaint():
    return filed_complaint(days_ago=2)


def test_changing_the_category_recomputes_the_clocks_and_says_so(client, complaint):
    agent = staff_member(SUPPORT_AGENTS)
    client.force_login(agent)
    response = client.post(
        change_url(complaint),
        {**form_data(client, complaint), "category": Complaint.Category.DATA_PROTECTION},
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get(pk=complaint.pk)
    # Data protection: 30 days to acknowledge, the day of receipt the first (DPA 2018 s.164A).
    assert escalation.acknowledgement_due == london_date(complaint.first_received_at) + timedelta(days=29)
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.RECORD_CHANGED)
    assert entry.author == agent
    assert entry.body == "Category: Broadband fault or speed → Data protection or privacy."


def test_a_contact_change_is_recorded_from_what_to_what_and_a_new_e_mail_replaces_the_private_link(
    client, complaint
):
    agent = staff_member(SUPPORT_AGENTS)
    client.force_login(agent)
    old_link = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    response = client.post(
        change_url(complaint),
        {**form_data(client, complaint), "email": "zoe.new@example.com", "postcode": "cb2 1rx"},
    )
    assert response.status_code == 302
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.RECORD_CHANGED)
    assert entry.author == agent
    assert "E-mail address: zoe@example.com → zoe.new@example.com" in entry.body
    assert "Postcode: CB5 8LA → CB2 1RX" in entry.body
    assert entry.kind not in TimelineEntry.CUSTOMER_VISIBLE_KINDS
    # The old private link is revoked; the new one went to the new address.
    client.logout()
    assert client.get(reverse("complaints:tracking_link", args=[old_link])).status_code == 404
    notice = OutboundMessage.objects.get(template_key="private_link_renewed")
    assert notice.recipient_email == "zoe.new@example.com"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("assigned_to", "manager"),
        ("legal_hold", "on"),
        ("status", "closed"),
        ("first_received_at", "2020-01-01 10:00"),
    ],
)
def test_a_support_agent_cannot_change_a_guarded_field_even_by_a_crafted_post(
    client, complaint, field, value
):
    manager = staff_member(COMPLAINTS_MANAGERS)
    agent = staff_member(SUPPORT_AGENTS)
    client.force_login(agent)
    page = client.get(change_url(complaint)).content.decode()
    assert f'name="{field}"' not in page  # shown read-only, not as an input
    before = record_of(complaint)
    data = {
        **form_data(client, complaint),
        "email": "changed@example.com",
        field: manager.pk if value == "manager" else value,
    }
    response = client.post(change_url(complaint), data)
    assert response.status_code == 403
    assert record_of(complaint) == before  # nothing written, not even the allowed e-mail change


def test_a_support_agent_cannot_lift_a_managers_legal_hold(client, complaint):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    held = {
        **form_data(client, complaint),
        "legal_hold": "on",
        "legal_hold_change_reason": "Litigation pending",
    }
    assert client.post(change_url(complaint), held).status_code == 302
    complaint.refresh_from_db()
    assert complaint.legal_hold
    client.force_login(staff_member(SUPPORT_AGENTS))
    before = record_of(complaint)
    data = form_data(client, complaint)
    assert "legal_hold" not in data
    # Unticking the box is the absence of the field: an agent's form has no such field to untick,
    # so the hold survives their save.
    assert client.post(change_url(complaint), data).status_code == 302
    assert record_of(complaint)[:3] == before[:3]


def test_a_manager_assigns_and_sets_and_lifts_a_legal_hold_with_a_reason_each_recorded(client, complaint):
    manager = staff_member(COMPLAINTS_MANAGERS)
    agent = staff_member(SUPPORT_AGENTS, first_name="Amira", last_name="Khan")
    client.force_login(manager)
    no_reason = {**form_data(client, complaint), "legal_hold": "on"}
    response = client.post(change_url(complaint), no_reason)
    assert response.status_code == 200
    assert "Give the reason" in response.content.decode()
    assert not Complaint.objects.get(pk=complaint.pk).legal_hold

    data = {
        **form_data(client, complaint),
        "assigned_to": agent.pk,
        "legal_hold": "on",
        "legal_hold_change_reason": "Ofcom enquiry",
    }
    assert client.post(change_url(complaint), data).status_code == 302
    complaint.refresh_from_db()
    assert (complaint.assigned_to, complaint.legal_hold, complaint.legal_hold_reason) == (
        agent,
        True,
        "Ofcom enquiry",
    )
    lifted = {**form_data(client, complaint), "legal_hold_change_reason": "Enquiry closed"}
    lifted.pop("legal_hold")
    assert client.post(change_url(complaint), lifted).status_code == 302
    bodies = list(complaint.timeline.filter(author=manager).values_list("body", flat=True))
    assert "Assigned to Amira Khan (was nobody)." in bodies
    assert "Legal hold set. Reason: Ofcom enquiry" in bodies
    assert "Legal hold lifted. Reason: Enquiry closed" in bodies


def test_support_needs_change_through_the_service_and_the_timeline_keeps_no_details(client, complaint):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    data = form_data(client, complaint)
    data.update({"support_needs-TOTAL_FORMS": "1", "support_needs-0-details": "Large print, please."})
    refused = client.post(change_url(complaint), data)
    assert refused.status_code == 200
    assert "Give the date the customer agreed" in refused.content.decode()
    assert not SupportNeeds.objects.filter(complaint=complaint).exists()
    data.update({"support_needs-0-needs": ["sight"], "support_needs-0-consent_given_on": "2026-11-02"})
    assert client.post(change_url(complaint), data).status_code == 302
    complaint.refresh_from_db()
    assert complaint.has_support_needs
    record = SupportNeeds.objects.get(complaint=complaint)
    assert (record.details, record.needs) == ("Large print, please.", ["sight"])
    assert record.review_due_on == date(2027, 11, 2)
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.RECORD_CHANGED)
    assert entry.body == "Support needs recorded (consent given 2 Nov 2026); review due 2 Nov 2027."

    # At the review: the customer agrees again, and the review moves 12 months on from that day.
    data = form_data(client, complaint)
    data["support_needs-0-consent_given_on"] = "2026-11-20"
    assert client.post(change_url(complaint), data).status_code == 302
    assert SupportNeeds.objects.get(complaint=complaint).review_due_on == date(2027, 11, 20)
    # The customer asks us to remove it: emptied, it goes, and the flag with it.
    data = form_data(client, complaint)
    data.pop("support_needs-0-needs", None)
    data["support_needs-0-details"] = ""
    assert client.post(change_url(complaint), data).status_code == 302
    complaint.refresh_from_db()
    assert not complaint.has_support_needs
    assert not SupportNeeds.objects.filter(complaint=complaint).exists()
    assert complaint.timeline.filter(body="Support needs removed.").exists()


def test_the_auditor_can_post_nothing(client, complaint):
    client.force_login(staff_member(AUDITORS))
    before = record_of(complaint)
    response = client.post(
        change_url(complaint), {"category": Complaint.Category.OTHER, "email": "x@example.com"}
    )
    assert response.status_code == 403
    assert record_of(complaint) == before


def test_closing_unresolved_complaints_asks_for_our_final_position_and_deadlocks_them(client):
    unresolved = filed_complaint(days_ago=3)
    changelist = reverse("admin:complaints_complaint_changelist")
    chosen = {"action": "close", "_selected_action": [unresolved.pk]}
    # A support agent may not give our final position: nothing closes, nothing is deadlocked.
    client.force_login(staff_member(SUPPORT_AGENTS))
    before = record_of(unresolved)
    client.post(changelist, {**chosen, "final_position": "We have done all we can."})
    assert record_of(unresolved) == before
    assert Escalation.objects.get(pk=unresolved.pk).deadlocked_at is None

    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    page = client.post(changelist, chosen)
    assert page.status_code == 200
    assert "is our final position" in page.content.decode()
    refused = client.post(changelist, {**chosen, "final_position": ""})
    assert "This field is required" in refused.content.decode()
    assert Complaint.objects.get(pk=unresolved.pk).status != Complaint.Status.CLOSED

    ending = {"root_cause": root_cause().pk, "outcome": "not_upheld"}
    refused = client.post(changelist, {**chosen, "final_position": "We have done all we can."})
    assert "Choose the root cause" in refused.content.decode()
    assert Complaint.objects.get(pk=unresolved.pk).status != Complaint.Status.CLOSED
    client.post(changelist, {**chosen, "final_position": "We have done all we can.", **ending})
    assert Complaint.objects.get(pk=unresolved.pk).status == Complaint.Status.CLOSED
    escalation = Escalation.objects.get(pk=unresolved.pk)
    assert escalation.deadlocked_at is not None
    assert escalation.final_position == "We have done all we can."
    assert escalation.next_deadline_kind == "adr_letter"


def test_a_resolved_complaint_is_closed_by_anyone_who_works_complaints_without_a_deadlock(client):
    resolved = filed_complaint(days_ago=3)
    manager = staff_member(COMPLAINTS_MANAGERS)
    escalation_services.propose_resolution(complaint=resolved, by=manager, resolution="A refund.")
    escalation_services.record_customer_acceptance(complaint=resolved, by=manager, **conclusion())
    client.force_login(staff_member(SUPPORT_AGENTS))
    client.post(
        reverse("admin:complaints_complaint_changelist"),
        {"action": "close", "_selected_action": [resolved.pk]},
    )
    assert Complaint.objects.get(pk=resolved.pk).status == Complaint.Status.CLOSED
    escalation = Escalation.objects.get(pk=resolved.pk)
    assert escalation.deadlocked_at is None
    assert escalation.next_deadline is None


def test_an_anonymised_complaint_cannot_be_given_personal_data_again(client, complaint):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    data = form_data(client, complaint)
    complaint_services.anonymise_complaint(complaint=complaint, reason="retention policy (test).")
    before = record_of(complaint)
    assert client.post(change_url(complaint), {**data, "email": "back@example.com"}).status_code == 403
    assert record_of(complaint) == before


def test_clearing_the_e_mail_address_also_replaces_the_private_link_and_posts_the_new_one(client, complaint):
    client.force_login(staff_member(SUPPORT_AGENTS))
    key = complaint.tracking_key
    data = {**form_data(client, complaint), "email": "", "reply_preference": "letter"}
    assert client.post(change_url(complaint), data).status_code == 302
    complaint.refresh_from_db()
    assert complaint.tracking_key != key
    notice = OutboundMessage.objects.get(template_key="private_link_renewed")
    assert notice.channel == OutboundMessage.Channel.LETTER


def test_staff_record_what_helps_the_customer_and_it_is_on_the_record(client, complaint):
    agent = staff_member(SUPPORT_AGENTS)
    client.force_login(agent)
    response = client.post(
        change_url(complaint),
        {**form_data(client, complaint), "adjustments": ["large_print", "no_phone_calls"]},
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.adjustments == ["large_print", "no_phone_calls"]
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.RECORD_CHANGED)
    assert "What helps: (none) → Letters in large print, No phone calls" in entry.body


def test_the_list_shows_what_helps_each_customer(client, complaint):
    Complaint.objects.filter(pk=complaint.pk).update(adjustments=["large_print"])
    client.force_login(staff_member(SUPPORT_AGENTS))
    page = client.get(reverse("admin:complaints_complaint_changelist")).content.decode()
    assert "Letters in large print" in page


def test_the_needs_dates_are_shown_as_a_date_input_reads_them_and_a_refused_save_shows_its_error(
    client, complaint
):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    record_changes.update_support_needs(
        complaint=complaint, by=manager, needs=["sight"], details="", consent_given_on=date(2026, 11, 2)
    )
    page = client.get(change_url(complaint)).content.decode()
    assert 'name="support_needs-0-consent_given_on" value="2026-11-02"' in page
    assert 'name="support_needs-0-review_due_on" value="2027-11-02"' in page
    data = form_data(client, complaint)
    data["support_needs-0-consent_given_on"] = ""  # what a browser sends when it cannot read the date
    response = client.post(change_url(complaint), data)
    assert response.status_code == 200
    assert "Give the date the customer agreed" in response.content.decode()


def test_a_record_kept_from_before_consent_was_asked_does_not_stop_other_changes(client, complaint):
    SupportNeeds.objects.create(
        complaint=complaint, details="Hard of hearing.", review_due_on=date(2026, 12, 6)
    )
    Complaint.objects.filter(pk=complaint.pk).update(has_support_needs=True)
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    data = form_data(client, complaint)
    data["phone"] = "07700 900999"
    assert client.post(change_url(complaint), data).status_code == 302
    complaint.refresh_from_db()
    assert complaint.phone == "07700 900999"
    assert SupportNeeds.objects.get(complaint=complaint).details == "Hard of hearing."


def test_the_complaint_page_reads_the_complaint_once(client):
    """The admin asks for the object three times while showing its page (the stage panel, the
    timeline, the form); for a GET it is read once."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    complaint = filed_complaint()
    client.force_login(staff_member(SUPPORT_AGENTS))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk]))
    assert response.status_code == 200
    reads = [
        query["sql"]
        for query in queries.captured_queries
        if query["sql"].startswith('SELECT "complaints_complaint"."id"')
        and re.search(rf'"complaints_complaint"\."id" = {complaint.pk}\) LIMIT 21$', query["sql"])
    ]
    assert len(reads) == 1, reads


def test_an_account_number_from_before_the_check_does_not_block_other_changes(client):
    complaint = filed_complaint(account_number="ÄC-1")  # written before the forms checked it
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    data = form_data(client, complaint)
    response = client.post(change_url(complaint), {**data, "customer_name": "Zoë Changed"})
    assert response.status_code == 302
    assert Complaint.objects.get(pk=complaint.pk).customer_name == "Zoë Changed"
    refused = client.post(change_url(complaint), {**data, "account_number": "ÄC-2"})
    assert refused.status_code == 200
    assert "Enter the account number as it is on the bill" in refused.content.decode()
    assert Complaint.objects.get(pk=complaint.pk).account_number == "ÄC-1"
