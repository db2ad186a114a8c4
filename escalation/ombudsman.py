"""Every write to a complaint's ombudsman case: the referral (stage 4), the decision, the remedy."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from escalation import clocks
from escalation.models import OmbudsmanCase
from escalation.services import (
    advance_stage,
    lock_for_update,
    notify_with_ombudsman_paragraph,
    refuse_future_date,
    save_clocks,
)
from escalation.stages import Stage


@transaction.atomic
def record_ombudsman_referral(
    *, complaint: Complaint, scheme_reference: str, referred_on: date, recorded_by
) -> OmbudsmanCase:
    """The ombudsman has taken the complaint on: stage 4, from whichever stage it was at."""
    refuse_future_date(referred_on, "referred_on")
    advance_stage(
        complaint=complaint,
        to_stage=Stage.OMBUDSMAN,
        changed_by=recorded_by,
        reason=f"Referred to the {settings.ADR_SCHEME['name']} (case {scheme_reference}).",
    )
    return OmbudsmanCase.objects.create(
        complaint=complaint,
        scheme_reference=scheme_reference,
        referred_on=referred_on,
        recorded_by=recorded_by,
    )


@transaction.atomic
def record_ombudsman_decision(
    *,
    complaint: Complaint,
    recorded_by,
    decision_on: date,
    customer_response: str = "",
    customer_responded_on: date | None = None,
    apology: bool = False,
    explanation: bool = False,
    practical_action: bool = False,
    award_amount: Decimal | None = None,
) -> OmbudsmanCase:
    """The ombudsman's decision and the customer's answer; accepted, it binds us to a remedy within 28 days."""
    complaint, escalation = lock_for_update(complaint)
    case = OmbudsmanCase.objects.select_for_update().filter(complaint=complaint).first()
    if case is None:
        raise ValidationError("Record the ombudsman's case before its decision.")
    refuse_future_date(decision_on, "decision_on")
    if decision_on < case.referred_on:
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
    case.decision_on = decision_on
    case.customer_response = customer_response
    case.customer_responded_on = customer_responded_on if customer_response else None
    case.apology, case.explanation, case.practical_action = apology, explanation, practical_action
    case.award_amount = award_amount
    accepted = customer_response == OmbudsmanCase.CustomerResponse.ACCEPTED
    case.remedy_due = clocks.ombudsman_remedy_due(customer_responded_on) if accepted else None
    case.recorded_by = recorded_by
    case.save()
    complaint_services.record_event(
        complaint=complaint,
        kind=TimelineEntry.Kind.UPDATE,
        body=f"The ombudsman's decision was recorded: {case.get_customer_response_display()}.",
        author=recorded_by,
    )
    save_clocks(escalation, complaint=complaint, ombudsman_case=case)
    notify_with_ombudsman_paragraph(
        complaint,
        escalation,
        "ombudsman_decision_recorded",
        f"ombudsman-decision-{decision_on:%Y-%m-%d}-{customer_response or 'awaiting'}",
        outcome=case.get_customer_response_display().lower(),
        remedy_due=f"{case.remedy_due:%-d %B %Y}" if case.remedy_due else "",
    )
    return case


@transaction.atomic
def record_ombudsman_remedy_done(*, complaint: Complaint, done_on: date, recorded_by) -> OmbudsmanCase:
    """We did what the accepted decision required."""
    complaint, escalation = lock_for_update(complaint)
    case = OmbudsmanCase.objects.select_for_update().filter(complaint=complaint).first()
    if case is None or case.remedy_due is None:
        raise ValidationError("No accepted ombudsman decision is waiting to be put into effect.")
    refuse_future_date(done_on, "done_on")
    case.remedy_done_on = done_on
    case.recorded_by = recorded_by
    case.save()
    complaint_services.record_event(
        complaint=complaint,
        kind=TimelineEntry.Kind.UPDATE,
        body=f"We put the ombudsman's decision into effect on {done_on:%-d %B %Y}.",
        author=recorded_by,
    )
    save_clocks(escalation, complaint=complaint, ombudsman_case=case)
    return case
