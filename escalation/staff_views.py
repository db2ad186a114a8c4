"""The managers' pages outside the admin's model screens: the escalation dashboard and the monthly report."""

from django.contrib import admin
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from complaints import needs_register
from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from escalation import clocks, reporting, root_cause_reporting, satisfaction
from escalation.csv_export import csv_response
from escalation.models import Outcome

DASHBOARD_PERMISSION = "escalation.view_dashboard"


def _require_dashboard_permission(request) -> None:
    if not request.user.has_perm(DASHBOARD_PERMISSION):
        raise PermissionDenied


@require_GET
@staff_member_required
def escalation_dashboard(request):
    _require_dashboard_permission(request)
    filters = reporting.DashboardFilters(
        category=request.GET.get("category", "")
        if request.GET.get("category", "") in Complaint.Category.values
        else "",
        assignee=request.GET.get("assignee", "")[:12],
    )
    rows = reporting.overdue_and_due_soon(filters)
    if request.GET.get("format") == "csv":
        return csv_response(
            "escalations",
            [
                "reference",
                "customer",
                "stage",
                "clock",
                "due",
                "days overdue",
                "working days overdue",
                "owner",
            ],
            (
                [
                    r.reference,
                    r.customer_name,
                    r.stage,
                    r.clock,
                    r.due,
                    r.days_overdue,
                    r.working_days_overdue,
                    r.owner,
                ]
                for r in rows
            ),
        )
    weeks = reporting.stored_weekly_on_time_shares(filters)
    context = {
        **admin.site.each_context(request),
        "title": "Escalations: overdue and due soon",
        "rows": rows,
        "row_limit": reporting.DASHBOARD_ROWS,
        "stages": reporting.counts_per_stage(filters),
        "relying_on_landline": needs_register.relying_on_landline_count(OPEN_STATUSES),
        "low_satisfaction": satisfaction.follow_ups_waiting(user=request.user),
        "weeks": weeks,
        "chart": _chart_bars(weeks),
        "refresh_minutes": reporting.refresh_minutes(),
        "top_root_causes": root_cause_reporting.top_root_causes(),
        "filters": filters,
        "categories": Complaint.Category.choices,
        "staff": get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .order_by("first_name", "username"),
        "today": timezone.localdate(),
    }
    return render(request, "escalation/staff/dashboard.html", context)


@require_GET
@staff_member_required
def monthly_report(request):
    _require_dashboard_permission(request)
    by = request.GET.get("by") if request.GET.get("by") in reporting.REPORT_GROUPS else "category"
    rows, computed_at = reporting.stored_monthly_report(by=by)
    rules = clocks.procedure_rules()
    columns = [
        ("received", "Received"),
        ("acknowledged_on_time", f"Acknowledged within {rules['acknowledge']}"),
        ("resolved_at_stage_one_on_time", f"Resolved at stage 1 within {rules['resolve_at_stage_one']}"),
        ("referred_to_stage_two", "Referred to stage 2"),
        ("stage_two_on_time", f"Stage 2 responses within {rules['stage_two_response']}"),
        ("deadlocks", "Deadlocks"),
        ("adr_letters_period", "ADR letters (period)"),
        ("adr_letters_deadlock", "ADR letters (deadlock)"),
        ("ombudsman_referrals", "Ombudsman referrals"),
        ("ombudsman_accepted", "Ombudsman decisions accepted"),
        ("ombudsman_rejected", "Ombudsman decisions rejected"),
        ("median_days_to_resolve", "Median days to resolve"),
    ]
    # Satisfaction also breaks down by root cause (the monthly report's figures are by first receipt,
    # before any root cause is known, so it stays by category there).
    asked = request.GET.get("by")
    satisfaction_by = asked if asked in reporting.SATISFACTION_GROUPS else by
    satisfaction_rows, _ = reporting.stored_satisfaction_report(by=satisfaction_by)
    if request.GET.get("format") == "csv" and request.GET.get("table") == "satisfaction":
        return csv_response(
            f"satisfaction-by-{satisfaction_by}",
            ["month", satisfaction_by, *(label for _, label in SATISFACTION_COLUMNS)],
            (
                [f"{row['month']:%Y-%m}", row["group_label"], *(row[key] for key, _ in SATISFACTION_COLUMNS)]
                for row in satisfaction_rows
            ),
        )
    if request.GET.get("format") == "csv":
        return csv_response(
            f"complaints-by-{by}",
            ["month", by, *(label for _, label in columns)],
            (
                [f"{row['month']:%Y-%m}", row["group_label"], *(row[key] for key, _ in columns)]
                for row in rows
            ),
        )
    months = {}
    for row in rows:
        months.setdefault(row["month"], []).append(row)
    totals = [
        {"month": month, "received": sum(r["received"] for r in group), "rows": group}
        for month, group in months.items()
    ]
    peak = max((month["received"] for month in totals), default=0) or 1
    context = {
        **admin.site.each_context(request),
        "title": f"Monthly complaints report, by {by}",
        "by": by,
        "columns": columns,
        "months": totals,
        "peak": peak,
        "computed_at": computed_at,
        "refresh_minutes": reporting.refresh_minutes(),
        "months_shown": reporting.REPORT_MONTHS,
        "needs": needs_register.open_complaint_counts(OPEN_STATUSES),
        "satisfaction_rows": satisfaction_rows,
        "satisfaction_by": satisfaction_by.replace("_", " "),
        "satisfaction_by_key": satisfaction_by,
        "satisfaction_columns": SATISFACTION_COLUMNS,
        "survey_open_days": satisfaction.SURVEY_OPEN_DAYS,
    }
    return render(request, "escalation/staff/monthly_report.html", context)


SATISFACTION_COLUMNS = [
    ("asked", "Surveys"),
    ("answered", "Answers"),
    ("response_share", "Answered (%)"),
    ("average", "Average score (1–5)"),
    ("satisfied_share", "Satisfied, 4–5 (%)"),
    ("low", "Low, 1–2"),
    ("followed_up", "Low, followed up"),
]


@require_GET
@staff_member_required
def root_cause_report(request):
    _require_dashboard_permission(request)
    rows, compensation, computed_at = root_cause_reporting.stored_report()
    outcomes = Outcome.choices
    if request.GET.get("format") == "csv":
        return csv_response(
            "root-causes",
            [
                "month ended",
                "root cause",
                "complaints ended",
                *(label.lower() for _, label in outcomes),
                "% upheld (fully or partly)",
                "apologies",
                "goodwill credits (£)",
                "refunds (£)",
                "automatic compensation paid (£)",
                "redress total (£)",
            ],
            (
                [
                    f"{row.month:%Y-%m}",
                    row.root_cause,
                    row.ended,
                    *row.outcome_counts,
                    row.upheld_share,
                    row.apologies,
                    row.goodwill,
                    row.refunds,
                    row.automatic_compensation,
                    row.redress_total,
                ]
                for row in rows
            ),
        )
    context = {
        **admin.site.each_context(request),
        "title": "Root causes, outcomes and redress",
        "rows": rows,
        "outcomes": outcomes,
        "compensation": compensation,
        "months_shown": root_cause_reporting.REPORT_MONTHS,
        "computed_at": computed_at,
        "refresh_minutes": reporting.refresh_minutes(),
    }
    return render(request, "escalation/staff/root_cause_report.html", context)


def _chart_bars(weeks: list[dict]) -> list[dict]:
    """Two bars a week (percentages as heights on a 100-unit scale) for the dashboard's SVG."""
    bars = []
    for index, week in enumerate(weeks):
        for offset, kind, key, words in (
            (4, "ack", "acknowledged", "acknowledged"),
            (27, "resp", "responded", "stage 2 on time"),
        ):
            share = week[key]
            on_time, total = week[f"{key}_counts"]
            bars.append(
                {
                    "kind": kind,
                    "x": index * 60 + offset,
                    "share": share,
                    "height": share,
                    "y": 110 - (share or 0),
                    "label_y": 106 - (share or 0),
                    "title": f"{week['week']:%-d %b}: {share}% {words} ({on_time}/{total})",
                    "week_label": f"{week['week']:%-d %b}" if offset == 4 else "",
                }
            )
    return bars
