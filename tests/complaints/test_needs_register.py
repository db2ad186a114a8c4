"""The needs register (Ofcom GC C5): needs from a fixed list, recorded with the customer's consent,
reviewed after 12 months, shown to staff by permission, and a telecare dependency put first."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import needs_register, record_changes, services
from complaints.forms import ComplaintForm
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from notifications.models import OutboundMessage
from tests.complaints.factories import complaint_form_data
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

FILE_URL = reverse("complaints:new")
CHANGELIST = reverse("admin:complaints_complaint_changelist")
Need = SupportNeeds.Need


def form_post(**overrides):
    data = complaint_form_data(**overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_needs_without_consent_are_refused_with_a_clear_error_and_nothing_is_filed(client):
    response = client.post(FILE_URL, form_post(needs=[Need.HEARING], support_needs="I lip-read."))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tick the box to let us record your needs" in page
    assert "I lip-read." in page  # what they typed is still there
    assert not Complaint.objects.exists()


def test_the_form_explains_why_we_ask_and_who_sees_it(client):
    page = client.get(FILE_URL).content.decode()
    assert "Only staff who need to know" in page
    assert "every 12 months" in page
    for need in Need:
        assert str(need.label) in page
    assert "telecare" in page.lower()


def test_needs_given_with_consent_are_recorded_with_the_date_and_a_review_in_12_months(client):
    response = client.post(
        FILE_URL,
        form_post(
            needs=[Need.HEARING, Need.TELECARE],
            support_needs="My mother's pendant alarm uses the landline.",
            needs_consent="on",
            adjustments=[Complaint.Adjustment.TEXT_RELAY, Complaint.Adjustment.CALL_TIMES],
            call_times="Weekdays after 2pm",
        ),
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    needs = complaint.support_needs
    today = timezone.localdate()
    assert needs.needs == [Need.HEARING, Need.TELECARE]
    assert needs.details == "My mother's pendant alarm uses the landline."
    assert needs.consent_given_on == today
    assert needs.review_due_on == needs_register.review_date_after(today)
    assert complaint.has_support_needs
    assert complaint.relies_on_landline_for_safety
    assert complaint.call_times == "Weekdays after 2pm"


def test_calls_only_at_certain_times_asks_when():
    form = ComplaintForm(form_post(adjustments=[Complaint.Adjustment.CALL_TIMES]))
    assert not form.is_valid()
    assert form.errors["call_times"] == ["Tell us when we may call you."]


@pytest.mark.parametrize(
    ("given", "review"),
    [
        (date(2026, 3, 14), date(2027, 3, 14)),
        (date(2028, 2, 29), date(2029, 2, 28)),  # no 29 February next year: the day before
    ],
)
def test_the_review_date_is_twelve_months_on(given, review):
    assert needs_register.review_date_after(given) == review


def test_the_service_refuses_needs_without_consent_and_records_nothing():
    with pytest.raises(ValidationError, match="agreement"):
        services.file_complaint(**complaint_form_data(postcode="CB5 8LA", needs=[Need.SIGHT]))
    assert not Complaint.objects.exists()


def test_adjustments_alone_need_no_consent_and_make_no_needs_record():
    complaint = filed_complaint(adjustments=[Complaint.Adjustment.LARGE_PRINT])
    assert not complaint.has_support_needs
    assert not SupportNeeds.objects.exists()


def needy_complaint(**overrides):
    return filed_complaint(
        needs=[Need.MENTAL_HEALTH, Need.TELECARE],
        support_needs="Anxiety after a bereavement.",
        needs_consent=True,
        adjustments=[Complaint.Adjustment.NAMED_CONTACT],
        **overrides,
    )


def test_agents_see_needs_see_record_and_what_helps_never_the_needs(client):
    complaint = needy_complaint()
    client.force_login(staff_member(SUPPORT_AGENTS))
    for url in (CHANGELIST, reverse("admin:complaints_complaint_change", args=[complaint.pk])):
        page = client.get(url).content.decode()
        assert "Needs: see record" in page
        assert "Relies on a landline for safety" in page  # the priority, which every agent must act on
        assert str(Complaint.Adjustment.NAMED_CONTACT.label) in page
        assert str(Need.MENTAL_HEALTH.label) not in page
        assert "Anxiety" not in page


def test_staff_with_the_permission_see_the_needs_as_badges(client):
    complaint = needy_complaint()
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    listed = client.get(CHANGELIST).content.decode()
    assert str(Need.MENTAL_HEALTH.label) in listed
    assert "Anxiety" not in listed  # the free text only on the complaint's own page
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert f'<span class="badge badge-need">{Need.MENTAL_HEALTH.label}</span>' in page
    assert "Anxiety after a bereavement." in page
    assert f"Review due {needs_register.review_date_after(timezone.localdate()):%-d %b %Y}" in page


def test_a_manager_updates_the_record_through_the_service_and_the_timeline_names_no_need():
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = needy_complaint()
    given = timezone.localdate() - timedelta(days=3)
    record_changes.update_support_needs(
        complaint=complaint, by=manager, needs=[Need.HEARING], details="", consent_given_on=given
    )
    complaint.refresh_from_db()
    needs = complaint.support_needs
    assert needs.needs == [Need.HEARING]
    assert needs.review_due_on == needs_register.review_date_after(given)
    assert not complaint.relies_on_landline_for_safety
    entry = complaint.timeline.filter(kind=TimelineEntry.Kind.RECORD_CHANGED).latest("pk")
    assert "review due" in entry.body
    assert "Hearing" not in entry.body
    with pytest.raises(ValidationError, match="agreement"):
        record_changes.update_support_needs(
            complaint=complaint, by=manager, needs=[Need.SIGHT], details="", consent_given_on=None
        )


def test_the_beat_job_lists_the_reviews_due_to_the_team_once_a_day(settings):
    due = needy_complaint()
    later = needy_complaint()
    SupportNeeds.objects.filter(complaint=due).update(review_due_on=timezone.localdate() - timedelta(days=1))
    assert "list-needs-reviews-due" in settings.CELERY_BEAT_SCHEDULE
    from complaints.tasks import list_needs_reviews_due_task

    assert list_needs_reviews_due_task() == {"due": 1}
    list_needs_reviews_due_task()
    message = OutboundMessage.objects.get(template_key="needs_reviews_due")
    assert message.recipient_email == settings.COMPLAINTS_TEAM_EMAIL
    assert due.reference in message.body_text
    assert later.reference not in message.body_text
    assert "Anxiety" not in message.body_text
    assert str(Need.MENTAL_HEALTH.label) not in message.body_text


def test_the_review_due_filter(client):
    due = needy_complaint()
    later = needy_complaint()
    SupportNeeds.objects.filter(complaint=due).update(review_due_on=timezone.localdate())
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    page = client.get(CHANGELIST, {"needs_review": "due"}).content.decode()
    assert due.reference in page
    assert later.reference not in page


def test_retention_removes_the_register():
    complaint = needy_complaint()
    services.anonymise_complaint(complaint=complaint, reason="test")
    complaint.refresh_from_db()
    assert not SupportNeeds.objects.exists()
    assert not complaint.relies_on_landline_for_safety
    assert complaint.call_times == ""


def test_a_closed_complaints_record_is_not_sent_for_review():
    closed = needy_complaint()
    SupportNeeds.objects.filter(complaint=closed).update(review_due_on=timezone.localdate())
    Complaint.objects.filter(pk=closed.pk).update(status=Complaint.Status.CLOSED)
    assert not needs_register.reviews_due(timezone.localdate()).exists()


def test_no_phone_calls_and_times_to_call_cannot_both_be_asked():
    form = ComplaintForm(
        form_post(
            adjustments=[Complaint.Adjustment.NO_PHONE_CALLS],
            call_times="After 2pm",
            reply_preference="email",
        )
    )
    assert not form.is_valid()
    assert form.errors["call_times"] == ["You asked us not to phone you: leave the times to call empty."]


def test_the_list_shows_when_to_call(client):
    filed_complaint(adjustments=[Complaint.Adjustment.CALL_TIMES], call_times="Weekdays after 2pm")
    client.force_login(staff_member(SUPPORT_AGENTS))
    assert "Calls only at certain times: Weekdays after 2pm" in client.get(CHANGELIST).content.decode()
