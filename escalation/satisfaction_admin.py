"""Staff screens for satisfaction surveys: the list (what customers said, what is to follow up), the
complaint list's filter, and "Followed up…", which calls the service."""

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from escalation import satisfaction
from escalation.models import SatisfactionSurvey

FOLLOW_UP_PERMISSION = "escalation.change_satisfactionsurvey"
FollowUp = SatisfactionSurvey.FollowUp


class LowSatisfactionFilter(admin.SimpleListFilter):
    """On the complaint list: complaints whose customer gave a low score that nobody has followed up."""

    title = "satisfaction"
    parameter_name = "satisfaction"

    def lookups(self, request, model_admin):
        return [("to-follow-up", "Low satisfaction to follow up"), ("followed-up", "Low score, followed up")]

    def queryset(self, request, queryset):
        if self.value() == "to-follow-up":
            return queryset.filter(satisfaction_survey__follow_up=FollowUp.NEEDED)
        if self.value() == "followed-up":
            return queryset.filter(satisfaction_survey__follow_up=FollowUp.DONE)
        return queryset


class OwnerFilter(admin.SimpleListFilter):
    title = "complaint's owner"
    parameter_name = "owner"

    def lookups(self, request, model_admin):
        return [("me", "Mine"), ("nobody", "Nobody")]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return queryset.filter(complaint__assigned_to=request.user)
        if self.value() == "nobody":
            return queryset.filter(complaint__assigned_to__isnull=True)
        return queryset


class FollowUpForm(forms.Form):
    note = forms.CharField(
        label="What was done (for the record)",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Say how you followed it up: a call, a reply, a goodwill gesture, or why nothing more was done.",
    )


@admin.register(SatisfactionSurvey)
class SatisfactionSurveyAdmin(admin.ModelAdmin):
    """Every survey: asked when, answered how; changed only by "Followed up…" (the service)."""

    list_display = (
        "complaint",
        "invited_at",
        "trigger",
        "emailed",
        "score",
        "answered_at",
        "follow_up",
        "owner",
    )
    list_filter = ("follow_up", OwnerFilter, "score", "trigger", "emailed")
    list_select_related = ("complaint", "complaint__assigned_to")
    search_fields = ("=complaint__reference",)
    date_hierarchy = "invited_at"
    fields = (
        "complaint_link",
        "trigger",
        "invited_at",
        "emailed",
        "score",
        "comment",
        "answered_at",
        "times_answered",
        "follow_up",
        "followed_up_at",
        "followed_up_by",
        "follow_up_note",
    )
    readonly_fields = fields

    @admin.display(description="complaint's owner")
    def owner(self, survey):
        user = survey.complaint.assigned_to
        return (user.get_full_name() or user.get_username()) if user else "–"

    @admin.display(description="complaint")
    def complaint_link(self, survey):
        url = reverse("admin:complaints_complaint_change", args=[survey.complaint_id])
        return format_html('<a href="{}">{}</a>', url, survey.complaint.reference)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False  # read-only; "Followed up…" is its own page, with its own permission

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        return [
            path(
                "<int:pk>/follow-up/",
                self.admin_site.admin_view(self.follow_up_view),
                name="escalation_satisfactionsurvey_follow_up",
            ),
            *super().get_urls(),
        ]

    def follow_up_view(self, request, pk):
        """Record how a low score was followed up; back to the complaint."""
        if not request.user.has_perm(FOLLOW_UP_PERMISSION):
            raise PermissionDenied
        survey = get_object_or_404(SatisfactionSurvey.objects.select_related("complaint"), pk=pk)
        refusal = None if survey.follow_up == FollowUp.NEEDED else "No low score is waiting for a follow-up."
        form = FollowUpForm(request.POST or None)
        status = 200 if refusal is None else 409
        if refusal is None and request.method == "POST":
            if form.is_valid():
                try:
                    satisfaction.mark_followed_up(
                        survey=survey, by=request.user, note=form.cleaned_data["note"]
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    self.message_user(request, "Low satisfaction score: followed up.")
                    return redirect("admin:complaints_complaint_change", survey.pk)
            status = 400
        context = {
            **self.admin_site.each_context(request),
            "title": f"Follow up a low satisfaction score: {survey.complaint.reference}",
            "form": form,
            "refusal": refusal,
            "complaint": survey.complaint,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/escalation/stage_action.html", context, status=status)
