"""Staff screens in the Django admin. Every write goes through a service."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from complaints import selectors, services
from complaints.forms import StaffEntryForm, StaffLogComplaintForm, clean_uk_postcode
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from complaints.views import attachment_response
from notifications.selectors import messages_about

# Contact details staff may correct; what the customer said and when stays as received.
CUSTOMER_FIELDS = (
    "customer_name",
    "customer_type",
    "email",
    "phone",
    "postal_address",
    "postcode",
    "account_number",
    "reply_preference",
    "representative_name",
    "representative_relationship",
    "representative_authority",
)


LOGGED_CONTACTS = {
    StaffEntryForm.Kind.CALL: TimelineEntry.Kind.CALL_LOGGED,
    StaffEntryForm.Kind.LETTER: TimelineEntry.Kind.LETTER_RECEIVED,
}


class ComplaintAdminForm(forms.ModelForm):
    class Meta:
        model = Complaint
        fields = ["category", "assigned_to", *CUSTOMER_FIELDS, "legal_hold", "legal_hold_reason"]

    def clean_postcode(self):
        return clean_uk_postcode(self.cleaned_data["postcode"])


class SupportNeedsInline(admin.StackedInline):
    """Health and disability details: only for staff with the dedicated permission."""

    model = SupportNeeds
    can_delete = False
    extra = 0
    max_num = 1

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("complaints.view_support_needs_details")

    def has_add_permission(self, request, obj=None):
        return self.has_view_permission(request, obj) and request.user.has_perm("complaints.add_supportneeds")

    def has_change_permission(self, request, obj=None):
        return self.has_view_permission(request, obj) and request.user.has_perm(
            "complaints.change_supportneeds"
        )


def _status_action(new_status, description):
    def action(modeladmin, request, queryset):
        changed, refused = 0, []
        for complaint in queryset:
            try:
                services.change_complaint_status(
                    complaint=complaint, new_status=new_status, changed_by=request.user
                )
                changed += 1
            except ValidationError:
                refused.append(complaint.reference)
        if changed:
            modeladmin.message_user(
                request, f"{changed} complaint(s) now “{Complaint.Status(new_status).label}”."
            )
        if refused:
            modeladmin.message_user(
                request,
                f"Not changed (not allowed from their status): {', '.join(refused)}",
                messages.WARNING,
            )

    action.__name__ = f"mark_{new_status}"
    action.short_description = description
    action.allowed_permissions = ("change",)
    return action


class AssigneeFilter(admin.SimpleListFilter):
    title = "assigned to"
    parameter_name = "assignee"

    def lookups(self, request, model_admin):
        # Active staff, not "everyone with a complaint": that would scan every complaint.
        staff = (
            get_user_model().objects.filter(is_staff=True, is_active=True).order_by("first_name", "username")
        )
        return [
            ("mine", "Me"),
            ("none", "Nobody"),
            *((str(user.pk), user.get_full_name() or user.get_username()) for user in staff),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "mine":
            return queryset.filter(assigned_to=request.user)
        if value == "none":
            return queryset.filter(assigned_to__isnull=True)
        if value and value.isdigit():
            return queryset.filter(assigned_to_id=int(value))
        return queryset


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .order_by("first_name", "username"),
        label="Assign to",
    )


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    form = ComplaintAdminForm
    list_display = (
        "reference",
        "customer_name",
        "category",
        "status",
        "channel",
        "first_received_at",
        "has_support_needs",
    )
    list_filter = (AssigneeFilter, "status", "category", "channel", "customer_type", "has_support_needs")
    search_fields = ("=reference", "customer_name", "email", "postcode", "=account_number")
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = (
        "reference",
        "status",
        "channel",
        "first_received_at",
        "logged_by",
        "description",
        "has_support_needs",
        "anonymised_at",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (
            "Complaint",
            {
                "fields": (
                    "reference",
                    "status",
                    "category",
                    "assigned_to",
                    "channel",
                    "first_received_at",
                    "logged_by",
                    "description",
                    "has_support_needs",
                )
            },
        ),
        (
            "Customer",
            {"fields": CUSTOMER_FIELDS},
        ),
        (
            "Record",
            {
                "fields": ("legal_hold", "legal_hold_reason", "anonymised_at", "created_at", "updated_at"),
                "classes": ("collapse",),
            },
        ),
    )
    inlines = (SupportNeedsInline,)
    actions = (
        "assign_to_me",
        "assign_to_someone",
        "unassign",
        _status_action(Complaint.Status.IN_PROGRESS, "Mark as being looked into"),
        _status_action(Complaint.Status.RESOLUTION_PROPOSED, "Mark resolution proposed"),
        _status_action(Complaint.Status.RESOLVED, "Mark resolved"),
        _status_action(Complaint.Status.CLOSED, "Close"),
    )

    def get_queryset(self, request):
        return selectors.complaints_for_admin_list()

    def action_checkbox(self, obj):
        # The same markup as Django's, without rendering a form widget template for every row
        # (a third of the list's time at 100 rows).
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" '
            'aria-label="Select this object for an action - {}">',
            admin.helpers.ACTION_CHECKBOX_NAME,
            obj.pk,
            obj,
        )

    def has_assign_permission(self, request):
        return request.user.has_perm("complaints.assign_complaint")

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        changed = services.assign_complaints(
            complaint_ids=list(queryset.values_list("pk", flat=True)),
            assignee=request.user,
            assigned_by=request.user,
        )
        self.message_user(request, f"{changed} complaint(s) assigned to you.")

    @admin.action(description="Unassign", permissions=["assign"])
    def unassign(self, request, queryset):
        changed = services.assign_complaints(
            complaint_ids=list(queryset.values_list("pk", flat=True)), assignee=None, assigned_by=request.user
        )
        self.message_user(request, f"{changed} complaint(s) unassigned.")

    @admin.action(description="Assign to someone…", permissions=["assign"])
    def assign_to_someone(self, request, queryset):
        """An intermediate page: choose who, then the selected complaints are theirs."""
        form = AssignForm(request.POST if "assignee" in request.POST else None)
        if form.is_valid():
            assignee = form.cleaned_data["assignee"]
            changed = services.assign_complaints(
                complaint_ids=list(queryset.values_list("pk", flat=True)),
                assignee=assignee,
                assigned_by=request.user,
            )
            self.message_user(
                request, f"{changed} complaint(s) assigned to {assignee.get_full_name() or assignee}."
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign complaints",
            "form": form,
            "complaints": queryset,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/complaint/assign.html", context)

    def has_delete_permission(self, request, obj=None):
        return False  # a complaint is a legal record: it is anonymised by retention, never deleted

    def get_urls(self):
        return [
            path(
                "<int:pk>/entry/",
                self.admin_site.admin_view(self.add_entry_view),
                name="complaints_complaint_entry",
            ),
            path(
                "<int:pk>/files/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="complaints_complaint_attachment",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Log a complaint that reached us by phone, e-mail, chat, letter or in person."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StaffLogComplaintForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                complaint = services.file_complaint(**form.cleaned_data, logged_by=request.user)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                self.message_user(
                    request,
                    f"Complaint {complaint.reference} logged; the acknowledgement is queued.",
                )
                return redirect("admin:complaints_complaint_change", complaint.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": "Log a complaint",
            "form": form,
            "opts": self.model._meta,
            "add": True,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/complaints/complaint/log_complaint.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        complaint = self.get_object(request, object_id)
        extra_context = extra_context or {}
        if complaint is not None:
            extra_context["timeline"] = selectors.staff_timeline(complaint=complaint)
            extra_context["outbox"] = messages_about(complaint.reference)
            extra_context["entry_form"] = StaffEntryForm()
            extra_context["entry_url"] = reverse("admin:complaints_complaint_entry", args=[complaint.pk])
        return super().change_view(request, object_id, form_url, extra_context)

    def add_entry_view(self, request, pk):
        """An internal note or a reply to the customer, posted from the complaint page."""
        complaint = get_object_or_404(Complaint, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, complaint):
            raise PermissionDenied
        form = StaffEntryForm(request.POST)
        if not form.is_valid():
            self.message_user(request, "Write some text, then choose what it is.", messages.ERROR)
        elif form.cleaned_data["kind"] == StaffEntryForm.Kind.REPLY:
            services.reply_to_customer(
                complaint=complaint, author=request.user, body=form.cleaned_data["body"]
            )
            self.message_user(request, "Reply added and sent to the customer.")
        elif form.cleaned_data["kind"] in LOGGED_CONTACTS:
            services.log_contact(
                complaint=complaint,
                author=request.user,
                kind=LOGGED_CONTACTS[form.cleaned_data["kind"]],
                body=form.cleaned_data["body"],
            )
            self.message_user(request, "Logged on the complaint's timeline.")
        else:
            services.add_internal_note(
                complaint=complaint, author=request.user, body=form.cleaned_data["body"]
            )
            self.message_user(request, "Internal note added.")
        return redirect("admin:complaints_complaint_change", complaint.pk)

    def attachment_view(self, request, pk, attachment_id):
        complaint = get_object_or_404(Complaint, pk=pk)
        if not self.has_view_permission(request, complaint):
            raise PermissionDenied
        attachment = selectors.complaint_attachment(complaint=complaint, attachment_id=attachment_id)
        if attachment is None:
            raise Http404
        return attachment_response(attachment)
