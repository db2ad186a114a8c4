"""Staff screens for stages and clocks: the complaint admin, extended; each action calls one service."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from complaints import services as complaint_services
from complaints.admin import ComplaintAdmin
from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from escalation import (
    calendar_adjustments,
    clocks,
    forms,
    list_order,
    redress_selectors,
    rules,
    selectors,
    subject_access,
)
from escalation.admin_base import ReadOnlyAdmin
from escalation.models import (
    CalendarAdjustment,
    Escalation,
    SatisfactionSurvey,
    StageChange,
    SubjectAccessExport,
)
from escalation.satisfaction_admin import FOLLOW_UP_PERMISSION, LowSatisfactionFilter
from escalation.stage_actions import STAGE_ACTIONS, offered_stage_actions
from escalation.stages import Stage
from escalation.working_days import london_date, working_calendar

EXPORT_CUSTOMER_DATA = "escalation.export_customer_data"

Status = Complaint.Status


class StageFilter(admin.SimpleListFilter):
    title = "stage"
    parameter_name = "stage"

    def lookups(self, request, model_admin):
        return Stage.choices

    def queryset(self, request, queryset):
        if self.value() in {str(stage) for stage in Stage.values}:
            return queryset.filter(escalation__stage=int(self.value()))
        return queryset  # anything else in the address bar is ignored, not an error


class DeadlineFilter(admin.SimpleListFilter):
    title = "next deadline"
    parameter_name = "deadline"
    WITHIN_WORKING_DAYS = (2, 5, 10)

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Overdue"),
            ("today", "Due today"),
            *((f"within-{days}", f"Due within {days} working days") for days in self.WITHIN_WORKING_DAYS),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        value = self.value() or ""
        if value == "overdue":
            return queryset.filter(escalation__next_deadline__lt=today)
        if value == "today":
            return queryset.filter(escalation__next_deadline=today)
        days = value.removeprefix("within-")
        if days in {str(n) for n in self.WITHIN_WORKING_DAYS}:
            until = working_calendar().add_working_days(today, int(days))
            return queryset.filter(escalation__next_deadline__range=(today, until))
        return queryset


# Query-string parameters that page or sort the complaint list without narrowing it.
UNFILTERING_PARAMETERS = {"p", "o", "_changelist_filters"}


class EscalationComplaintAdmin(ComplaintAdmin):
    """The complaint admin with its stage, its clocks and the stage actions."""

    list_display = (
        "reference",
        "customer_name",
        "category",
        "stage",
        "status",
        "next_deadline",
        "assigned_to",
        "channel",
        "first_received_at",
        "needs",
        "what_helps",
    )
    list_filter = (StageFilter, DeadlineFilter, *ComplaintAdmin.list_filter, LowSatisfactionFilter)

    def get_queryset(self, request):
        # An inner join (every complaint has its clocks), so the list can be read in next-deadline
        # order straight from the escalation_next_deadline index.
        return super().get_queryset(request).filter(escalation__isnull=False).select_related("escalation")

    actions = (*ComplaintAdmin.actions, "export_customer_data")

    def has_export_permission(self, request):
        return request.user.has_perm(EXPORT_CUSTOMER_DATA)

    @admin.action(
        description="Export everything about this customer (subject access)…", permissions=["export"]
    )
    def export_customer_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request,
                "Choose one complaint of the customer who asked; the next page lists their other complaints.",
                messages.WARNING,
            )
            return None
        return redirect("admin:escalation_subject_access", queryset.get().pk)

    @admin.action(description="Close…", permissions=["change"])
    def close(self, request, queryset):
        """Resolved complaints are closed. Closing any other is our final position (deadlock, before
        the ombudsman), so it asks for one, and follows the same rule and permission as the complaint
        page's "Close with our final position": staff without that role close only resolved ones."""
        action = STAGE_ACTIONS["close"]
        complaints = list(queryset)
        unresolved = [
            c for c in complaints if c.status not in complaint_services.CLOSING_WITHOUT_A_FINAL_POSITION
        ]
        if not unresolved or not request.user.has_perm(action.permission):
            return super().close(request, queryset)
        form = forms.FinalPositionForm(request.POST if "final_position" in request.POST else None)
        if form.is_valid():
            closed, refused = 0, []
            for complaint in complaints:
                try:
                    if complaint in unresolved:
                        action.service(complaint=complaint, by=request.user, **form.cleaned_data)
                    else:
                        complaint_services.change_complaint_status(
                            complaint=complaint, new_status=Complaint.Status.CLOSED, by=request.user
                        )
                    closed += 1
                except ValidationError as refusal:
                    refused.append(f"{complaint.reference} ({' '.join(refusal.messages)})")
            self.message_user(request, f"{closed} complaint(s) closed.")
            if refused:
                self.message_user(request, f"Not closed: {'; '.join(refused)}", messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Close complaints",
            "form": form,
            "selected": complaints,
            "action_name": "close",
            "submit_label": "Close",
            "unresolved": unresolved,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/complaint/close.html", context)

    def subject_access_view(self, request, pk):
        """Choose the requester's complaints among the candidates, record the identity check, get the zip."""
        if not request.user.has_perm(EXPORT_CUSTOMER_DATA):
            raise PermissionDenied
        complaint = get_object_or_404(Complaint, pk=pk)
        candidates = subject_access.candidate_complaints(complaint)
        form = forms.SubjectAccessForm(request.POST or None, candidates=candidates)
        if request.method == "POST" and form.is_valid():
            try:
                name, content = subject_access.export_customer_data(
                    complaint=complaint,
                    chosen=list(form.cleaned_data["complaints"]),
                    by=request.user,
                    verification=form.cleaned_data["verification"],
                    verification_details=form.cleaned_data["verification_details"],
                )
            except ValidationError as refusal:
                _add_refusal(form, refusal)
            else:
                response = HttpResponse(content, content_type="application/zip")
                response["Content-Disposition"] = f'attachment; filename="{name}"'
                response["Cache-Control"] = "private, no-store"
                return response
        context = {
            **self.admin_site.each_context(request),
            "title": f"Subject access export: {complaint.reference}",
            "form": form,
            "complaint": complaint,
            "opts": self.model._meta,
        }
        return TemplateResponse(
            request, "admin/escalation/subject_access.html", context, status=400 if form.errors else 200
        )

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        if queryset.model is not Complaint:  # the history page pages its log entries here too
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        searched = getattr(request, "complaints_matched", None)  # set by get_search_results
        # The default order, paged by sorting only what can be on the page; a column chosen by staff
        # sorts by it, and so does a search's page (a few hundred complaints at most, sorted at once).
        sorted_at_once = "o" in request.GET or searched is not None
        paginator_class = Paginator if sorted_at_once else list_order.LandlineFirstPaginator
        paginator = paginator_class(queryset, per_page, orphans, allow_empty_first_page)
        if searched is not None:
            paginator.count, paginator.count_is_estimate = searched, False  # the search counted them
            return paginator
        # Unfiltered, the list is every complaint (each has its clocks' row), so count the
        # complaints alone rather than the join the page needs for its deadline order.
        unfiltered = not set(request.GET) - UNFILTERING_PARAMETERS
        paginator.count, paginator.count_is_estimate = list_order.bounded_count(
            Complaint.objects.all() if unfiltered else queryset
        )
        return paginator

    def get_ordering(self, request):
        return list_order.banded_order()

    @admin.display(description="stage", ordering="escalation__stage")
    def stage(self, complaint):
        return (
            Stage(complaint.escalation.stage).label.split(": ", 1)[0]
            if hasattr(complaint, "escalation")
            else "–"
        )

    @admin.display(description="next deadline", ordering="escalation__next_deadline")
    def next_deadline(self, complaint):
        escalation = getattr(complaint, "escalation", None)
        if escalation is None or escalation.next_deadline is None:
            return "–"
        return deadline_badge(escalation.next_deadline, escalation.get_next_deadline_kind_display())

    def get_urls(self):
        return [
            path(
                "<int:pk>/stage/<slug:action>/",
                self.admin_site.admin_view(self.stage_action_view),
                name="escalation_stage_action",
            ),
            path(
                "<int:pk>/subject-access/",
                self.admin_site.admin_view(self.subject_access_view),
                name="escalation_subject_access",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if complaint is not None:
            escalation = selectors.escalation_for(complaint)
            ombudsman_case = selectors.ombudsman_case_for(escalation)
            facts = rules.facts_of(complaint, escalation, ombudsman_case)
            extra_context.update(
                escalation_panel="admin/escalation/clocks_panel.html",
                escalation=escalation,
                clock_rows=clock_rows(complaint, escalation),
                stage_changes=StageChange.objects.filter(complaint=complaint).select_related("changed_by"),
                ombudsman_case=ombudsman_case,
                redress=redress_selectors.redress_summary(complaint, escalation),
                stage_actions=[
                    (
                        STAGE_ACTIONS[name].label,
                        reverse("admin:escalation_stage_action", args=[complaint.pk, name]),
                    )
                    for name in offered_stage_actions(request.user, facts)
                ],
                satisfaction_survey=SatisfactionSurvey.objects.filter(pk=complaint.pk).first(),
                can_follow_up=request.user.has_perm(FOLLOW_UP_PERMISSION),
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def stage_action_view(self, request, pk, action):
        """A stage action's form; on success the service runs and we go back to the complaint.

        An action the staff member's role does not hold is forbidden (403); one its rule does not
        allow now is refused (409) with the rule's reason, writing nothing, whether asked for or posted.
        """
        complaint = get_object_or_404(Complaint, pk=pk)
        stage_action = STAGE_ACTIONS.get(action)
        if stage_action is None or not request.user.has_perm(stage_action.permission):
            raise PermissionDenied
        escalation = selectors.escalation_for(complaint)
        refusal = rules.problem(
            stage_action.rule, rules.facts_of(complaint, escalation, selectors.ombudsman_case_for(escalation))
        )
        for_complaint = (
            {"complaint": complaint} if getattr(stage_action.form_class, "for_complaint", False) else {}
        )
        form = stage_action.form_class(request.POST or None, request.FILES or None, **for_complaint)
        status = 200
        if refusal is not None:
            status = 409
        elif request.method == "POST":
            if form.is_valid():
                try:
                    result = stage_action.service(complaint=complaint, by=request.user, **form.cleaned_data)
                except ValidationError as error:
                    _add_refusal(form, error)
                else:
                    self.message_user(request, f"{stage_action.label}: done.")
                    award = getattr(result, "award_amount", None)
                    if award is not None and award > clocks.OMBUDSMAN_AWARD_LIMIT:
                        self.message_user(
                            request,
                            f"The award of £{award:,.2f} is above the ombudsman's "
                            f"£{clocks.OMBUDSMAN_AWARD_LIMIT:,} limit: check the decision.",
                            messages.WARNING,
                        )
                    return redirect("admin:complaints_complaint_change", complaint.pk)
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": f"{stage_action.label}: {complaint.reference}",
            "form": form,
            "refusal": refusal,
            "complaint": complaint,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/escalation/stage_action.html", context, status=status)


def _add_refusal(form, refusal: ValidationError) -> None:
    if hasattr(refusal, "error_dict"):
        for field, errors in refusal.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, refusal)


# Working days are counted for dates this near; a date further off (a mistyped target kept on an old
# row, say) is shown as it is, never counted through centuries of holidays.
COUNT_WORKING_DAYS_WITHIN_DAYS = 400


def deadline_badge(due, kind_label: str):
    """A deadline as staff scan it: working days left, due today, or overdue, coloured."""
    colour, words = _deadline_state(due, timezone.localdate())
    return format_html(
        '<span style="color:{};font-weight:600" title="{}">{} · {}</span>',
        colour,
        kind_label,
        f"{due:%-d %b %Y}",
        words,
    )


def _deadline_state(due, today) -> tuple[str, str]:
    if abs((due - today).days) > COUNT_WORKING_DAYS_WITHIN_DAYS:
        return ("#b3261e", "overdue") if due < today else ("#1e6b35", "over a year away")
    left = working_calendar().working_days_between(today, due)
    if due < today:
        return "#b3261e", f"overdue {-left or 1} WD"
    if due == today:
        return "#8a4b00", "due today"
    return ("#8a4b00" if left <= 2 else "#1e6b35"), f"{left} WD left"


def clock_rows(complaint: Complaint, escalation: Escalation) -> list[tuple[str, object, str]]:
    """Every clock on the complaint: (name, due date, state), for the complaint page."""

    def state(due, done_at):
        if done_at:
            done_on = timezone.localtime(done_at)
            return f"done {done_on:%-d %b %Y %H:%M}" + (" (late)" if due and done_on.date() > due else "")
        return deadline_badge(due, "") if due else "–"

    rules = clocks.procedure_rules()
    rows = [
        (
            f"Acknowledge ({rules['acknowledge']})",
            escalation.acknowledgement_due,
            state(escalation.acknowledgement_due, escalation.acknowledged_at),
        ),
        (
            "Resolve at stage 1"
            + (
                " (complex: new target)"
                if escalation.complex_case_told_at
                else f" ({rules['resolve_at_stage_one']})"
            ),
            escalation.stage_one_due,
            state(escalation.stage_one_due, escalation.stage_one_answered_at),
        ),
    ]
    if escalation.stage_two_response_due:
        rows.append(
            (
                f"Stage 2 written response ({rules['stage_two_response']})",
                escalation.stage_two_response_due,
                state(escalation.stage_two_response_due, escalation.stage_two_response_sent_at),
            )
        )
    open_from = clocks.ombudsman_open_from(escalation)
    rows.append(
        ("Customer may go to the ombudsman from", open_from, "deadlock" if escalation.deadlocked_at else "")
    )
    deadlocked_on = london_date(escalation.deadlocked_at) if escalation.deadlocked_at else None
    letters = (  # (what, due, written, sent, replaced by the deadlock letter if never sent)
        (
            "ADR letter (the ADR period ran out)",
            escalation.adr_eligible_on,
            escalation.period_letter_queued_at,
            escalation.period_letter_sent_at,
            deadlocked_on is not None,
        ),
        (
            "ADR letter (deadlock)",
            deadlocked_on,
            escalation.deadlock_letter_queued_at,
            escalation.deadlock_letter_sent_at,
            False,
        ),
    )
    for label, due, written, sent, replaced in letters:
        if not written:
            continue
        if sent:  # a date only: a letter's is the day it was posted, which has no time
            sent_on = timezone.localtime(sent).date()
            progress = f"sent {sent_on:%-d %b %Y}" + (" (late)" if due and sent_on > due else "")
        elif replaced:
            progress = "not sent; the deadlock letter replaces it"
        else:
            progress = "not sent yet (a letter: print and post it)"
        rows.append((label, due, f"written {timezone.localtime(written):%-d %b %Y}; {progress}"))
    owed = clocks.adr_letter_owed(escalation, unresolved=complaint.status in OPEN_STATUSES)
    if owed is not None and not owed.written:
        rows.append(
            ("ADR letter" + (" (deadlock)" if owed.at_deadlock else ""), owed.due, state(owed.due, None))
        )
    elif owed is None and not escalation.adr_letter_sent_at:
        rows.append(("ADR letter", open_from, "not owed (resolved)"))
    if escalation.adr_window_ends:
        rows.append(
            (f"Customer's {rules['adr_window']} ombudsman window ends", escalation.adr_window_ends, "")
        )
    return rows


admin.site.unregister(Complaint)
admin.site.register(Complaint, EscalationComplaintAdmin)


@admin.register(CalendarAdjustment)
class CalendarAdjustmentAdmin(admin.ModelAdmin):
    """Closures and proclaimed holidays (or listed holidays worked) that every deadline takes into account."""

    list_display = ("day", "kind", "region", "reason", "created_by")
    list_filter = ("kind", "region")
    readonly_fields = ("created_by",)

    def save_model(self, request, obj, form, change):
        calendar_adjustments.save_calendar_adjustment(
            adjustment=obj, by=request.user, previous_day=form.initial.get("day")
        )

    def delete_model(self, request, obj):
        calendar_adjustments.remove_calendar_adjustments(
            adjustments=CalendarAdjustment.objects.filter(pk=obj.pk), by=request.user
        )

    def delete_queryset(self, request, queryset):
        calendar_adjustments.remove_calendar_adjustments(adjustments=queryset, by=request.user)


class AuditTrailAdmin(ReadOnlyAdmin):
    """An audit trail: readable, never added to, changed or deleted by hand, not even by a superuser."""


@admin.register(StageChange)
class StageChangeAdmin(AuditTrailAdmin):
    """Who moved which complaint to which stage, when and why."""

    list_display = ("complaint", "from_stage", "to_stage", "changed_by", "changed_at")
    list_select_related = ("complaint", "changed_by")
    list_filter = ("to_stage",)


@admin.register(SubjectAccessExport)
class SubjectAccessExportAdmin(AuditTrailAdmin):
    """Who exported which complaints for a subject access request, and how identity was checked."""

    list_display = ("exported_at", "requested_via", "references", "verification", "exported_by")
    list_select_related = ("requested_via", "exported_by")
    list_filter = ("verification",)


# Root causes, compensation rates, redress and service failures have their screens in their own module.
from escalation import admin_redress  # noqa: E402, F401
