"""The escalation services against the real database: stages, clocks, refusals that write nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints.models import Complaint, TimelineEntry
from complaints.services import change_complaint_status
from escalation import ombudsman, selectors, services
from escalation.clocks import add_months
from escalation.models import Escalation, OmbudsmanCase, StageChange
from escalation.stages import Stage
from escalation.sweep import enforce_deadlines
from escalation.working_days import add_working_days, london_date
from notifications.delivery import deliver_message
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory, pdf_upload
from tests.escalation.factories import conclusion, filed_complaint

pytestmark = pytest.mark.django_db

Status = Complaint.Status
Kind = Escalation.DeadlineKind


@pytest.fixture
def agent():
    return StaffUserFactory()


def escalation_of(complaint) -> Escalation:
    return Escalation.objects.get(pk=complaint.pk)


def proposed(complaint, agent, **kwargs):
    services.propose_resolution(complaint=complaint, by=agent, resolution="A refund of £20.", **kwargs)
    complaint.refresh_from_db()
    return complaint


def referred(complaint, agent):
    proposed(complaint, agent)
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.LETTER,
    )
    complaint.refresh_from_db()
    return complaint


def answered_by_manager(complaint, agent):
    referred(complaint, agent)
    services.record_stage_two_response(
        complaint=complaint, by=agent, response="Our response is attached.", document=pdf_upload()
    )
    complaint.refresh_from_db()
    return complaint


def test_filing_starts_every_clock():
    complaint = filed_complaint(days_ago=2)
    escalation = escalation_of(complaint)
    received_on = london_date(complaint.first_received_at)
    assert escalation.stage == Stage.DIRECT_CONTACT
    assert escalation.acknowledgement_due == add_working_days(received_on, 1)
    assert escalation.stage_one_due == add_working_days(received_on, 3)
    assert escalation.adr_eligible_on == received_on + timedelta(days=42)
    assert escalation.acknowledged_at is not None  # the acknowledgement is queued as it is filed
    assert (escalation.next_deadline, escalation.next_deadline_kind) == (
        escalation.stage_one_due,
        Kind.STAGE_ONE,
    )


def test_a_stage_two_letter_never_restarts_the_adr_clock(agent):
    complaint = filed_complaint(days_ago=20)
    eligible = escalation_of(complaint).adr_eligible_on
    referred(complaint, agent)
    assert escalation_of(complaint).adr_eligible_on == eligible


def test_a_portal_referral_starts_the_ten_working_day_clock_from_today(agent):
    complaint = referred(filed_complaint(days_ago=5), agent)
    escalation = escalation_of(complaint)
    assert escalation.stage == Stage.COMPLAINTS_MANAGER
    assert escalation.referral_received_on == timezone.localdate()
    assert escalation.stage_two_response_due == add_working_days(timezone.localdate(), 10)
    assert escalation.next_deadline_kind == Kind.STAGE_TWO
    assert complaint.status == Status.IN_PROGRESS
    assert complaint.reply_preference == Complaint.ReplyPreference.LETTER
    change = StageChange.objects.get(complaint=complaint)
    assert (change.from_stage, change.to_stage, change.changed_by) == (1, 2, None)
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.STAGE_CHANGED).exists()


def test_a_letter_that_arrived_earlier_counts_from_the_day_it_arrived(agent):
    complaint = proposed(filed_complaint(days_ago=30), agent)
    arrived = timezone.localdate() - timedelta(days=12)
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.LETTER,
        reply_preference=Complaint.ReplyPreference.PHONE,
        received_on=arrived,
        by=agent,
        contact_details={"postal_address": "2 New Road\nCambridge"},
    )
    escalation = escalation_of(complaint)
    assert escalation.stage_two_response_due == add_working_days(arrived, 10)
    complaint.refresh_from_db()
    assert complaint.postal_address == "2 New Road\nCambridge"
    assert StageChange.objects.get(complaint=complaint).changed_by == agent


@pytest.mark.parametrize(
    ("received_on", "message"),
    [(1, "cannot be in the future"), (-40, "before the complaint itself")],
)
def test_a_letter_date_in_the_future_or_before_the_complaint_writes_nothing(agent, received_on, message):
    complaint = proposed(filed_complaint(days_ago=10), agent)
    entries_before = complaint.timeline.count()
    with pytest.raises(ValidationError, match=message):
        services.refer_to_complaints_manager(
            complaint=complaint,
            channel=Complaint.Channel.LETTER,
            reply_preference=Complaint.ReplyPreference.EMAIL,
            received_on=timezone.localdate() + timedelta(days=received_on),
            by=agent,
        )
    assert escalation_of(complaint).stage == Stage.DIRECT_CONTACT
    assert not StageChange.objects.filter(complaint=complaint).exists()
    assert complaint.timeline.count() == entries_before


def test_a_stage_two_response_needs_its_document_and_then_answers_the_clock(agent):
    complaint = referred(filed_complaint(days_ago=5), agent)
    with pytest.raises(ValidationError, match="Attach the written response"):
        services.record_stage_two_response(
            complaint=complaint, by=agent, response="See letter", document=None
        )
    assert escalation_of(complaint).stage_two_response_sent_at is None
    assert not complaint.timeline.filter(kind=TimelineEntry.Kind.STAFF_REPLY, body="See letter").exists()

    services.record_stage_two_response(
        complaint=complaint, by=agent, response="See letter", document=pdf_upload("response.pdf")
    )
    escalation = escalation_of(complaint)
    complaint.refresh_from_db()
    assert escalation.stage_two_response_sent_at is not None
    assert escalation.stage_two_response_document.original_name == "response.pdf"
    assert complaint.status == Status.RESOLUTION_PROPOSED
    assert escalation.next_deadline_kind == Kind.ADR_LETTER  # only the ADR clock is still running


def test_at_stage_two_a_resolution_is_proposed_only_as_the_written_response(agent):
    complaint = referred(filed_complaint(days_ago=5), agent)
    with pytest.raises(ValidationError, match="written response"):
        services.propose_resolution(complaint=complaint, by=agent, resolution="Sorry")


def test_the_managing_director_reviews_only_after_the_managers_response(agent):
    complaint = referred(filed_complaint(days_ago=5), agent)
    with pytest.raises(ValidationError, match="after the Complaints Manager's written response"):
        services.request_md_review(complaint=complaint)
    services.record_stage_two_response(complaint=complaint, by=agent, response="R", document=pdf_upload())
    services.request_md_review(complaint=complaint, reason="Still no refund.")
    complaint.refresh_from_db()
    assert escalation_of(complaint).stage == Stage.MANAGING_DIRECTOR
    assert complaint.status == Status.IN_PROGRESS


def test_the_managing_directors_decision_is_a_final_position_that_owes_the_adr_letter(agent):
    complaint = answered_by_manager(filed_complaint(days_ago=5), agent)
    services.request_md_review(complaint=complaint)
    services.record_md_decision(complaint=complaint, by=agent, decision="We uphold the refund.")
    escalation = escalation_of(complaint)
    assert escalation.deadlocked_at is not None
    assert (escalation.next_deadline, escalation.next_deadline_kind) == (
        timezone.localdate(),
        Kind.ADR_LETTER,
    )
    with pytest.raises(ValidationError, match="already decided"):
        services.record_md_decision(complaint=complaint, by=agent, decision="Again")


def test_deadlock_on_day_three_makes_the_adr_letter_due_that_day_and_opens_the_ombudsman(agent):
    complaint = filed_complaint(days_ago=3)
    services.declare_deadlock(
        complaint=complaint,
        by=agent,
        final_position="We cannot offer more.",
        scope_reason=Escalation.ScopeReason.MAJOR_INCIDENT,
    )
    escalation = escalation_of(complaint)
    assert escalation.next_deadline == timezone.localdate()
    assert escalation.next_deadline_kind == Kind.ADR_LETTER
    assert escalation.adr_eligible_on == london_date(complaint.first_received_at) + timedelta(days=42)
    ombudsman.record_ombudsman_referral(
        complaint=complaint, scheme_reference="CO-1", referred_on=timezone.localdate(), by=agent
    )
    assert escalation_of(complaint).stage == Stage.OMBUDSMAN
    with pytest.raises(ValidationError, match="final position has been given"):
        services.declare_deadlock(complaint=complaint, by=agent, final_position="Again")


def test_the_ombudsman_is_refused_before_eligibility_and_open_from_stage_one_at_day_42(agent):
    early = filed_complaint(days_ago=41)
    with pytest.raises(ValidationError, match="ADR period"):
        ombudsman.record_ombudsman_referral(
            complaint=early, scheme_reference="CO-2", referred_on=timezone.localdate(), by=agent
        )
    assert not OmbudsmanCase.objects.filter(complaint=early).exists()

    due = filed_complaint(days_ago=42)
    escalation = escalation_of(due)
    assert escalation.stage == Stage.DIRECT_CONTACT
    assert escalation.adr_eligible_on == timezone.localdate()
    ombudsman.record_ombudsman_referral(
        complaint=due, scheme_reference="CO-3", referred_on=timezone.localdate(), by=agent
    )
    assert escalation_of(due).stage == Stage.OMBUDSMAN


def test_a_scope_reason_never_stops_a_clock(agent):
    complaint = proposed(filed_complaint(days_ago=50), agent, scope_reason=Escalation.ScopeReason.THIRD_PARTY)
    escalation = escalation_of(complaint)
    assert escalation.scope_reason == Escalation.ScopeReason.THIRD_PARTY
    assert escalation.next_deadline_kind == Kind.ADR_LETTER
    assert escalation.next_deadline < timezone.localdate()  # overdue: the letter is still owed


def test_a_complaint_resolved_before_day_42_owes_no_adr_letter(agent):
    complaint = proposed(filed_complaint(days_ago=41), agent)
    services.record_customer_acceptance(complaint=complaint, by=agent, **conclusion())
    escalation = escalation_of(complaint)
    complaint.refresh_from_db()
    assert complaint.status == Status.RESOLVED
    assert escalation.next_deadline is None
    with pytest.raises(ValidationError, match="no proposed resolution"):
        services.record_customer_acceptance(complaint=complaint, by=agent)


def test_a_resolution_proposed_at_stage_one_answers_its_clock_even_from_the_status_actions(agent):
    complaint = filed_complaint(days_ago=1)
    change_complaint_status(complaint=complaint, new_status=Status.RESOLUTION_PROPOSED, by=agent)
    escalation = escalation_of(complaint)
    assert escalation.stage_one_answered_at is not None
    assert escalation.next_deadline_kind == Kind.ADR_LETTER


def test_a_complex_case_gets_a_new_target(agent):
    complaint = filed_complaint(days_ago=1)
    target = timezone.localdate() + timedelta(days=20)
    with pytest.raises(ValidationError, match="in the future"):
        services.mark_complex(
            complaint=complaint,
            by=agent,
            told_at=timezone.now() + timedelta(hours=1),
            told_via=Complaint.Channel.PHONE,
            new_target=target,
        )
    services.mark_complex(
        complaint=complaint,
        by=agent,
        told_at=timezone.now(),
        told_via=Complaint.Channel.PHONE,
        new_target=target,
    )
    escalation = escalation_of(complaint)
    assert escalation.stage_one_due == target
    assert escalation.complex_case_told_by == Complaint.Channel.PHONE
    services.refresh_clocks(complaint=complaint)  # a recomputation keeps the new target
    assert escalation_of(complaint).stage_one_due == target
    assert complaint.timeline.filter(kind=TimelineEntry.Kind.UPDATE, body__contains="complex").exists()


def test_the_first_received_time_moves_earlier_with_its_clocks_and_never_later(agent):
    complaint = filed_complaint(days_ago=2)
    original = complaint.first_received_at
    services.correct_first_received(
        complaint=complaint,
        first_received_at=original - timedelta(days=10),
        by=agent,
        reason="The customer first phoned ten days earlier.",
    )
    assert escalation_of(complaint).adr_eligible_on == london_date(original) + timedelta(days=32)

    with pytest.raises(ValidationError, match="only move earlier"):
        services.correct_first_received(
            complaint=complaint, first_received_at=original, by=agent, reason="Typo"
        )
    complaint.refresh_from_db()
    assert complaint.first_received_at == original - timedelta(days=10)
    refusal = complaint.timeline.get(kind=TimelineEntry.Kind.RECORD_CORRECTED, body__startswith="Refused")
    assert refusal.author == agent


def test_an_ispa_referral_never_moves_the_adr_clock(agent, settings):
    settings.ISPA_MEMBER = True
    complaint = answered_by_manager(filed_complaint(days_ago=10), agent)
    eligible = escalation_of(complaint).adr_eligible_on
    services.record_ispa_referral(complaint=complaint, referred_on=timezone.localdate(), by=agent)
    escalation = escalation_of(complaint)
    assert escalation.ispa_referred_on == timezone.localdate()
    assert escalation.adr_eligible_on == eligible


def test_an_accepted_ombudsman_decision_sets_a_28_day_remedy_deadline(agent):
    complaint = filed_complaint(days_ago=60)
    ombudsman.record_ombudsman_referral(
        complaint=complaint,
        scheme_reference="CO-4",
        referred_on=timezone.localdate() - timedelta(days=5),
        by=agent,
    )
    answered = timezone.localdate() - timedelta(days=1)
    case = ombudsman.record_ombudsman_decision(
        complaint=complaint,
        by=agent,
        decision_on=answered,
        customer_response=OmbudsmanCase.CustomerResponse.ACCEPTED,
        customer_responded_on=answered,
        apology=True,
        award_amount=Decimal("12000.00"),  # above the scheme's limit: recorded, the admin warns
    )
    assert case.remedy_due == answered + timedelta(days=28)
    escalation = escalation_of(complaint)
    assert escalation.next_deadline_kind in (Kind.ADR_LETTER, Kind.OMBUDSMAN_REMEDY)
    ombudsman.record_ombudsman_remedy_done(complaint=complaint, done_on=timezone.localdate(), by=agent)
    assert OmbudsmanCase.objects.get(pk=complaint.pk).remedy_done_on == timezone.localdate()


def test_a_rejected_ombudsman_decision_sets_no_remedy(agent):
    complaint = filed_complaint(days_ago=60)
    ombudsman.record_ombudsman_referral(
        complaint=complaint, scheme_reference="CO-5", referred_on=timezone.localdate(), by=agent
    )
    case = ombudsman.record_ombudsman_decision(
        complaint=complaint,
        by=agent,
        decision_on=timezone.localdate(),
        customer_response=OmbudsmanCase.CustomerResponse.REJECTED,
        customer_responded_on=timezone.localdate(),
    )
    assert case.remedy_due is None
    with pytest.raises(ValidationError, match="No accepted ombudsman decision"):
        ombudsman.record_ombudsman_remedy_done(complaint=complaint, done_on=timezone.localdate(), by=agent)


def test_the_adr_letter_is_owed_until_it_goes_and_then_opens_a_twelve_month_window(agent):
    complaint = proposed(filed_complaint(days_ago=43), agent)
    assert escalation_of(complaint).next_deadline_kind == Kind.ADR_LETTER
    enforce_deadlines()
    letter = OutboundMessage.objects.get(reference=complaint.reference, template_key="adr_letter")
    escalation = escalation_of(complaint)
    assert escalation.period_letter_queued_at is not None
    assert escalation.adr_letter_sent_at is None
    assert escalation.next_deadline_kind == Kind.ADR_LETTER  # written is not sent

    deliver_message(message_id=letter.pk)
    escalation = escalation_of(complaint)
    today = timezone.localdate()
    assert escalation.period_letter_sent_at == escalation.adr_letter_sent_at is not None
    assert escalation.adr_window_ends == add_months(today, 12)
    assert escalation.next_deadline is None
    assert complaint.timeline.filter(body__contains=f"until {escalation.adr_window_ends:%-d %B %Y}").exists()


def test_a_complaint_without_its_clocks_is_an_error_never_repaired_by_a_read(agent):
    from tests.complaints.factories import ComplaintFactory

    complaint = ComplaintFactory(filed=False)
    with pytest.raises(Escalation.DoesNotExist):
        selectors.escalation_for(complaint)
    with pytest.raises(Escalation.DoesNotExist):
        services.declare_deadlock(complaint=complaint, by=agent, final_position="Final.")
    assert not Escalation.objects.filter(pk=complaint.pk).exists()


def complaint_at_stage(stage: int, agent) -> Complaint:
    """A complaint past its ADR date, brought through the real services to `stage`."""
    complaint = filed_complaint(days_ago=50)
    if stage >= Stage.COMPLAINTS_MANAGER and stage != Stage.OMBUDSMAN:
        answered_by_manager(complaint, agent)
    if stage == Stage.MANAGING_DIRECTOR:
        services.request_md_review(complaint=complaint)
    if stage == Stage.OMBUDSMAN:
        ombudsman.record_ombudsman_referral(
            complaint=complaint, scheme_reference="CO-0", referred_on=timezone.localdate(), by=agent
        )
    assert escalation_of(complaint).stage == stage
    return complaint


ALLOWED = {(1, 2), (2, 3), (1, 4), (2, 4), (3, 4)}


@pytest.mark.parametrize("current", list(Stage))
@pytest.mark.parametrize("target", list(Stage))
def test_advance_stage_allows_exactly_the_tables_steps_and_refusals_write_nothing(agent, current, target):
    complaint = complaint_at_stage(current, agent)
    changes_before = StageChange.objects.filter(complaint=complaint).count()
    if (current, target) in ALLOWED:
        services.advance_stage(complaint=complaint, to_stage=target, by=agent, reason="Test")
        assert escalation_of(complaint).stage == target
        assert StageChange.objects.filter(complaint=complaint).count() == changes_before + 1
    else:
        with pytest.raises(ValidationError):
            services.advance_stage(complaint=complaint, to_stage=target, by=agent, reason="Test")
        assert escalation_of(complaint).stage == current
        assert StageChange.objects.filter(complaint=complaint).count() == changes_before


@pytest.mark.parametrize("answer", ["accepted", "rejected"])
def test_a_complaint_whose_ombudsman_case_is_over_is_closed_without_a_final_position(agent, answer):
    complaint = filed_complaint(days_ago=60)
    ombudsman.record_ombudsman_referral(
        complaint=complaint, by=agent, scheme_reference="CO-8", referred_on=timezone.localdate()
    )
    with pytest.raises(ValidationError, match="case is over once"):
        ombudsman.close_after_the_ombudsman(complaint=complaint, by=agent)
    ombudsman.record_ombudsman_decision(
        complaint=complaint,
        by=agent,
        decision_on=timezone.localdate(),
        customer_response=answer,
        customer_responded_on=timezone.localdate(),
    )
    if answer == "accepted":
        with pytest.raises(ValidationError, match="any remedy is done"):
            ombudsman.close_after_the_ombudsman(complaint=complaint, by=agent)
        ombudsman.record_ombudsman_remedy_done(complaint=complaint, by=agent, done_on=timezone.localdate())
    ombudsman.close_after_the_ombudsman(complaint=complaint, by=agent, **conclusion())
    complaint.refresh_from_db()
    escalation = escalation_of(complaint)
    assert complaint.status == Status.CLOSED
    assert escalation.deadlocked_at is None  # the ombudsman decided; no final position of ours
    assert escalation.resolved_at is not None  # retention can take it in its time
    statuses = list(
        complaint.timeline.filter(kind=TimelineEntry.Kind.STATUS_CHANGED).values_list("body", flat=True)
    )
    assert any("Closed: the" in body and "CO-8 is over" in body for body in statuses)
    assert ("“Resolved”" in " ".join(statuses) or "put into effect" in " ".join(statuses)) == (
        answer == "accepted"
    )
