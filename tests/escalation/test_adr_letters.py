"""The ADR letter as Ofcom GC C4 requires it (regulatory.md C4-03, C4-04, C4-05), as dated vectors.

Each test travels to the days it names (time-machine), so the letter, the clocks and the lists are
those of a real calendar: the day of the first complaint, day 42, day 50, day 60, a deadlock.
"""

from datetime import date, datetime, time

import pytest
import time_machine
from django.test import TestCase
from django.urls import reverse

from complaints import services as complaint_services
from complaints.models import Complaint
from escalation import reporting, services
from escalation.clocks import DeadlineKind
from escalation.models import DeadlineNotice, Escalation
from escalation.roles import COMPLAINTS_MANAGERS
from escalation.sweep import enforce_deadlines
from escalation.working_days import LONDON
from notifications.delivery import deliver_message
from notifications.models import OutboundMessage
from notifications.services import mark_letter_posted
from tests.complaints.factories import complaint_form_data
from tests.escalation.factories import conclude, conclusion, staff_member

pytestmark = pytest.mark.django_db

FIRST_COMPLAINT = date(2026, 6, 1)  # a Monday; day 42 is Monday 13 July 2026


def timezone_date(moment) -> date:
    return moment.astimezone(LONDON).date()


def on(day: date, hour: int = 10):
    """Travel to `day` at `hour` UK time, the clock standing still."""
    return time_machine.travel(datetime.combine(day, time(hour), tzinfo=LONDON), tick=False)


def day(n: int) -> date:
    return date.fromordinal(FIRST_COMPLAINT.toordinal() + n)


def file_on_first_day(**overrides) -> Complaint:
    with on(FIRST_COMPLAINT), TestCase.captureOnCommitCallbacks(execute=True):
        return complaint_services.file_complaint(**complaint_form_data(postcode="CB5 8LA", **overrides))


def clocks_of(complaint) -> Escalation:
    return Escalation.objects.get(pk=complaint.pk)


def letters(complaint):
    return OutboundMessage.objects.filter(reference=complaint.reference, template_key="adr_letter").order_by(
        "pk"
    )


def test_a_complaint_closed_without_a_resolution_the_customer_accepted_gets_the_letter_at_once():
    complaint = file_on_first_day()
    manager = staff_member(COMPLAINTS_MANAGERS)
    with on(day(3)):
        complaint_services.change_complaint_status(
            complaint=complaint, new_status=Complaint.Status.IN_PROGRESS, by=manager
        )
        conclude(complaint, by=manager, outcome="not_upheld")
        with pytest.raises(Exception, match="final position"):  # closing unresolved needs one
            complaint_services.change_complaint_status(
                complaint=complaint, new_status=Complaint.Status.CLOSED, by=manager
            )
        complaint_services.change_complaint_status(
            complaint=complaint,
            new_status=Complaint.Status.CLOSED,
            by=manager,
            note="The fault was on the customer's own wiring; we cannot do more.",
        )
        escalation = clocks_of(complaint)
        assert escalation.deadlocked_at is not None
        assert (escalation.next_deadline, escalation.next_deadline_kind) == (day(3), DeadlineKind.ADR_LETTER)
        assert enforce_deadlines().adr_letters == 1
    [letter] = letters(complaint)
    assert letter.context["at_deadlock"] is True
    assert "own wiring; we cannot do more." in letter.body_text
    assert "free and independent" in letter.body_text


def test_a_complaint_resolved_then_closed_owes_no_letter():
    complaint = file_on_first_day()
    manager = staff_member(COMPLAINTS_MANAGERS)
    with on(day(2)):
        services.propose_resolution(complaint=complaint, by=manager, resolution="A refund of £20.")
        services.record_customer_acceptance(complaint=complaint, by=manager, **conclusion())
        complaint_services.change_complaint_status(
            complaint=complaint, new_status=Complaint.Status.CLOSED, by=manager
        )
    with on(day(50)):
        assert enforce_deadlines().adr_letters == 0
        assert clocks_of(complaint).next_deadline is None


def test_a_paper_letter_not_yet_posted_is_still_owed_on_day_50_everywhere_staff_look(client):
    complaint = file_on_first_day(reply_preference=Complaint.ReplyPreference.LETTER)
    manager = staff_member(COMPLAINTS_MANAGERS)
    assert clocks_of(complaint).acknowledged_at is None  # the acknowledgement letter is not posted yet
    acknowledgement = OutboundMessage.objects.get(
        reference=complaint.reference, template_key="complaint_acknowledgement"
    )
    with on(day(1)):
        mark_letter_posted(message=acknowledgement, posted_on=day(1))
        services.propose_resolution(complaint=complaint, by=manager, resolution="A refund of £20.")
    assert clocks_of(complaint).acknowledged_at is not None
    with on(day(42)):
        assert enforce_deadlines().adr_letters == 1
    [letter] = letters(complaint)
    deliver_message(message_id=letter.pk)  # a letter: printed and posted by staff, so it waits
    assert OutboundMessage.objects.get(pk=letter.pk).status == OutboundMessage.Status.AWAITING_POST

    with on(day(50)):
        escalation = clocks_of(complaint)
        assert escalation.period_letter_queued_at is not None
        assert escalation.adr_letter_sent_at is None
        # The ADR letter is the only clock left, and it is overdue: written is not sent.
        assert (escalation.next_deadline, escalation.next_deadline_kind) == (day(42), DeadlineKind.ADR_LETTER)
        assert enforce_deadlines().adr_letters == 0  # written once, never twice
        rows = reporting.overdue_and_due_soon(reporting.DashboardFilters())
        assert [(row.reference, row.clock) for row in rows] == [(complaint.reference, "ADR letter")]
        client.force_login(manager)
        listed = client.get(reverse("admin:complaints_complaint_changelist"), {"deadline": "overdue"})
        assert complaint.reference in listed.content.decode()
        digest = OutboundMessage.objects.filter(template_key="daily_digest").latest("pk")
        assert complaint.reference in digest.body_text
        assert "ADR letter" in digest.body_text
        page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
        assert "written 13 Jul 2026; not sent yet (a letter: print and post it)" in page
        assert complaint.timeline.filter(
            kind="internal_note",
            body__startswith="ADR letter written (the ADR period ran out), to go by letter",
        ).exists()

        mark_letter_posted(message=OutboundMessage.objects.get(pk=letter.pk), posted_on=day(50))
        page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
        assert "written 13 Jul 2026; sent 21 Jul 2026 (late)" in page
    escalation = clocks_of(complaint)
    assert escalation.adr_letter_sent_at.date() == day(50)
    assert escalation.adr_letter_channel == "letter"
    assert escalation.adr_window_ends == date(2027, 7, 13)  # 12 months from the date printed on it
    assert escalation.next_deadline is None


def test_a_letter_written_on_day_60_says_how_long_it_really_has_been():
    complaint = file_on_first_day()
    with on(day(60)):  # the sweep did not run for 18 days (an outage)
        enforce_deadlines()
    [letter] = letters(complaint)
    assert "You first complained to us on 1 June 2026: that is 8 weeks and 4 days ago" in letter.body_text
    assert "has been with us for 6 weeks without being resolved" in letter.body_text  # the rule, as a rule
    assert "It is now 6 weeks" not in letter.body_text
    assert "until 31 July 2027" in letter.body_text


def test_deadlock_after_a_period_letter_sends_the_deadlock_letter_and_the_window_runs_from_it(client):
    complaint = file_on_first_day()
    manager = staff_member(COMPLAINTS_MANAGERS)
    with on(day(42)):
        enforce_deadlines()
        [period_letter] = letters(complaint)
        deliver_message(message_id=period_letter.pk)
    assert clocks_of(complaint).adr_window_ends == date(2027, 7, 13)

    with on(day(63)):
        services.declare_deadlock(
            complaint=complaint, by=manager, final_position="We have refunded £20 and can do no more."
        )
        assert clocks_of(complaint).next_deadline_kind == DeadlineKind.ADR_LETTER
        assert enforce_deadlines().adr_letters == 1
        deadlock_letter = letters(complaint).last()
        assert deadlock_letter.pk != period_letter.pk
        assert deadlock_letter.context["at_deadlock"] is True
        assert "We have refunded £20 and can do no more." in deadlock_letter.body_text
        assert "until 3 August 2027" in deadlock_letter.body_text
        deliver_message(message_id=deadlock_letter.pk)
        assert enforce_deadlines().adr_letters == 0
    escalation = clocks_of(complaint)
    assert escalation.adr_window_ends == date(2027, 8, 3)
    assert escalation.next_deadline is None
    assert set(DeadlineNotice.objects.filter(complaint=complaint).values_list("kind", flat=True)) >= {
        DeadlineNotice.Kind.ADR_LETTER,
        DeadlineNotice.Kind.ADR_LETTER_AT_DEADLOCK,
    }


def test_a_complaint_moving_on_a_stage_is_not_alerted_again_for_the_same_clock():
    complaint = file_on_first_day(reply_preference=Complaint.ReplyPreference.LETTER)  # not acknowledged
    manager = staff_member(COMPLAINTS_MANAGERS)
    with on(day(5)):
        enforce_deadlines()
        assert (
            DeadlineNotice.objects.filter(
                complaint=complaint, kind=DeadlineNotice.Kind.OVERDUE_ACKNOWLEDGEMENT
            ).count()
            == 1
        )
        alerts = OutboundMessage.objects.filter(template_key="overdue_alert").count()
        services.propose_resolution(complaint=complaint, by=manager, resolution="A refund.")
        services.record_referral_letter(
            complaint=complaint,
            by=manager,
            received_on=day(5),
            reply_preference=Complaint.ReplyPreference.LETTER,
        )
        assert clocks_of(complaint).stage == 2
    with on(day(6)):
        enforce_deadlines()
    assert (
        DeadlineNotice.objects.filter(
            complaint=complaint, kind=DeadlineNotice.Kind.OVERDUE_ACKNOWLEDGEMENT
        ).count()
        == 1
    )
    assert OutboundMessage.objects.filter(template_key="overdue_alert").count() == alerts


def test_a_letter_counts_from_the_day_it_was_posted_not_the_day_someone_records_it(client):
    complaint = file_on_first_day(reply_preference=Complaint.ReplyPreference.LETTER)  # Monday 1 June
    acknowledgement = OutboundMessage.objects.get(
        reference=complaint.reference, template_key="complaint_acknowledgement"
    )
    assert acknowledgement.status == OutboundMessage.Status.AWAITING_POST
    outbox = reverse("admin:notifications_outboundmessage_changelist")
    chosen = {"action": "mark_posted", "_selected_action": [acknowledgement.pk]}
    with on(day(7)):  # posted on Tuesday 2 June, recorded the next Monday
        client.force_login(staff_member(COMPLAINTS_MANAGERS))
        page = client.post(outbox, chosen)
        assert "A letter counts as sent on the day it was posted" in page.content.decode()
        refused = client.post(outbox, {**chosen, "posted_on": day(8).isoformat()})
        assert "in the future" in " ".join(str(m) for m in refused.wsgi_request._messages)
        client.post(outbox, {**chosen, "posted_on": day(1).isoformat()})
    escalation = clocks_of(complaint)
    assert timezone_date(escalation.acknowledged_at) == day(1)  # Tuesday 2 June: on time
    assert escalation.acknowledgement_due == day(1)
    assert OutboundMessage.objects.get(pk=acknowledgement.pk).posted_on == day(1)


def test_a_period_letter_never_posted_is_replaced_by_the_deadlock_letter_on_the_page(client):
    complaint = file_on_first_day(reply_preference=Complaint.ReplyPreference.LETTER)
    manager = staff_member(COMPLAINTS_MANAGERS)
    with on(day(42)):
        enforce_deadlines()
    with on(day(45)):
        services.declare_deadlock(complaint=complaint, by=manager, final_position="We can do no more.")
        enforce_deadlines()
        client.force_login(manager)
        page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert "written 13 Jul 2026; not sent; the deadlock letter replaces it" in page
    assert "written 16 Jul 2026; not sent yet (a letter: print and post it)" in page
    assert len(letters(complaint)) == 2
