"""Writes for what we did about a complaint: its root cause and outcome, the redress we gave, the
service failures that owe automatic compensation, and the rates that price them.

Each complaint service opens the complaint's case (locked once) and asks its action's rule, like
the stage actions in `escalation/services.py`; the staff member acting is `by`.
"""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from complaints.transactions import one_transaction
from escalation import compensation, conclusions
from escalation.case import open_case
from escalation.models import (
    CompensationKind,
    CompensationRate,
    Escalation,
    Redress,
    RootCause,
    ServiceFailure,
)
from escalation.rules import Action
from escalation.working_days import working_calendar


@one_transaction
def record_conclusion(*, complaint: Complaint, by, root_cause: RootCause | None, outcome: str) -> Escalation:
    """Record (or correct) why the customer complained and how it ended, before or after it ended."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_CONCLUSION)
        conclusions.conclude(case, by=by, root_cause=root_cause, outcome=outcome)
    return case.escalation


@one_transaction
def record_redress(
    *, complaint: Complaint, by, kind: str, given_on: date, amount: Decimal | None = None
) -> Redress:
    """Something we gave the customer to put it right (money with its amount), on the day given."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_REDRESS)
        problems = {}
        if kind not in Redress.Kind.values:
            problems["kind"] = "Choose what was given."
        elif kind in Redress.MONETARY_KINDS and (amount is None or amount <= 0):
            problems["amount"] = (
                f"Give the amount of the {Redress.Kind(kind).label.removesuffix(' (£)').lower()}."
            )
        elif kind not in Redress.MONETARY_KINDS and amount is not None:
            problems["amount"] = "Only money has an amount; leave it empty."
        if given_on > timezone.localdate():
            problems["given_on"] = "This date cannot be in the future."
        if problems:
            raise ValidationError(problems)
        redress = Redress.objects.create(
            complaint=case.complaint, kind=kind, amount=amount, given_on=given_on, recorded_by=by
        )
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.INTERNAL_NOTE,
            body=f"Redress: {redress}.",
            by=by,
        )
    return redress


@one_transaction
def record_service_failure(
    *,
    complaint: Complaint,
    by,
    kind: str,
    fault_reported_at: datetime | None = None,
    fault_fixed_at: datetime | None = None,
    appointment_on: date | None = None,
    promised_start_on: date | None = None,
    service_started_on: date | None = None,
) -> ServiceFailure:
    """A delayed repair, missed appointment or late start on a fault or installation complaint, with
    the automatic compensation it owes at the rates in force on each day."""
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.RECORD_SERVICE_FAILURE)
        if kind not in CompensationKind.values:
            raise ValidationError({"kind": "Choose the kind of failure."})
        dates = {
            "fault_reported_at": fault_reported_at,
            "fault_fixed_at": fault_fixed_at,
            "appointment_on": appointment_on,
            "promised_start_on": promised_start_on,
            "service_started_on": service_started_on,
        }
        problems = compensation.missing_dates(kind, **dates)
        if (
            not problems
            and kind == CompensationKind.DELAYED_PROVISION
            and service_started_on <= promised_start_on
        ):
            # Nothing owed, and no failure to record: the promised day was met.
            problems["service_started_on"] = (
                "The service started on or before the promised day: it was not late."
            )
        now = timezone.now()
        for field, value in dates.items():
            later = value > now if isinstance(value, datetime) else value is not None and value > now.date()
            if later:
                problems.setdefault(field, "This date cannot be in the future.")
        if problems:
            raise ValidationError(problems)
        failure = ServiceFailure(complaint=case.complaint, kind=kind, recorded_by=by, **dates)
        _price(failure, _rates(kind))
        failure.save(force_insert=True)
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.INTERNAL_NOTE,
            body=f"Automatic compensation: {failure.get_kind_display()}, £{failure.compensation_owed:,.2f} owed.",
            by=by,
        )
    return failure


@one_transaction
def withdraw_record(*, complaint: Complaint, by, record: str, reason: str) -> None:
    """Remove a redress or service-failure record made in error (a mistyped amount, wrong dates),
    saying on the timeline what it was, who withdrew it and why: the reports and totals stop counting it."""
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": "Say why the record was wrong."})
    kind, _, pk = record.partition(":")
    model = {"redress": Redress, "failure": ServiceFailure}.get(kind)
    with open_case(complaint) as case:
        case.refuse_unless_allowed(Action.WITHDRAW_REDRESS)
        found = (
            model.objects.filter(complaint=case.complaint, pk=pk).first() if model and pk.isdigit() else None
        )
        if found is None:
            raise ValidationError({"record": "Choose one of this complaint's records."})
        described = str(found)
        found.delete()
        complaint_services.record_event(
            complaint=case.complaint,
            kind=TimelineEntry.Kind.RECORD_CORRECTED,
            body=f"Withdrawn, as recorded in error: {described}. Reason: {reason}",
            by=by,
        )


@one_transaction
def save_compensation_rate(*, rate: CompensationRate, by, previous: tuple[str, date] | None = None) -> int:
    """Save a rate (new or corrected) and work out again what every failure it prices owes; returns how many."""
    rate.full_clean()
    rate.save()
    kinds_and_dates = [(rate.kind, rate.effective_from), *([previous] if previous else [])]
    return _reprice(kinds_and_dates)


@one_transaction
def remove_compensation_rates(*, rates: QuerySet, by) -> int:
    """Remove rates entered in error; the failures they priced are worked out again. Returns how many."""
    kinds_and_dates = list(rates.values_list("kind", "effective_from"))
    rates.delete()
    return _reprice(kinds_and_dates)


def _reprice(kinds_and_dates: list[tuple[str, date]]) -> int:
    """Reprice the failures with a day (or appointment) on or after the earliest changed date of its kind."""
    repriced = []
    for kind in {kind for kind, _ in kinds_and_dates}:
        since = min(day for each, day in kinds_and_dates if each == kind)
        rates = _rates(kind)
        for failure in ServiceFailure.objects.filter(_touching(kind, since)):
            _price(failure, rates)
            repriced.append(failure)
    ServiceFailure.objects.bulk_update(repriced, ["compensation_owed", "days_without_a_rate"], batch_size=500)
    return len(repriced)


def _touching(kind: str, since: date) -> Q:
    last_day_field = {
        CompensationKind.DELAYED_REPAIR: "fault_fixed_at__date__gte",
        CompensationKind.MISSED_APPOINTMENT: "appointment_on__gte",
        CompensationKind.DELAYED_PROVISION: "service_started_on__gte",
    }[kind]
    return Q(kind=kind, **{last_day_field: since})


def _rates(kind: str) -> list[compensation.Rate]:
    return [
        compensation.Rate(kind, effective_from, amount)
        for effective_from, amount in CompensationRate.objects.filter(kind=kind).values_list(
            "effective_from", "amount"
        )
    ]


def _price(failure: ServiceFailure, rates: list[compensation.Rate]) -> None:
    calculation = calculation_for(failure, rates)
    failure.compensation_owed = calculation.total
    failure.days_without_a_rate = len(calculation.days_without_a_rate)


def calculation_for(failure: ServiceFailure, rates: list[compensation.Rate]) -> compensation.Calculation:
    """The calculator's working for a recorded failure (pure: the rates are given)."""
    return compensation.calculate(
        failure.kind,
        rates=rates,
        calendar=working_calendar(),
        fault_reported_at=failure.fault_reported_at,
        fault_fixed_at=failure.fault_fixed_at,
        appointment_on=failure.appointment_on,
        promised_start_on=failure.promised_start_on,
        service_started_on=failure.service_started_on,
    )
