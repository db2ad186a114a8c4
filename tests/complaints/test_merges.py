"""Merging a duplicate into its primary, and linking complaints (issue 14, part 3): the service.

A merge moves the duplicate's timeline, files and e-mails to the primary and loses none, closes the
duplicate as merged, and the primary's clocks follow the earlier first-received time of the two."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import merges, services
from complaints.models import Attachment, Complaint, InboundEmail, SupportNeeds, TimelineEntry
from escalation import clocks, reporting, retention, rules, sweep
from escalation import services as escalation_services
from escalation.models import DeadlineNotice, Escalation
from escalation.roles import COMPLAINTS_MANAGERS
from notifications.models import OutboundMessage
from tests.complaints.factories import png_upload
from tests.escalation.factories import conclude, filed_complaint, staff_member
from tests.escalation.states import complaint_in

pytestmark = pytest.mark.django_db

Kind = TimelineEntry.Kind


@pytest.fixture
def manager():
    return staff_member(COMPLAINTS_MANAGERS)


def with_history(complaint, by):
    """A complaint with a message and a file, a reply, a note and an e-mail from the customer."""
    services.add_customer_message(complaint=complaint, body="Still down.", attachments=[png_upload()])
    services.reply_to_customer(complaint=complaint, by=by, body="We are on it.")
    services.add_internal_note(complaint=complaint, by=by, body="Line test booked.")
    entry = services.log_contact(complaint=complaint, by=by, kind=Kind.CALL_LOGGED, body="Called.")
    InboundEmail.objects.create(
        message_key=f"key-{complaint.pk}",
        received_via=InboundEmail.Via.SMTP,
        received_at=timezone.now(),
        raw=b"Subject: hi\r\n\r\nhello",
        size=20,
        complaint=complaint,
        timeline_entry=entry,
        outcome=InboundEmail.Outcome.ADDED,
    )
    return Complaint.objects.get(pk=complaint.pk)


def merge(duplicate, primary, by, **options):
    return merges.merge_complaints(
        duplicate=duplicate, primary=primary, by=by, reason="The same outage, phoned in twice.", **options
    )


def test_merging_moves_every_entry_file_and_email_and_loses_none(manager):
    primary = with_history(filed_complaint(days_ago=5, email="zoe@example.com"), manager)
    duplicate = with_history(filed_complaint(days_ago=2, email="zoe@example.com"), manager)
    primary_entries = set(primary.timeline.values_list("pk", flat=True))
    duplicate_entries = set(duplicate.timeline.values_list("pk", flat=True))
    duplicate_files = set(duplicate.attachments.values_list("pk", flat=True))

    merge(duplicate, primary, manager)

    after_on_primary = set(TimelineEntry.objects.filter(complaint=primary).values_list("pk", flat=True))
    after_on_duplicate = set(TimelineEntry.objects.filter(complaint=duplicate).values_list("pk", flat=True))
    # Every entry of both is on the primary; what else exists was written by the merge itself.
    assert primary_entries | duplicate_entries <= after_on_primary
    records = (after_on_primary | after_on_duplicate) - primary_entries - duplicate_entries
    assert len(after_on_primary) + len(after_on_duplicate) == len(primary_entries) + len(
        duplicate_entries
    ) + len(records)
    assert sorted(
        TimelineEntry.objects.filter(pk__in=records, complaint=primary).values_list("kind", flat=True)
    ) == [
        Kind.MERGED,
        Kind.RECORD_CHANGED,
    ]
    assert sorted(TimelineEntry.objects.filter(complaint=duplicate).values_list("kind", flat=True)) == [
        Kind.MERGED,
        Kind.RECORD_CHANGED,
        Kind.STATUS_CHANGED,
    ]
    moved = TimelineEntry.objects.filter(pk__in=duplicate_entries)
    assert set(moved.values_list("moved_from", flat=True)) == {duplicate.pk}
    assert set(Attachment.objects.filter(pk__in=duplicate_files).values_list("complaint", flat=True)) == {
        primary.pk
    }
    assert InboundEmail.objects.get(message_key=f"key-{duplicate.pk}").complaint_id == primary.pk

    duplicate.refresh_from_db()
    assert duplicate.status == Complaint.Status.MERGED
    assert duplicate.merged_into_id == primary.pk
    note = TimelineEntry.objects.get(complaint=primary, kind=Kind.RECORD_CHANGED, pk__in=records)
    assert f"{duplicate.reference} merged into this complaint" in note.body
    assert f"{len(duplicate_entries)} timeline entries, 1 files and 1 e-mails" in note.body
    assert "The same outage, phoned in twice." in note.body
    notice = OutboundMessage.objects.get(reference=duplicate.reference, template_key="complaints_merged")
    assert primary.reference in notice.subject
    assert primary.reference in notice.body_text


def test_the_customer_is_told_in_their_language(manager):
    primary = filed_complaint(days_ago=3, email="sian@example.com")
    duplicate = filed_complaint(email="sian@example.com", language="cy")
    merge(duplicate, primary, manager)
    notice = OutboundMessage.objects.get(reference=duplicate.reference, template_key="complaints_merged")
    assert notice.subject == f"Mae eich cwyn {duplicate.reference} wedi'i chyfuno â {primary.reference}"
    assert notice.body_text.startswith("Annwyl")


def test_the_clocks_follow_the_earlier_first_received_time(manager):
    earlier = filed_complaint(days_ago=20, email="zoe@example.com")
    earlier_clocks = Escalation.objects.get(pk=earlier.pk)
    primary = filed_complaint(days_ago=1, email="zoe@example.com")

    merge(earlier, primary, manager)

    primary.refresh_from_db()
    assert primary.first_received_at == earlier.first_received_at
    clocks_now = Escalation.objects.get(pk=primary.pk)
    assert clocks_now.adr_eligible_on == earlier_clocks.adr_eligible_on  # the earlier ADR date stands
    assert clocks_now.stage_one_due == earlier_clocks.stage_one_due
    # The earlier complaint was acknowledged: that answers the primary's (earlier) acknowledgement clock.
    assert clocks_now.acknowledged_at == earlier_clocks.acknowledged_at
    correction = primary.timeline.get(kind=Kind.RECORD_CORRECTED)
    assert earlier.reference in correction.body
    merged_clocks = Escalation.objects.get(pk=earlier.pk)
    assert merged_clocks.next_deadline is None
    assert merged_clocks.resolved_at is not None


def test_a_later_duplicate_leaves_the_primarys_clocks_alone(manager):
    primary = filed_complaint(days_ago=20, email="zoe@example.com")
    before = Escalation.objects.get(pk=primary.pk)
    merge(filed_complaint(days_ago=1, email="zoe@example.com"), primary, manager)
    after = Escalation.objects.get(pk=primary.pk)
    assert (after.adr_eligible_on, after.stage_one_due) == (before.adr_eligible_on, before.stage_one_due)
    assert not primary.timeline.filter(kind=Kind.RECORD_CORRECTED).exists()


def test_an_adr_letter_sent_on_the_duplicate_counts_for_the_primary(manager):
    duplicate = filed_complaint(days_ago=60, email="zoe@example.com")
    sent = timezone.now() - timedelta(days=10)
    Escalation.objects.filter(pk=duplicate.pk).update(
        period_letter_queued_at=sent,
        period_letter_sent_at=sent,
        adr_letter_sent_at=sent,
        adr_letter_channel="email",
    )
    primary = filed_complaint(days_ago=2, email="zoe@example.com")

    merge(duplicate, primary, manager)

    escalation = Escalation.objects.get(pk=primary.pk)
    assert escalation.period_letter_sent_at == sent
    assert escalation.adr_letter_sent_at == sent
    assert escalation.adr_window_ends == clocks.adr_window_ends(sent)
    assert (
        "counts for this complaint"
        in primary.timeline.get(kind=Kind.RECORD_CHANGED, body__contains="ADR").body
    )
    report = sweep.enforce_deadlines()
    assert report.adr_letters == 0  # the customer has had it; not a second one for the same complaint
    assert not DeadlineNotice.objects.filter(
        complaint__in=[primary, duplicate], kind=DeadlineNotice.Kind.ADR_LETTER
    )


def test_a_primary_past_its_adr_period_through_the_merge_gets_its_letter(manager):
    duplicate = filed_complaint(days_ago=60, email="zoe@example.com")
    primary = filed_complaint(days_ago=2, email="zoe@example.com")
    merge(duplicate, primary, manager)
    assert sweep.enforce_deadlines().adr_letters == 1
    assert DeadlineNotice.objects.get(kind=DeadlineNotice.Kind.ADR_LETTER).complaint_id == primary.pk


def test_a_merged_complaint_is_closed_to_the_sweep_the_rules_and_the_reports(manager):
    duplicate = filed_complaint(days_ago=8, email="zoe@example.com", acknowledged=False)
    primary = filed_complaint(days_ago=1, email="zoe@example.com")
    merge(duplicate, primary, manager)
    duplicate.refresh_from_db()

    sweep.enforce_deadlines()
    assert not DeadlineNotice.objects.filter(complaint=duplicate).exists()
    facts = rules.facts_of(duplicate, Escalation.objects.get(pk=duplicate.pk))
    assert {action for action in rules.Action if rules.allowed(action, facts)} == set()
    assert "joined with another" in rules.problem(rules.Action.RECORD_OMBUDSMAN_REFERRAL, facts)
    assert sum(row["open"] for row in reporting.counts_per_stage(reporting.DashboardFilters())) == 1
    assert sum(row["received"] for row in reporting.monthly_report()) == 1
    with pytest.raises(ValidationError):
        services.change_complaint_status(
            complaint=duplicate, new_status=Complaint.Status.IN_PROGRESS, by=manager
        )


def test_a_merged_complaint_is_anonymised_in_its_time(manager, settings):
    duplicate = filed_complaint(days_ago=3, email="zoe@example.com")
    merge(duplicate, filed_complaint(email="zoe@example.com"), manager)
    later = timezone.now() + timedelta(days=settings.COMPLAINT_RETENTION_DAYS + 1)
    assert duplicate.reference in retention.anonymise_expired_complaints(now=later, dry_run=True).anonymised


def test_complaints_merged_into_the_duplicate_lead_to_the_primary(manager):
    first = filed_complaint(days_ago=3, email="zoe@example.com")
    second = filed_complaint(days_ago=2, email="zoe@example.com")
    primary = filed_complaint(days_ago=1, email="zoe@example.com")
    merge(first, second, manager)
    merge(second, primary, manager)
    first.refresh_from_db()
    assert first.merged_into_id == primary.pk
    assert TimelineEntry.objects.filter(moved_from=first).exclude(complaint=primary).count() == 0
    assert TimelineEntry.objects.filter(moved_from=first, complaint=primary).exists()


def refusal(duplicate, primary, by, **options) -> str:
    counts = (TimelineEntry.objects.count(), Attachment.objects.count())
    with pytest.raises(ValidationError) as refused:
        merge(duplicate, primary, by, **options)
    assert (TimelineEntry.objects.count(), Attachment.objects.count()) == counts  # nothing written
    return " ".join(refused.value.messages)


def test_merges_that_would_lose_or_confuse_a_record_are_refused(manager):
    complaint = filed_complaint(email="zoe@example.com")
    twin = filed_complaint(email="zoe@example.com")
    assert "into itself" in refusal(complaint, complaint, manager)

    merged = filed_complaint(email="zoe@example.com")
    merge(merged, complaint, manager)
    assert "itself merged" in refusal(twin, merged, manager)  # no chains
    assert "cannot be merged" in refusal(merged, twin, manager)

    closed = filed_complaint(email="zoe@example.com")
    conclude(closed, by=manager)
    services.change_complaint_status(
        complaint=closed, new_status=Complaint.Status.CLOSED, by=manager, note="Done."
    )
    assert "is closed" in refusal(twin, closed, manager)

    held = filed_complaint(email="zoe@example.com")
    Complaint.objects.filter(pk=held.pk).update(legal_hold=True)
    assert "legal hold" in refusal(twin, held, manager)
    assert "legal hold" in refusal(held, twin, manager)

    anonymised = filed_complaint(email="zoe@example.com")
    Complaint.objects.filter(pk=anonymised.pk).update(anonymised_at=timezone.now())
    assert "personal data has been removed" in refusal(anonymised, twin, manager)

    with pytest.raises(ValidationError) as no_reason:
        merges.merge_complaints(duplicate=twin, primary=complaint, by=manager, reason="  ")
    assert "reason" in no_reason.value.message_dict


def test_different_customers_are_merged_only_once_confirmed(manager):
    primary = filed_complaint(email="zoe@example.com", customer_name="Zoë O'Brien")
    stranger = filed_complaint(email="sam@example.com", customer_name="Sam Patel")
    assert "confirm they are the same customer's" in refusal(stranger, primary, manager)
    merge(stranger, primary, manager, same_customer_confirmed=True)
    assert Complaint.objects.get(pk=stranger.pk).merged_into_id == primary.pk


@pytest.mark.parametrize("state", ["deadlocked at stage 1", "with the ombudsman"])
def test_a_duplicate_with_a_final_position_or_the_ombudsman_is_not_merged(manager, state):
    duplicate = complaint_in(state, by=manager, email="zoe@example.com")
    primary = filed_complaint(email="zoe@example.com")
    assert f"merge {primary.reference} into it instead, or link them" in refusal(duplicate, primary, manager)
    merge(primary, duplicate, manager)  # the other way round keeps its final position and its case


def test_linking_relates_two_complaints_both_ways_and_unlinking_undoes_it(manager):
    complaint = filed_complaint(email="zoe@example.com")
    other = filed_complaint(email="sam@example.com")
    merges.link_complaints(complaint=complaint, other=other, by=manager, reason="The same outage.")
    assert list(other.related_complaints.all()) == [complaint]
    assert list(complaint.related_complaints.all()) == [other]
    assert other.timeline.filter(
        kind=Kind.RECORD_CHANGED, body__startswith=f"Linked to {complaint.reference}"
    ).exists()
    with pytest.raises(ValidationError):
        merges.link_complaints(complaint=other, other=complaint, by=manager)
    with pytest.raises(ValidationError):
        merges.link_complaints(complaint=other, other=other, by=manager)

    merges.unlink_complaints(complaint=other, other=complaint, by=manager)
    assert not complaint.related_complaints.exists()
    assert complaint.timeline.filter(body__startswith=f"Unlinked from {other.reference}").exists()
    with pytest.raises(ValidationError):
        merges.unlink_complaints(complaint=other, other=complaint, by=manager)


def test_a_duplicates_links_move_to_the_primary(manager):
    primary = filed_complaint(email="zoe@example.com")
    duplicate = filed_complaint(email="zoe@example.com")
    neighbour = filed_complaint(email="sam@example.com")
    merges.link_complaints(complaint=duplicate, other=neighbour, by=manager)
    merges.link_complaints(complaint=duplicate, other=primary, by=manager)
    merge(duplicate, primary, manager)
    assert list(primary.related_complaints.all()) == [neighbour]
    assert not duplicate.related_complaints.exists()


def test_a_stage_action_on_the_primary_still_works_after_a_merge(manager):
    primary = filed_complaint(days_ago=1, email="zoe@example.com")
    merge(filed_complaint(days_ago=9, email="zoe@example.com"), primary, manager)
    escalation_services.propose_resolution(complaint=primary, by=manager, resolution="A credit.")
    assert Complaint.objects.get(pk=primary.pk).status == Complaint.Status.RESOLUTION_PROPOSED


def test_a_complaint_is_not_merged_into_one_that_has_ended(manager):
    """The open one would end with it, without the root cause, outcome or clocks an end needs."""
    duplicate = filed_complaint(email="zoe@example.com")
    resolved = complaint_in("resolved", by=manager, email="zoe@example.com")
    assert "has ended" in refusal(duplicate, resolved, manager, same_customer_confirmed=True)


@pytest.mark.parametrize("state", ["with the Complaints Manager", "with the Managing Director"])
def test_a_duplicate_further_along_the_procedure_is_not_merged_into_one_behind_it(manager, state):
    """Its stage and the response owed at it would be lost: merge the other way (or link)."""
    duplicate = complaint_in(state, by=manager, email="zoe@example.com")
    primary = filed_complaint(email="zoe@example.com")
    assert f"merge {primary.reference} into it instead, or link them" in refusal(duplicate, primary, manager)
    merge(primary, duplicate, manager)


def test_the_duplicates_needs_record_and_adjustments_move_to_the_primary(manager):
    primary = filed_complaint(email="zoe@example.com")
    Complaint.objects.filter(pk=primary.pk).update(adjustments=["large_print"])
    duplicate = filed_complaint(email="zoe@example.com")
    Complaint.objects.filter(pk=duplicate.pk).update(
        adjustments=["no_phone_calls"], has_support_needs=True, relies_on_landline_for_safety=True
    )
    SupportNeeds.objects.create(
        complaint=duplicate,
        needs=["telecare"],
        consent_given_on=timezone.localdate(),
        review_due_on=timezone.localdate() + timedelta(days=365),
    )
    merge(duplicate, Complaint.objects.get(pk=primary.pk), manager)
    primary.refresh_from_db()
    assert primary.support_needs.needs == ["telecare"]
    assert (primary.has_support_needs, primary.relies_on_landline_for_safety) == (True, True)
    assert set(primary.adjustments) == {"large_print", "no_phone_calls"}


def test_both_needs_records_are_joined_on_the_primary(manager):
    primary, duplicate = (filed_complaint(email="zoe@example.com") for _ in range(2))
    for complaint, needs in ((primary, ["hearing"]), (duplicate, ["telecare", "sight"])):
        Complaint.objects.filter(pk=complaint.pk).update(has_support_needs=True)
        SupportNeeds.objects.create(
            complaint=complaint,
            needs=needs,
            consent_given_on=timezone.localdate(),
            review_due_on=timezone.localdate() + timedelta(days=365),
        )
    merge(duplicate, Complaint.objects.get(pk=primary.pk), manager)
    primary.refresh_from_db()
    assert sorted(primary.support_needs.needs) == ["hearing", "sight", "telecare"]
    assert primary.relies_on_landline_for_safety
    assert not SupportNeeds.objects.filter(complaint=duplicate).exists()


def test_redress_and_service_failures_move_and_a_merged_duplicate_is_not_reported_as_ended(manager):
    from escalation import redress, root_cause_reporting
    from escalation.models import Redress

    primary = filed_complaint(email="zoe@example.com")
    duplicate = filed_complaint(email="zoe@example.com")
    redress.record_redress(
        complaint=duplicate, by=manager, kind="apology", given_on=timezone.localdate(), amount=None
    )
    merge(duplicate, primary, manager)
    assert Redress.objects.get().complaint_id == primary.pk
    assert not root_cause_reporting.root_cause_report()  # nothing has ended
