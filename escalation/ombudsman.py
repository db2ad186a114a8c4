"""Every write to a complaint's ombudsman case: the referral (stage 4), the decision, the remedy."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from complaints.transactions import one_transaction
from escalation import clocks, conclusions, signals
from escalation.case import open_case
from escalation.models import OmbudsmanCase, RootCause
from escalation.rules import Action
from escalation.services import (
    advance_stage,
    notify_with_ombudsman_paragraph,
    refuse_future_date,
    written_date,
)
from escalation.stages import Stage


@one_transaction
def record_ombudsman_referral(
    *, complaint: Complaint, by, scheme_reference: str, referred_on: date
) -> OmbudsmanCase:
    """The ombudsman has taken the complaint on: stage 4, from whichever stage it was at."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_OMBUDSMAN_REFERRAL)
        refuse_future_date(referred_on, "referred_on")
        advance_stage(
            complaint=case.complaint,
            to_stage=Stage.OMBUDSMAN,
            by=by,
            reason=f"Referred to the {settings.ADR_SCHEME['name']} (case {scheme_reference}).",
        )
        case.ombudsman_case = OmbudsmanCase.objects.create(
            complaint=case.complaint,
            scheme_reference=scheme_reference,
            referred_on=referred_on,
            recorded_by=by,
        )
    return case.ombudsman_case


@one_transaction
def record_ombudsman_decision(
    *,
    complaint: Complaint,
    by,
    decision_on: date,
    customer_response: str = "",
    customer_responded_on: date | None = None,
    apology: bool = False,
    explanation: bool = False,
    practical_action: bool = False,
    award_amount: Decimal | None = None,
) -> OmbudsmanCase:
    """The ombudsman's decision and the customer's answer; accepted, it binds us to a remedy within 28 days."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_OMBUDSMAN_DECISION)
        ombudsman_case = case.ombudsman_case
        refuse_future_date(decision_on, "decision_on")
        if decision_on < ombudsman_case.referred_on:
            raise ValidationError({"decision_on": "The decision cannot come before the referral."})
        if customer_response and customer_responded_on is None:
            raise ValidationError({"customer_responded_on": "Give the date the customer answered."})
        if customer_responded_on is not None:
            refuse_future_date(customer_responded_on, "customer_responded_on")
            if customer_responded_on < decision_on:
                raise ValidationError(
                    {"customer_responded_on": "The customer cannot answer before the decision."}
                )
        if award_amount is not None and award_amount < 0:
            raise ValidationError({"award_amount": "An award cannot be negative."})
        ombudsman_case.decision_on = decision_on
        ombudsman_case.customer_response = customer_response
        ombudsman_case.customer_responded_on = customer_responded_on if customer_response else None
        ombudsman_case.apology = apology
        ombudsman_case.explanation = explanation
        ombudsman_case.practical_action = practical_action
        ombudsman_case.award_amount = award_amount
        accepted = customer_response == OmbudsmanCase.CustomerResponse.ACCEPTED
        ombudsman_case.remedy_due = clocks.ombudsman_remedy_due(customer_responded_on) if accepted else None
        ombudsman_case.recorded_by = by
        ombudsman_case.save()
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.UPDATE,
            body=f"The ombudsman's decision was recorded: {ombudsman_case.get_customer_response_display()}.",
            by=by,
        )
        notify_with_ombudsman_paragraph(
            case,
            "ombudsman_decision_recorded",
            f"ombudsman-decision-{decision_on:%Y-%m-%d}-{customer_response or 'awaiting'}",
            outcome=lambda: str(ombudsman_case.get_customer_response_display()).lower(),
            remedy_due=written_date(ombudsman_case.remedy_due) if ombudsman_case.remedy_due else "",
        )
        signals.ombudsman_decision_recorded.send(
            sender=OmbudsmanCase, complaint=case.complaint, ombudsman_case=ombudsman_case
        )
    return ombudsman_case


@one_transaction
def record_ombudsman_remedy_done(*, complaint: Complaint, by, done_on: date) -> OmbudsmanCase:
    """We did what the accepted decision required."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_REMEDY_DONE)
        refuse_future_date(done_on, "done_on")
        case.ombudsman_case.remedy_done_on = done_on
        case.ombudsman_case.recorded_by = by
        case.ombudsman_case.save()
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.UPDATE,
            body=f"We put the ombudsman's decision into effect on {done_on:%-d %B %Y}.",
            by=by,
        )
    return case.ombudsman_case


@one_transaction
def close_after_the_ombudsman(
    *, complaint: Complaint, by, root_cause: RootCause | None = None, outcome: str = "", note: str = ""
) -> OmbudsmanCase:
    """Close a complaint whose ombudsman case is over: the customer rejected the decision, or accepted it
    and we put it into effect. Resolved in the second case, closed either way; no final position of
    ours is owed (the ombudsman has decided)."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.CLOSE_AFTER_THE_OMBUDSMAN)
        if root_cause is not None or outcome:
            conclusions.conclude(case, by=by, root_cause=root_cause, outcome=outcome)
        ombudsman_case = case.ombudsman_case
        accepted = ombudsman_case.customer_response == OmbudsmanCase.CustomerResponse.ACCEPTED
        outcome = (
            f"the customer accepted its decision and we put it into effect on {ombudsman_case.remedy_done_on:%-d %B %Y}"
            if accepted
            else "the customer did not accept its decision, which does not bind them"
        )
        if accepted:
            case.complaint = complaint_services.change_complaint_status(
                complaint=case.complaint,
                new_status=Complaint.Status.RESOLVED,
                by=by,
                note=f"The {settings.ADR_SCHEME['name']}'s decision was put into effect.",
            )
        case.complaint = complaint_services.change_complaint_status(
            complaint=case.complaint,
            new_status=Complaint.Status.CLOSED,
            by=by,
            note=f"Closed: the {settings.ADR_SCHEME['name']}'s case {ombudsman_case.scheme_reference} is over; "
            f"{outcome}. {note}".strip(),
        )
    return ombudsman_case
