"""Reads for the managers' dashboard and the regulator reports: aggregated in SQL, a fixed number of queries."""

import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Aggregate,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Func,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth, TruncWeek
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from escalation import clocks, root_cause_reporting, satisfaction
from escalation.clocks import DeadlineKind
from escalation.models import Escalation, OmbudsmanCase, ReportFigures, RootCause, SatisfactionSurvey
from escalation.stages import Stage
from escalation.working_days import LONDON, working_calendar

DUE_SOON_WORKING_DAYS = clocks.DUE_SOON_WORKING_DAYS
DASHBOARD_ROWS = 200
CHART_WEEKS = 12
REPORT_MONTHS = 12


@dataclass(frozen=True)
class DashboardFilters:
    category: str = ""
    assignee: str = ""  # a user id, "none" for unassigned, or "" for everyone

    def apply(self, escalations: QuerySet) -> QuerySet:
        if self.category:
            escalations = escalations.filter(complaint__category=self.category)
        if self.assignee == "none":
            escalations = escalations.filter(complaint__assigned_to__isnull=True)
        elif self.assignee.isascii() and self.assignee.isdigit():
            escalations = escalations.filter(complaint__assigned_to_id=int(self.assignee))
        return escalations


@dataclass(frozen=True)
class DashboardRow:
    reference: str
    customer_name: str
    stage: str
    clock: str
    due: date
    days_overdue: int
    working_days_overdue: int
    owner: str
    admin_url: str


def overdue_and_due_soon(filters: DashboardFilters, *, today: date | None = None) -> list[DashboardRow]:
    """Complaints whose next deadline has passed or comes within 2 working days, oldest first: one query."""
    today = today or timezone.localdate()
    calendar = working_calendar()
    until = calendar.add_working_days(today, DUE_SOON_WORKING_DAYS)
    escalations = (
        filters.apply(Escalation.objects.filter(next_deadline__lte=until))
        .select_related("complaint", "complaint__assigned_to")
        .order_by("next_deadline", "complaint__first_received_at")[:DASHBOARD_ROWS]
    )
    rows = []
    for escalation in escalations:
        complaint, owner = escalation.complaint, escalation.complaint.assigned_to
        rows.append(
            DashboardRow(
                reference=complaint.reference,
                customer_name=complaint.customer_name,
                stage=str(Stage(escalation.stage).label),
                clock=DeadlineKind(escalation.next_deadline_kind).label,
                due=escalation.next_deadline,
                days_overdue=max((today - escalation.next_deadline).days, 0),
                working_days_overdue=max(calendar.working_days_between(escalation.next_deadline, today), 0),
                owner=(owner.get_full_name() or owner.get_username()) if owner else "",
                admin_url=reverse("admin:complaints_complaint_change", args=[complaint.pk]),
            )
        )
    return rows


def counts_per_stage(filters: DashboardFilters, *, today: date | None = None) -> list[dict]:
    """Open complaints per stage, with how many are overdue and due soon: one query."""
    found = {row["stage"]: row for row in stage_counts(filters, today=today or timezone.localdate())}
    return [
        {
            "stage": str(stage.label),
            **{key: found.get(stage.value, {}).get(key, 0) for key in ("open", "overdue", "due_soon")},
        }
        for stage in Stage
    ]


def stage_counts(filters: DashboardFilters, *, today: date) -> QuerySet:
    """Counted from the escalations alone: one is open exactly while it has no resolved_at (every
    change of status sets or clears it, services.note_status_change), so without a filter the counts
    read only the partial index of open escalations (58,800 of a million), never the complaints."""
    until = working_calendar().add_working_days(today, DUE_SOON_WORKING_DAYS)
    return (
        filters.apply(Escalation.objects.filter(resolved_at__isnull=True))
        .values("stage")
        # The stage is counted (never empty), not the key: the index holds stage and deadline only,
        # and counting the key read every open row too (124 ms at a million, not 6 ms).
        .annotate(
            open=Count("stage"),
            overdue=Count("stage", filter=Q(next_deadline__lt=today)),
            due_soon=Count("stage", filter=Q(next_deadline__gte=today, next_deadline__lte=until)),
        )
        .order_by("stage")
    )


def weekly_on_time_shares(filters: DashboardFilters, *, today: date | None = None) -> list[dict]:
    """For each of the last 12 weeks: the share of acknowledgements within 1 working day (by week received)
    and of stage 2 responses within 10 working days (by week due): two grouped queries."""
    today = today or timezone.localdate()
    counts = weekly_on_time_counts(filters.apply(Escalation.objects.all()), today=today)
    return _weekly_rows({week: shares for (week, _), shares in counts.items()}, today=today)


def stored_weekly_on_time_shares(filters: DashboardFilters) -> list[dict]:
    """The dashboard's chart from the figures beat stores by week and category (one query): the last
    12 weeks of complaints are too many to count on each view at a million. One person's complaints
    are few, so with an assignee chosen the shares are counted live."""
    if filters.assignee:
        return weekly_on_time_shares(filters)
    today = timezone.localdate()
    stored = ReportFigures.objects.filter(grouping=WEEKLY_BY_CATEGORY, period__gte=_first_chart_week(today))
    if filters.category:
        stored = stored.filter(group=filters.category)
    by_week: dict[date, dict] = {}
    for row in stored:
        shares = by_week.setdefault(row.period, {})
        for name, (on_time, total) in row.figures.items():
            before = shares.get(name, (0, 0))
            shares[name] = (before[0] + on_time, before[1] + total)
    return _weekly_rows(by_week, today=today)


def weekly_on_time_counts(escalations: QuerySet, *, today: date, by_category: bool = False) -> dict:
    """{(week, category or None): {"acknowledged": (on time, total), "responded": (…)}} for the
    chart's 12 weeks: two grouped queries."""
    start = _first_chart_week(today)
    groups = ("week", "complaint__category") if by_category else ("week",)
    acknowledgements = (
        escalations.filter(complaint__first_received_at__gte=_start_of(start))
        .annotate(week=TruncWeek("complaint__first_received_at"))
        .values(*groups)
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(acknowledged_at__date__lte=F("acknowledgement_due"))),
        )
    )
    responses = (
        escalations.filter(stage_two_response_due__gte=start, stage_two_response_due__lte=today)
        .annotate(week=TruncWeek("stage_two_response_due"))
        .values(*groups)
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=Q(stage_two_response_sent_at__date__lte=F("stage_two_response_due"))),
        )
    )
    counts: dict[tuple, dict] = {}
    for name, rows in (("acknowledged", acknowledgements), ("responded", responses)):
        for row in rows:
            week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
            counts.setdefault((week, row.get("complaint__category")), {})[name] = (
                row["on_time"],
                row["total"],
            )
    return counts


def _first_chart_week(today: date) -> date:
    return today - timedelta(days=today.weekday()) - timedelta(weeks=CHART_WEEKS - 1)


def _weekly_rows(by_week: dict[date, dict], *, today: date) -> list[dict]:
    start = _first_chart_week(today)
    weeks = [start + timedelta(weeks=n) for n in range(CHART_WEEKS)]
    return [
        {
            "week": week,
            "acknowledged": _share(*by_week.get(week, {}).get("acknowledged", (0, 0))),
            "acknowledged_counts": by_week.get(week, {}).get("acknowledged", (0, 0)),
            "responded": _share(*by_week.get(week, {}).get("responded", (0, 0))),
            "responded_counts": by_week.get(week, {}).get("responded", (0, 0)),
        }
        for week in weeks
    ]


def _start_of(day: date) -> datetime:
    """Midnight in London at the start of `day`: a range on the indexed column, not a cast of every row."""
    return datetime.combine(day, time.min, tzinfo=LONDON)


def _share(on_time: int, total: int) -> int | None:
    return round(100 * on_time / total) if total else None


# --- The monthly report ------------------------------------------------------------------------


class Median(Aggregate):
    """PostgreSQL's median (of seconds); other databases get it computed in Python (see monthly_report)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


REPORT_GROUPS = {"category": Complaint.Category, "channel": Complaint.Channel}


def refresh_minutes() -> int:
    """How often beat recomputes the report (REPORT_FIGURES_SECONDS); the page reads what it stored."""
    return round(settings.REPORT_FIGURES_SECONDS / 60)


WEEKLY_BY_CATEGORY = "week_by_category"


def stored_monthly_report(*, by: str = "category") -> tuple[list[dict], datetime | None]:
    """The monthly report as beat last computed it, and when (None if never yet): one query."""
    return _stored_rows(by, dict(REPORT_GROUPS[by].choices))


def _stored_rows(grouping: str, labels: dict) -> tuple[list[dict], datetime | None]:
    # A read never computes what is missing (STYLE 10): the worker computes the figures when it
    # starts (escalation.tasks), seed_demo after seeding, and beat every REPORT_FIGURES_SECONDS.
    stored = list(
        ReportFigures.objects.filter(grouping__in=[grouping, ReportFigures.COMPUTED]).order_by(
            "-period", "group"
        )
    )
    rows = [
        {
            **row.figures,
            "month": row.period,
            "group": row.group,
            "group_label": labels.get(row.group, row.group),
        }
        for row in stored
        if row.grouping == grouping
    ]
    return rows, min((row.computed_at for row in stored), default=None)


@transaction.atomic
def refresh_report_figures() -> int:
    """Compute the monthly report by each grouping, the dashboard's weekly shares by category and the
    root-cause report, and replace the stored figures; returns how many rows were stored."""
    computed_at = timezone.now()
    today = timezone.localdate(computed_at)
    figures = [
        ReportFigures(
            grouping=grouping,
            period=row["month"],
            group=row["group"],
            figures={
                key: value for key, value in row.items() if key not in ("month", "group", "group_label")
            },
            computed_at=computed_at,
        )
        for grouping, rows in [
            *((by, monthly_report(by=by, today=today)) for by in REPORT_GROUPS),
            *(
                (f"satisfaction_by_{by}", satisfaction_report(by=by, today=today))
                for by in SATISFACTION_GROUPS
            ),
        ]
        for row in rows
    ]
    figures += [
        ReportFigures(
            grouping=WEEKLY_BY_CATEGORY, period=week, group=category, figures=shares, computed_at=computed_at
        )
        for (week, category), shares in weekly_on_time_counts(
            Escalation.objects.all(), today=today, by_category=True
        ).items()
    ]
    figures += root_cause_reporting.figures_to_store(today=today, computed_at=computed_at)
    figures.append(
        ReportFigures(
            grouping=ReportFigures.COMPUTED, period=today, group="", figures={}, computed_at=computed_at
        )
    )
    ReportFigures.objects.all().delete()
    ReportFigures.objects.bulk_create(figures)
    return len(figures)


def monthly_report(
    *, by: str = "category", months: int = REPORT_MONTHS, today: date | None = None
) -> list[dict]:
    """Per month of first receipt and per category (or channel), what Ofcom and the board ask about."""
    today = today or timezone.localdate()
    group_field = f"complaint__{by}"
    labels = dict(REPORT_GROUPS[by].choices)
    start = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    resolved_days = ExpressionWrapper(
        F("resolved_at") - F("complaint__first_received_at"), output_field=DurationField()
    )
    answered_on_time = Q(stage_one_answered_at__date__lte=F("stage_one_due"))
    aggregates = {
        "received": Count("pk"),
        "acknowledged_on_time": Count("pk", filter=Q(acknowledged_at__date__lte=F("acknowledgement_due"))),
        "resolved_at_stage_one_on_time": Count(
            "pk",
            filter=answered_on_time
            & Q(
                stage=Stage.DIRECT_CONTACT,
                complaint__status__in=[Complaint.Status.RESOLVED, Complaint.Status.CLOSED],
            ),
        ),
        "referred_to_stage_two": Count("pk", filter=Q(referral_received_on__isnull=False)),
        "stage_two_on_time": Count(
            "pk", filter=Q(stage_two_response_sent_at__date__lte=F("stage_two_response_due"))
        ),
        "deadlocks": Count("pk", filter=Q(deadlocked_at__isnull=False)),
        "adr_letters_period": Count("pk", filter=Q(period_letter_sent_at__isnull=False)),
        "adr_letters_deadlock": Count("pk", filter=Q(deadlock_letter_sent_at__isnull=False)),
        "ombudsman_referrals": Count("complaint__ombudsman_case"),
        "ombudsman_accepted": Count(
            "complaint__ombudsman_case",
            filter=Q(complaint__ombudsman_case__customer_response=OmbudsmanCase.CustomerResponse.ACCEPTED),
        ),
        "ombudsman_rejected": Count(
            "complaint__ombudsman_case",
            filter=Q(complaint__ombudsman_case__customer_response=OmbudsmanCase.CustomerResponse.REJECTED),
        ),
    }
    in_sql = connection.vendor == "postgresql"
    if in_sql:
        seconds = Func(
            resolved_days, template="EXTRACT(EPOCH FROM %(expressions)s)", output_field=FloatField()
        )
        aggregates["median_days_to_resolve"] = Median(seconds)
    rows = list(
        # A merged duplicate is the same complaint as its primary, counted once.
        Escalation.objects.filter(complaint__first_received_at__gte=_start_of(start))
        .exclude(complaint__status=Complaint.Status.MERGED)
        .annotate(month=TruncMonth("complaint__first_received_at"), group=F(group_field))
        .values("month", "group")
        .annotate(**aggregates)
        .order_by("-month", "group")
    )
    if not in_sql:
        _add_medians_in_python(rows, start=start, group_field=group_field, resolved_days=resolved_days)
    for row in rows:
        row["month"] = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        row["group_label"] = labels.get(row["group"], row["group"])
        median_seconds = row.get("median_days_to_resolve")
        row["median_days_to_resolve"] = (
            round(median_seconds / 86400, 1) if median_seconds is not None else None
        )
    return rows


def _add_medians_in_python(rows, *, start, group_field, resolved_days) -> None:
    durations: dict[tuple, list[float]] = {}
    for month, group, duration in (
        Escalation.objects.filter(
            complaint__first_received_at__gte=_start_of(start), resolved_at__isnull=False
        )
        .exclude(complaint__status=Complaint.Status.MERGED)
        .annotate(
            month=TruncMonth("complaint__first_received_at"), group=F(group_field), duration=resolved_days
        )
        .values_list("month", "group", "duration")
    ):
        durations.setdefault((month, group), []).append(duration.total_seconds())
    for row in rows:
        values = durations.get((row["month"], row["group"]))
        row["median_days_to_resolve"] = statistics.median(values) if values else None


# --- Satisfaction ------------------------------------------------------------------------------


def _root_cause_labels() -> dict[str, str]:
    causes = RootCause.objects.select_related("group")
    return {"None": "Not recorded", **{str(cause.pk): str(cause) for cause in causes}}


# How the satisfaction results can be broken down: a key, the survey's field and its labels (by the
# group's value as text).
SATISFACTION_GROUPS = {
    "category": ("complaint__category", lambda: dict(Complaint.Category.choices)),
    "channel": ("complaint__channel", lambda: dict(Complaint.Channel.choices)),
    "root_cause": ("complaint__escalation__root_cause", _root_cause_labels),
}


def stored_satisfaction_report(*, by: str = "category") -> tuple[list[dict], datetime]:
    """The satisfaction report as beat last stored it, like the monthly report: one query (two by
    root cause, whose names are read as they are now)."""
    labels = {"": "All", **SATISFACTION_GROUPS[by][1]()}
    return _stored_rows(f"satisfaction_by_{by}", labels)


def satisfaction_report(
    *, by: str = "category", months: int = REPORT_MONTHS, today: date | None = None
) -> list[dict]:
    """Per month the survey opened, the month's total first, then per group: surveys, answers, the
    average score, the share satisfied (4 or 5), low scores (1 or 2) and how many were followed up. One query."""
    today = today or timezone.localdate()
    field, labels_of = SATISFACTION_GROUPS[by]
    labels = labels_of()
    start = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    rows = (
        SatisfactionSurvey.objects.filter(invited_at__gte=_start_of(start))
        .annotate(month=TruncMonth("invited_at"), group=F(field))
        .values("month", "group")
        .annotate(
            asked=Count("pk"),
            answered=Count("score"),
            score_total=Sum("score"),
            satisfied=Count("pk", filter=Q(score__in=satisfaction.SATISFIED_SCORES)),
            low=Count("pk", filter=Q(score__in=satisfaction.LOW_SCORES)),
            followed_up=Count("pk", filter=Q(follow_up=SatisfactionSurvey.FollowUp.DONE)),
        )
        .order_by("-month", "group")
    )
    counted = ("asked", "answered", "score_total", "satisfied", "low", "followed_up")
    report, totals = [], {}
    for row in rows:
        month = row["month"].date() if hasattr(row["month"], "date") else row["month"]
        if month not in totals:
            totals[month] = {"month": month, "group": "", "group_label": "All", **dict.fromkeys(counted, 0)}
            report.append(totals[month])
        for key in counted:
            totals[month][key] += row[key] or 0
        group = str(row["group"])  # a root cause's id as text; "None" when not recorded
        report.append({**row, "month": month, "group": group, "group_label": labels.get(group, group)})
    for row in report:
        answered = row["answered"]
        row["average"] = round(row["score_total"] / answered, 1) if answered else None
        row["satisfied_share"] = _share(row["satisfied"], answered)
        row["response_share"] = _share(answered, row["asked"])
    return report
