"""Demo data for the root-cause reports: complaints that ended get a root cause from their category's
group and an outcome; some get redress, and some fault or installation complaints a service failure
with the automatic compensation it owes (paid, mostly). Written in bulk with each batch of the demo."""

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from complaints.models import Complaint
from escalation import compensation
from escalation.models import (
    CompensationKind,
    CompensationRate,
    Escalation,
    Outcome,
    Redress,
    RootCause,
    ServiceFailure,
)
from escalation.rules import AUTOMATIC_COMPENSATION_CATEGORIES
from escalation.working_days import LONDON, WorkingCalendar, london_date

GROUP_OF_CATEGORY = {
    Complaint.Category.BILLING: "Billing",
    Complaint.Category.BROADBAND_FAULT: "Fault",
    Complaint.Category.INSTALLATION: "Installation",
    Complaint.Category.CONTRACT: "Contract",
    Complaint.Category.CUSTOMER_SERVICE: "Customer service",
    Complaint.Category.DATA_PROTECTION: "Data protection",
    Complaint.Category.OTHER: "Other",
}
OUTCOME_WEIGHTS = {
    Outcome.UPHELD: 35,
    Outcome.PARTLY_UPHELD: 25,
    Outcome.NOT_UPHELD: 30,
    Outcome.WITHDRAWN: 10,
}
FAILURE_SHARE, PAID_SHARE = 0.3, 0.7
AMOUNTS = [Decimal(n) for n in (5, 10, 15, 20, 30, 50)]


@dataclass(frozen=True)
class Taxonomy:
    causes_by_category: dict[str, list[RootCause]]
    rates: list[compensation.Rate]


def load_taxonomy() -> Taxonomy:
    """The active root causes by the category they fit, and the compensation rates: read once per demo."""
    by_group: dict[str, list[RootCause]] = {}
    for cause in RootCause.objects.filter(active=True, group__active=True).select_related("group"):
        by_group.setdefault(cause.group.name, []).append(cause)
    anything = [cause for causes in by_group.values() for cause in causes]
    return Taxonomy(
        causes_by_category={
            category: by_group.get(group) or anything for category, group in GROUP_OF_CATEGORY.items()
        },
        rates=[
            compensation.Rate(kind, effective_from, amount)
            for kind, effective_from, amount in CompensationRate.objects.values_list(
                "kind", "effective_from", "amount"
            )
        ],
    )


def conclude_and_redress(
    pairs: list[tuple[Complaint, Escalation]],
    *,
    taxonomy: Taxonomy,
    rng: random.Random,
    calendar: WorkingCalendar,
) -> tuple[list[Redress], list[ServiceFailure]]:
    """Give each ended complaint its root cause and outcome (before its clocks' rows are written), and
    return its redress and service failures, for the caller to write after the clocks."""
    redress, failures = [], []
    for complaint, escalation in pairs:
        causes = taxonomy.causes_by_category.get(complaint.category)
        if escalation.resolved_at is None or not causes:
            continue
        escalation.root_cause = rng.choice(causes)
        escalation.outcome = rng.choices(list(OUTCOME_WEIGHTS), weights=OUTCOME_WEIGHTS.values())[0]
        given_on = london_date(escalation.resolved_at)
        if escalation.outcome in (Outcome.UPHELD, Outcome.PARTLY_UPHELD):
            if rng.random() < 0.8:
                redress.append(Redress(complaint=complaint, kind=Redress.Kind.APOLOGY, given_on=given_on))
            if rng.random() < 0.5:
                kind = rng.choice([Redress.Kind.GOODWILL_CREDIT, Redress.Kind.REFUND])
                redress.append(
                    Redress(complaint=complaint, kind=kind, amount=rng.choice(AMOUNTS), given_on=given_on)
                )
        if complaint.category in AUTOMATIC_COMPENSATION_CATEGORIES and rng.random() < FAILURE_SHARE:
            failure = _failure(complaint, taxonomy=taxonomy, rng=rng, calendar=calendar)
            failures.append(failure)
            if failure.compensation_owed and rng.random() < PAID_SHARE:
                redress.append(
                    Redress(
                        complaint=complaint,
                        kind=Redress.Kind.AUTOMATIC_COMPENSATION,
                        amount=failure.compensation_owed,
                        given_on=given_on,
                    )
                )
    return redress, failures


def _failure(complaint: Complaint, *, taxonomy: Taxonomy, rng: random.Random, calendar) -> ServiceFailure:
    first = complaint.first_received_at.astimezone(LONDON)
    if complaint.category == Complaint.Category.INSTALLATION:
        dates = {"appointment_on": first.date() - timedelta(days=rng.randint(1, 10))}
        kind = CompensationKind.MISSED_APPOINTMENT
        if rng.random() < 0.5:
            promised: date = first.date() - timedelta(days=rng.randint(5, 15))
            dates = {
                "promised_start_on": promised,
                "service_started_on": promised + timedelta(days=rng.randint(1, 9)),
            }
            kind = CompensationKind.DELAYED_PROVISION
    else:
        reported = first - timedelta(days=rng.randint(3, 12))
        dates = {
            "fault_reported_at": reported,
            "fault_fixed_at": reported + timedelta(days=rng.randint(1, 10)),
        }
        kind = CompensationKind.DELAYED_REPAIR
    calculation = compensation.calculate(kind, rates=taxonomy.rates, calendar=calendar, **dates)
    return ServiceFailure(
        complaint=complaint,
        kind=kind,
        compensation_owed=calculation.total,
        days_without_a_rate=len(calculation.days_without_a_rate),
        **dates,
    )
