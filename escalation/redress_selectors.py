"""Reads for the complaint page's "Root cause and redress" panel: a fixed number of queries."""

from dataclasses import dataclass
from decimal import Decimal

from complaints.models import Complaint
from escalation import compensation
from escalation.models import CompensationRate, Escalation, Outcome, Redress, RootCause, ServiceFailure
from escalation.redress import calculation_for

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class FailureWorking:
    failure: ServiceFailure
    calculation: compensation.Calculation

    @property
    def working(self) -> str:
        """How the amount was reached, as staff check it: "4 x £9.99 + 2 x £10.34"."""
        parts = [
            f"{count} x £{rate}" if rate is not None else f"{count} with no rate recorded"
            for rate, count in self.calculation.by_rate()
        ]
        return " + ".join(parts) or "nothing owed"


@dataclass(frozen=True)
class RedressSummary:
    escalation: Escalation
    root_cause: RootCause | None
    redress: list[Redress]
    failures: list[FailureWorking]
    compensation_owed: Decimal
    compensation_paid: Decimal

    @property
    def outcome(self) -> str:
        return Outcome(self.escalation.outcome).label if self.escalation.outcome else ""

    @property
    def compensation_state(self) -> str:
        if not self.failures:
            return ""
        if self.compensation_owed == ZERO:
            return "nothing owed"
        if self.compensation_paid >= self.compensation_owed:
            return "paid"
        if self.compensation_paid > ZERO:
            return f"part paid: £{self.compensation_owed - self.compensation_paid:,.2f} still owed"
        return "not paid"

    @property
    def days_without_a_rate(self) -> int:
        return sum(len(each.calculation.days_without_a_rate) for each in self.failures)


def redress_summary(complaint: Complaint, escalation: Escalation) -> RedressSummary:
    """The root cause, our redress, the failures with the calculator's working, and compensation
    owed against paid: 4 queries at most."""
    root_cause = (
        RootCause.objects.select_related("group").filter(pk=escalation.root_cause_id).first()
        if escalation.root_cause_id
        else None
    )
    redress = list(Redress.objects.filter(complaint=complaint).select_related("recorded_by"))
    failures = list(ServiceFailure.objects.filter(complaint=complaint))
    rates = (
        [
            compensation.Rate(kind, effective_from, amount)
            for kind, effective_from, amount in CompensationRate.objects.values_list(
                "kind", "effective_from", "amount"
            )
        ]
        if failures
        else []
    )
    workings = [FailureWorking(failure, calculation_for(failure, rates)) for failure in failures]
    paid = sum((each.amount for each in redress if each.kind == Redress.Kind.AUTOMATIC_COMPENSATION), ZERO)
    return RedressSummary(
        escalation=escalation,
        root_cause=root_cause,
        redress=redress,
        failures=workings,
        compensation_owed=sum((each.calculation.total for each in workings), ZERO),
        compensation_paid=paid,
    )
