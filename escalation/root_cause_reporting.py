"""Why customers complain and what we did about it, per month the complaint ended (resolved or
closed): counts by root cause and outcome, the share upheld, redress given, and automatic
compensation owed against paid. Aggregated in SQL: a fixed number of queries, however many rows.

Twelve months of them are about 4 s of SQL at a million complaints, so the report page shows them
as beat last stored them (`figures_to_store`, called by reporting.refresh_report_figures, and
`stored_report`), like the monthly report; the dashboard's top root causes of this month are counted
live from an index.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from complaints.models import Complaint
from escalation.models import Escalation, Outcome, Redress, ReportFigures, ServiceFailure
from escalation.working_days import LONDON

REPORT_MONTHS = 12
TOP_ROOT_CAUSES = 5
NOT_RECORDED = "Not recorded"
ZERO = Decimal("0.00")
PENNY = Decimal("0.01")
# ReportFigures groupings: a month ended and a root cause's id ("" when not recorded); and a month
# ended ("ended") or the complaints still open ("open", stored under the month it was computed in).
ROOT_CAUSES = "root_causes"
COMPENSATION = "compensation"
MONEY_KINDS = {
    "goodwill": Redress.Kind.GOODWILL_CREDIT,
    "refunds": Redress.Kind.REFUND,
    "automatic_compensation": Redress.Kind.AUTOMATIC_COMPENSATION,
}


@dataclass
class RootCauseRow:
    month: date
    root_cause: str
    root_cause_id: int | None = None
    ended: int = 0
    outcomes: dict = field(default_factory=dict)  # Outcome value -> count
    goodwill: Decimal = ZERO
    refunds: Decimal = ZERO
    automatic_compensation: Decimal = ZERO
    apologies: int = 0

    @property
    def outcome_counts(self) -> list[int]:
        """The count of each outcome, in the order of `Outcome`."""
        return [self.outcomes.get(value, 0) for value in Outcome.values]

    @property
    def with_an_outcome(self) -> int:
        return sum(self.outcomes.values())

    @property
    def upheld_share(self) -> int | None:
        """Upheld fully or in part, as a % of those whose outcome is recorded."""
        upheld = self.outcomes.get(Outcome.UPHELD, 0) + self.outcomes.get(Outcome.PARTLY_UPHELD, 0)
        return round(100 * upheld / self.with_an_outcome) if self.with_an_outcome else None

    @property
    def redress_total(self) -> Decimal:
        return self.goodwill + self.refunds + self.automatic_compensation


@dataclass
class CompensationMonth:
    month: date | None  # None: complaints still open
    complaints_owed: int = 0
    complaints_paid_in_full: int = 0
    owed: Decimal = ZERO
    paid: Decimal = ZERO


def _pounds(total: Decimal | None) -> Decimal:
    """A sum of amounts in pounds and pence. SQLite sums decimals as floats, and Django gives them
    back to 15 digits ("37.3100000000000"); PostgreSQL's sums are exact."""
    return (total or ZERO).quantize(PENNY)


def report_start(today: date, months: int = REPORT_MONTHS) -> date:
    return (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _month(value) -> date | None:
    return value.date() if isinstance(value, datetime) else value


def root_cause_report(*, months: int = REPORT_MONTHS, today: date | None = None) -> list[RootCauseRow]:
    """Per month ended and root cause: complaints, each outcome, % upheld and the redress given: 2 queries."""
    start = _start_of(report_start(today or timezone.localdate(), months))
    outcome_counts = {value: Count("pk", filter=Q(outcome=value)) for value in Outcome.values}
    counted = (
        # A merged duplicate did not end: its primary carries the complaint (and its redress).
        Escalation.objects.filter(resolved_at__gte=start)
        .exclude(complaint__status=Complaint.Status.MERGED)
        .annotate(month=TruncMonth("resolved_at"))
        .values("month", "root_cause", "root_cause__group__name", "root_cause__name")
        .annotate(ended=Count("pk"), **outcome_counts)
    )
    rows: dict[tuple, RootCauseRow] = {}
    for each in counted:
        label = (
            f"{each['root_cause__group__name']} → {each['root_cause__name']}"
            if each["root_cause"]
            else NOT_RECORDED
        )
        rows[(_month(each["month"]), each["root_cause"])] = RootCauseRow(
            month=_month(each["month"]),
            root_cause=label,
            root_cause_id=each["root_cause"],
            ended=each["ended"],
            outcomes={value: each[value] for value in Outcome.values if each[value]},
        )
    given = (
        Redress.objects.filter(complaint__escalation__resolved_at__gte=start)
        .annotate(
            month=TruncMonth("complaint__escalation__resolved_at"),
            cause=F("complaint__escalation__root_cause"),
        )
        .values("month", "cause")
        .annotate(
            apologies=Count("pk", filter=Q(kind=Redress.Kind.APOLOGY)),
            **{name: Sum("amount", filter=Q(kind=kind)) for name, kind in MONEY_KINDS.items()},
        )
    )
    for each in given:
        row = rows.get((_month(each["month"]), each["cause"]))
        if row is None:
            continue
        row.apologies = each["apologies"]
        for name in MONEY_KINDS:
            setattr(row, name, _pounds(each[name]))
    return sorted(rows.values(), key=_report_order)


def compensation_owed_and_paid(
    *, months: int = REPORT_MONTHS, today: date | None = None
) -> list[CompensationMonth]:
    """Automatic compensation per month the complaint ended (and on open complaints): owed, paid, and how
    many complaints were paid in full: 1 query, one row per complaint with a failure recorded."""
    start = _start_of(report_start(today or timezone.localdate(), months))
    paid = (
        Redress.objects.filter(complaint=OuterRef("complaint"), kind=Redress.Kind.AUTOMATIC_COMPENSATION)
        .values("complaint")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    per_complaint = (
        ServiceFailure.objects.filter(
            Q(complaint__escalation__resolved_at__gte=start)
            | Q(complaint__escalation__resolved_at__isnull=True)
        )
        .values("complaint")
        .annotate(
            month=TruncMonth("complaint__escalation__resolved_at"),
            owed=Sum("compensation_owed"),
            paid=Subquery(paid),
        )
    )
    by_month: dict[date | None, CompensationMonth] = {}
    for each in per_complaint:
        if not each["owed"]:
            continue
        month = _month(each["month"])
        row = by_month.setdefault(month, CompensationMonth(month=month))
        owed, paid_here = _pounds(each["owed"]), _pounds(each["paid"])
        row.complaints_owed += 1
        row.complaints_paid_in_full += paid_here >= owed
        row.owed += owed
        row.paid += paid_here
    return sorted(by_month.values(), key=_compensation_order, reverse=True)


def figures_to_store(*, today: date, computed_at: datetime) -> list[ReportFigures]:
    """Both tables of the report, as ReportFigures rows for beat to store (unsaved)."""
    stored = [
        ReportFigures(
            grouping=ROOT_CAUSES,
            period=row.month,
            group=str(row.root_cause_id or ""),
            figures={
                "root_cause": row.root_cause,
                "ended": row.ended,
                "outcomes": row.outcomes,
                "apologies": row.apologies,
                **{name: str(getattr(row, name)) for name in MONEY_KINDS},
            },
            computed_at=computed_at,
        )
        for row in root_cause_report(today=today)
    ]
    stored += [
        ReportFigures(
            grouping=COMPENSATION,
            period=row.month or today.replace(day=1),
            group="ended" if row.month else "open",
            figures={
                "complaints_owed": row.complaints_owed,
                "complaints_paid_in_full": row.complaints_paid_in_full,
                "owed": str(row.owed),
                "paid": str(row.paid),
            },
            computed_at=computed_at,
        )
        for row in compensation_owed_and_paid(today=today)
    ]
    return stored


def stored_report() -> tuple[list[RootCauseRow], list[CompensationMonth], datetime | None]:
    """The report as beat last stored it, and when (None if never yet): one query."""
    rows, compensation, computed = [], [], []
    for stored in ReportFigures.objects.filter(
        grouping__in=[ROOT_CAUSES, COMPENSATION, ReportFigures.COMPUTED]
    ):
        figures = stored.figures
        computed.append(stored.computed_at)
        if stored.grouping == ReportFigures.COMPUTED:
            continue
        if stored.grouping == ROOT_CAUSES:
            rows.append(
                RootCauseRow(
                    month=stored.period,
                    root_cause=figures["root_cause"],
                    root_cause_id=int(stored.group) if stored.group else None,
                    ended=figures["ended"],
                    outcomes=figures["outcomes"],
                    apologies=figures["apologies"],
                    **{name: Decimal(figures[name]) for name in MONEY_KINDS},
                )
            )
        else:
            compensation.append(
                CompensationMonth(
                    month=stored.period if stored.group == "ended" else None,
                    complaints_owed=figures["complaints_owed"],
                    complaints_paid_in_full=figures["complaints_paid_in_full"],
                    owed=Decimal(figures["owed"]),
                    paid=Decimal(figures["paid"]),
                )
            )
    rows.sort(key=_report_order)
    compensation.sort(key=_compensation_order, reverse=True)
    return rows, compensation, min(computed, default=None)


def _report_order(row: RootCauseRow) -> tuple:
    return -row.month.toordinal(), -row.ended, row.root_cause


def _compensation_order(row: CompensationMonth) -> int:
    return row.month.toordinal() if row.month else 10**7  # the complaints still open first


def top_root_causes(*, today: date | None = None, limit: int = TOP_ROOT_CAUSES) -> list[dict]:
    """The root causes of the most complaints ended this month, most first: 1 query."""
    today = today or timezone.localdate()
    return [
        {"root_cause": f"{row['root_cause__group__name']} → {row['root_cause__name']}", "count": row["count"]}
        for row in Escalation.objects.filter(
            resolved_at__gte=_start_of(today.replace(day=1)), root_cause__isnull=False
        )
        .values("root_cause", "root_cause__group__name", "root_cause__name")
        # The root cause is counted, not the key, which the index of ended complaints lacks.
        .annotate(count=Count("root_cause"))
        .order_by("-count", "root_cause__group__name", "root_cause__name")[:limit]
    ]
