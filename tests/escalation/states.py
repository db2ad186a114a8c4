"""Complaints in each state the stage rules tell apart, built with the real services: shared by the
action-rules property test and the accessibility tests (every page in every state)."""

from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint
from escalation import ombudsman, services
from tests.complaints.factories import pdf_upload
from tests.escalation.factories import conclude, conclusion, filed_complaint


def proposed(complaint, by):
    services.propose_resolution(complaint=complaint, by=by, resolution="A refund of £20.")


def referred(complaint, by):
    proposed(complaint, by)
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.EMAIL,
    )


def answered(complaint, by):
    referred(complaint, by)
    services.record_stage_two_response(
        complaint=complaint, by=by, response="Our answer.", document=pdf_upload()
    )


def with_the_md(complaint, by):
    answered(complaint, by)
    services.request_md_review(complaint=complaint, by=by, reason="Still unhappy.")


def md_decided(complaint, by):
    with_the_md(complaint, by)
    services.record_md_decision(complaint=complaint, by=by, decision="We uphold the refund.")


def deadlocked(complaint, by):
    services.declare_deadlock(complaint=complaint, by=by, final_position="We can do no more.")


def with_the_ombudsman(complaint, by):
    ombudsman.record_ombudsman_referral(
        complaint=complaint, by=by, scheme_reference="CO-1", referred_on=timezone.localdate()
    )


def remedy_owed(complaint, by):
    with_the_ombudsman(complaint, by)
    ombudsman.record_ombudsman_decision(
        complaint=complaint,
        by=by,
        decision_on=timezone.localdate(),
        customer_response="accepted",
        customer_responded_on=timezone.localdate(),
    )


def remedy_done(complaint, by):
    remedy_owed(complaint, by)
    ombudsman.record_ombudsman_remedy_done(complaint=complaint, by=by, done_on=timezone.localdate())


def resolved(complaint, by):
    proposed(complaint, by)
    services.record_customer_acceptance(complaint=complaint, by=by, **conclusion())


def closed_unresolved(complaint, by):
    conclude(complaint, by=by, outcome="not_upheld")
    complaint_services.change_complaint_status(
        complaint=complaint, new_status=Complaint.Status.CLOSED, by=by, note="We can do no more."
    )


# (days since first received, how it got there)
STATES = {
    "new": (1, None),
    "proposed": (2, proposed),
    "stage 1 target missed": (8, None),
    "deadlocked at stage 1": (3, deadlocked),
    "with the Complaints Manager": (5, referred),
    "answered by the Complaints Manager": (5, answered),
    "with the Managing Director": (5, with_the_md),
    "decided by the Managing Director": (5, md_decided),
    "past the ADR period, unresolved": (50, proposed),
    "with the ombudsman": (50, with_the_ombudsman),
    "ombudsman decision accepted": (50, remedy_owed),
    "ombudsman remedy done": (50, remedy_done),
    "resolved": (4, resolved),
    "closed unresolved": (4, closed_unresolved),
}


def complaint_in(state: str, *, by, **overrides) -> Complaint:
    """A complaint in one of STATES, first received the state's number of days ago."""
    days, reach = STATES[state]
    complaint = filed_complaint(days_ago=days, **overrides)
    if reach is not None:
        reach(complaint, by)
    return Complaint.objects.get(pk=complaint.pk)
