"""Stage actions and clocks in the admin: each action calls its service; refusals show and write nothing."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from escalation import ombudsman, services
from escalation.models import CalendarAdjustment, Escalation, OmbudsmanCase
from escalation.roles import COMPLAINTS_MANAGERS
from escalation.stages import Stage
from escalation.working_days import add_working_days
from tests.complaints.factories import StaffUserFactory, pdf_upload
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:complaints_complaint_changelist")


@pytest.fixture
def agent(client):
    """A Complaints manager (every stage action but the MD's), logged in."""
    user = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(user)
    return user


def action_url(complaint, action):
    return reverse("admin:escalation_stage_action", args=[complaint.pk, action])


def test_the_list_shows_stage_and_deadline_and_filters_the_overdue(client, agent):
    overdue = filed_complaint(days_ago=10)
    fresh = filed_complaint()
    page = client.get(CHANGELIST, {"deadline": "overdue"}).content.decode()
    assert overdue.reference in page
    assert fresh.reference not in page
    assert "overdue" in page
    assert "Stage 1" in page
    staged = client.get(CHANGELIST, {"stage": Stage.COMPLAINTS_MANAGER}).content.decode()
    assert overdue.reference not in staged


def test_the_list_costs_the_same_queries_for_more_rows(client, agent, django_assert_max_num_queries):
    filed_complaint()
    client.get(CHANGELIST)  # warm the calendar and the session
    with django_assert_max_num_queries(9) as few:
        client.get(CHANGELIST)
    for _ in range(10):
        filed_complaint(days_ago=5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(CHANGELIST)


def test_the_complaint_page_shows_every_clock_and_the_actions_on_offer(client, agent):
    complaint = filed_complaint(days_ago=1)
    escalation = Escalation.objects.get(pk=complaint.pk)
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert "Stage and clocks: Stage 1: Direct contact" in page
    assert f"{escalation.stage_one_due:%a %-d %b %Y}" in page
    assert f"{escalation.adr_eligible_on:%a %-d %b %Y}" in page
    assert "Propose a resolution" in page
    assert "Record the written response sent" not in page  # not at stage 2
    assert "Record an ombudsman case" not in page  # not eligible yet


def test_a_clock_answered_after_its_date_is_marked_late(client, agent):
    complaint = filed_complaint(days_ago=10)  # logged ten days after it first reached us
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert "(late)" in page


def test_a_stage_two_letter_is_recorded_with_its_date_and_a_future_date_is_refused(client, agent):
    complaint = filed_complaint(days_ago=8)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = client.post(
        action_url(complaint, "stage-two-letter"),
        {"received_on": tomorrow.isoformat(), "reply_preference": "letter"},
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()
    assert Escalation.objects.get(pk=complaint.pk).stage == Stage.DIRECT_CONTACT

    arrived = timezone.localdate() - timedelta(days=3)
    response = client.post(
        action_url(complaint, "stage-two-letter"),
        {"received_on": arrived.isoformat(), "reply_preference": "letter"},
    )
    assert response.status_code == 302
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert escalation.stage == Stage.COMPLAINTS_MANAGER
    assert escalation.stage_two_response_due == add_working_days(arrived, 10)


def test_the_written_response_cannot_be_recorded_without_its_document(client, agent):
    complaint = filed_complaint(days_ago=8)
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.EMAIL,
    )
    response = client.post(action_url(complaint, "stage-two-response"), {"response": "Our answer"})
    assert response.status_code == 400
    assert Escalation.objects.get(pk=complaint.pk).stage_two_response_sent_at is None

    response = client.post(
        action_url(complaint, "stage-two-response"), {"response": "Our answer", "document": pdf_upload()}
    )
    assert response.status_code == 302
    assert Escalation.objects.get(pk=complaint.pk).stage_two_response_document is not None


def test_a_forbidden_transition_shows_the_reason(client, agent):
    complaint = filed_complaint(days_ago=5)
    response = client.post(
        action_url(complaint, "ombudsman"),
        {"scheme_reference": "CO-9", "referred_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 409
    assert "ADR period" in response.content.decode()
    assert not OmbudsmanCase.objects.filter(pk=complaint.pk).exists()


def test_an_award_above_the_limit_is_recorded_with_a_warning(client, agent):
    complaint = filed_complaint(days_ago=50)
    ombudsman.record_ombudsman_referral(
        complaint=complaint, scheme_reference="CO-7", referred_on=timezone.localdate(), by=agent
    )
    response = client.post(
        action_url(complaint, "ombudsman-decision"),
        {
            "decision_on": timezone.localdate().isoformat(),
            "customer_response": "accepted",
            "customer_responded_on": timezone.localdate().isoformat(),
            "award_amount": "12500.00",
        },
        follow=True,
    )
    assert "above the ombudsman" in response.content.decode()
    case = OmbudsmanCase.objects.get(pk=complaint.pk)
    assert case.remedy_due == timezone.localdate() + timedelta(days=28)


def test_staff_without_change_permission_cannot_act(client):
    viewer = StaffUserFactory()
    viewer.user_permissions.set(Permission.objects.filter(codename="view_complaint"))
    client.force_login(viewer)
    complaint = filed_complaint()
    response = client.post(action_url(complaint, "deadlock"), {"final_position": "No."})
    assert response.status_code == 403
    assert Escalation.objects.get(pk=complaint.pk).deadlocked_at is None


def test_a_closure_saved_in_the_admin_moves_new_due_dates(client, agent):
    monday = timezone.localdate() + timedelta(days=7 - timezone.localdate().weekday())
    before = add_working_days(monday, 3)
    response = client.post(
        reverse("admin:escalation_calendaradjustment_add"),
        {
            "day": (monday + timedelta(days=1)).isoformat(),
            "region": "",
            "kind": "closed",
            "reason": "Office move",
        },
    )
    assert response.status_code == 302
    assert CalendarAdjustment.objects.get().created_by == agent
    assert add_working_days(monday, 3) > before


def test_a_closure_moves_the_stored_due_dates_of_open_complaints(
    client, agent, django_capture_on_commit_callbacks
):
    complaint = filed_complaint(days_ago=1)
    services.propose_resolution(complaint=complaint, by=agent, resolution="A credit.")
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.EMAIL,
    )
    due_before = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    closed_day = add_working_days(timezone.localdate(), 2)
    with django_capture_on_commit_callbacks(execute=True):  # the task runs inline (eager) after commit
        client.post(
            reverse("admin:escalation_calendaradjustment_add"),
            {"day": closed_day.isoformat(), "region": "", "kind": "closed", "reason": "Proclaimed holiday"},
        )
    due_after = Escalation.objects.get(pk=complaint.pk).stage_two_response_due
    assert due_after == add_working_days(due_before, 1)


def test_due_within_working_days_and_the_messages_sent_are_on_the_pages(client, agent):
    soon = filed_complaint()  # stage 1 due in 3 working days
    page = client.get(CHANGELIST, {"deadline": "within-2"}).content.decode()
    assert soon.reference not in page
    page = client.get(CHANGELIST, {"deadline": "within-5"}).content.decode()
    assert soon.reference in page
    change = client.get(reverse("admin:complaints_complaint_change", args=[soon.pk])).content.decode()
    assert "Messages sent about this complaint" in change
    assert "received your complaint" in change  # the acknowledgement


def test_the_unfiltered_list_counts_every_complaint_and_a_filtered_one_what_matches(client, agent):
    for days in (0, 9, 12):
        filed_complaint(days_ago=days)
    assert client.get(CHANGELIST).context["cl"].result_count == 3
    assert client.get(CHANGELIST, {"deadline": "overdue"}).context["cl"].result_count == 2


def test_a_complex_case_target_is_bounded_and_a_far_date_already_stored_never_breaks_a_page(client, agent):
    complaint = filed_complaint(days_ago=1)
    response = client.post(
        action_url(complaint, "complex"),
        {
            "told_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "told_via": "phone",
            "new_target": "9999-12-31",
        },
    )
    assert response.status_code == 400
    assert "Aim within 6 months" in response.content.decode()
    assert Escalation.objects.get(pk=complaint.pk).complex_case_told_at is None
    # A row written before the bound (or by hand) keeps its far date: the pages still work.
    Escalation.objects.filter(pk=complaint.pk).update(stage_one_due="9999-12-31", next_deadline="9999-12-31")
    assert client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).status_code == 200
    page = client.get(CHANGELIST).content.decode()
    assert "over a year away" in page


def test_a_hidden_ispa_action_posted_by_hand_is_refused_and_writes_nothing(client, agent, settings):
    settings.ISPA_MEMBER = False
    complaint = filed_complaint(days_ago=5)
    services.propose_resolution(complaint=complaint, by=agent, resolution="A credit.")
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.EMAIL,
    )
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert "Record an ISPA referral" not in page
    entries = complaint.timeline.count()
    for _ in range(2):
        response = client.post(
            action_url(complaint, "ispa"), {"referred_on": timezone.localdate().isoformat()}
        )
        assert response.status_code == 409
        assert "not an ISPA member" in response.content.decode()
    assert complaint.timeline.count() == entries
    assert Escalation.objects.get(pk=complaint.pk).ispa_referred_on is None
