"""Staff screens in the Django admin. Every write goes through a service: the change form saves no
field itself, and a field the staff member's role may not change is read-only for them."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html

from complaints import (
    duplicates,
    record_changes,
    search,
    selectors,
    services,
)
from complaints.admin_entries import TimelineEntryViews
from complaints.admin_filters import AssigneeFilter, LandlineFilter, NeedsFilter, WaitingForUsFilter
from complaints.admin_merges import MergeAndLinkViews, messages_of_merged
from complaints.admin_needs import NeedsColumns, SupportNeedsInline
from complaints.forms import (
    AdjustmentsField,
    StaffLogComplaintForm,
    clean_account_number,
    clean_uk_postcode,
    require_call_times,
)
from complaints.models import Complaint, SupportNeeds
from complaints.record_changes import CONTACT_FIELDS as CUSTOMER_FIELDS
from complaints.views import attachment_response
from notifications.selectors import messages_about

# Never changed through the form: how and when it reached us, what the customer said, and what the
# services and jobs keep.
ALWAYS_READ_ONLY = (
    "reference",
    "status",
    "channel",
    "first_received_at",
    "logged_by",
    "description",
    "needs_on_record",
    "needs_on_record_in_full",
    "legal_hold_reason",
    "anonymised_at",
    "created_at",
    "updated_at",
)
# Fields only some roles may change: (field, the permission it needs).
GUARDED_FIELDS = (
    ("assigned_to", services.ASSIGN_PERMISSION),
    ("legal_hold", record_changes.LEGAL_HOLD_PERMISSION),
    ("legal_hold_change_reason", record_changes.LEGAL_HOLD_PERMISSION),
)


class ComplaintAdminForm(forms.ModelForm):
    adjustments = AdjustmentsField(label="What helps")
    legal_hold_change_reason = forms.CharField(
        label="Why the legal hold is set or lifted",
        max_length=200,
        required=False,
        help_text="Required when you set or lift the hold; kept on the record.",
    )

    class Meta:
        model = Complaint
        fields = ["category", "assigned_to", *CUSTOMER_FIELDS, "legal_hold"]
        labels = {"language": "Language for letters and e-mails"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "language" in self.fields:
            # Left out of a post (an older form, a script): the customer's choice stays as it is.
            self.fields["language"].required = False

    def clean_postcode(self):
        return clean_uk_postcode(self.cleaned_data["postcode"])

    def clean_account_number(self):
        # Checked when changed only: a number on record from before the check does not block other changes.
        if "account_number" not in self.changed_data:
            return self.cleaned_data["account_number"]
        return clean_account_number(self.cleaned_data["account_number"])

    def clean_language(self):
        return self.cleaned_data.get("language") or self.instance.language

    def clean(self):
        cleaned = super().clean()
        require_call_times(self, cleaned)
        if "legal_hold" in self.changed_data and not cleaned.get("legal_hold_change_reason", "").strip():
            self.add_error(
                "legal_hold_change_reason", "Give the reason for setting or lifting the legal hold."
            )
        return cleaned


def _status_action(new_status, description):
    def action(modeladmin, request, queryset):
        changed, refused = 0, []
        for complaint in queryset:
            try:
                services.change_complaint_status(complaint=complaint, new_status=new_status, by=request.user)
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


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(
        queryset=get_user_model()
        .objects.filter(is_staff=True, is_active=True)
        .order_by("first_name", "username"),
        label="Assign to",
    )


@admin.register(Complaint)
class ComplaintAdmin(TimelineEntryViews, MergeAndLinkViews, NeedsColumns, admin.ModelAdmin):
    form = ComplaintAdminForm
    list_display = (
        "reference",
        "customer_name",
        "category",
        "status",
        "channel",
        "first_received_at",
        "needs",
        "what_helps",
        "waiting_for_us",
    )
    list_filter = (
        AssigneeFilter,
        WaitingForUsFilter,
        "status",
        "category",
        "channel",
        "customer_type",
        "language",
        "has_support_needs",
        LandlineFilter,
        NeedsFilter,
    )
    search_fields = ("=reference", "customer_name", "email", "postcode", "=account_number")
    # 50 a page (Zendesk's views show 30): rendering a row of 13 columns costs ~1 ms of Python, so
    # 100 rows put the list past 100 ms whatever the database does.
    list_per_page = 50
    show_full_result_count = False
    # No "Show counts": each filter's counts would count its share of a million complaints, and
    # search again, once per filter (73 queries for a searched page).
    show_facets = admin.ShowFacets.NEVER
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
                    "needs_on_record",
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
                "fields": (
                    "legal_hold",
                    "legal_hold_reason",
                    "legal_hold_change_reason",
                    "anonymised_at",
                    "created_at",
                    "updated_at",
                ),
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
        "close",
        "revoke_private_links",
    )

    def get_list_display(self, request):
        if not request.user.has_perm(record_changes.SUPPORT_NEEDS_DETAILS_PERMISSION):
            return self.list_display
        return [("needs_in_full" if column == "needs" else column) for column in self.list_display]

    @admin.display(description="what helps")
    def what_helps(self, complaint):
        """The adjustments to make, for whoever picks the complaint up (no health details here)."""
        helps = [
            f"{label}: {complaint.call_times}" if item == Complaint.Adjustment.CALL_TIMES else str(label)
            for item in complaint.adjustments
            for label in [Complaint.Adjustment(item).label]
        ]
        return "; ".join(helps) or "–"

    @admin.display(description="waiting for us")
    def waiting_for_us(self, complaint):
        waiting = []
        if complaint.customer_replied_at:
            waiting.append("Customer replied")
        if not complaint.postal_address and not complaint.anonymised_at:
            waiting.append("Details missing")
        return ", ".join(waiting) or "–"

    def get_queryset(self, request):
        complaints = selectors.complaints_for_admin_list()
        if request.user.has_perm(record_changes.SUPPORT_NEEDS_DETAILS_PERMISSION):
            complaints = complaints.select_related("support_needs")
        return complaints

    def get_search_results(self, request, queryset, search_term):
        """Every word typed, in any of the places staff remember (complaints/search.py); a reference
        as people type it ("nsxy0w4wda", "XY0W 4WDA") finds its complaint, as tracking does."""
        matches, shown, more = search.search_for_list(queryset, search_term)
        if shown is not None:  # it searched: the list's count is how many it shows, not counted again
            request.complaints_matched = shown
        if more:
            messages.info(
                request,
                f"More than {search.RESULTS_AT_MOST:,} complaints match: these are the "
                f"{search.RESULTS_AT_MOST:,} received most recently. Add a word to narrow the search.",
            )
        return matches, False

    def get_readonly_fields(self, request, obj=None):
        guarded = [field for field, permission in GUARDED_FIELDS if not request.user.has_perm(permission)]
        return (*ALWAYS_READ_ONLY, *guarded)

    def get_fieldsets(self, request, obj=None):
        hidden = (
            set()
            if request.user.has_perm(record_changes.LEGAL_HOLD_PERMISSION)
            else {"legal_hold_change_reason"}
        )
        in_full = request.user.has_perm(record_changes.SUPPORT_NEEDS_DETAILS_PERMISSION)
        return [
            (
                name,
                {
                    **options,
                    "fields": [
                        "needs_on_record_in_full" if in_full and field == "needs_on_record" else field
                        for field in options["fields"]
                        if field not in hidden
                    ],
                },
            )
            for name, options in super().get_fieldsets(request, obj)
        ]

    def get_object(self, request, object_id, from_field=None):
        """Read once per GET: showing the page asks for it three or four times (the stage panel,
        the timeline, the form). A POST reads it afresh each time, as the form changes it."""
        if request.method != "GET":
            return super().get_object(request, object_id, from_field)
        read = request.__dict__.setdefault("_complaints_read", {})
        if (object_id, from_field) not in read:
            read[object_id, from_field] = super().get_object(request, object_id, from_field)
        return read[object_id, from_field]

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and object_id is not None:
            crafted = sorted(set(self.get_readonly_fields(request)) & set(request.POST))
            if crafted:
                # The form never shows an input for these: a POST that carries one was made by hand.
                raise PermissionDenied(f"You may not change: {', '.join(crafted)}.")
        return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        """Each change through its service (with its timeline entry and whatever follows from it);
        `obj` carries the form's values, never saved as it is."""
        complaint = Complaint.objects.get(pk=obj.pk)
        data, changed = form.cleaned_data, set(form.changed_data)
        details = {field: data[field] for field in CUSTOMER_FIELDS if field in changed}
        if details:
            complaint = record_changes.update_contact_details(complaint=complaint, by=request.user, **details)
        if "category" in changed:
            complaint = record_changes.change_category(
                complaint=complaint, category=data["category"], by=request.user
            )
        if "assigned_to" in changed:
            services.assign_complaints(
                complaint_ids=[complaint.pk], assignee=data["assigned_to"], by=request.user
            )
        if "legal_hold" in changed:
            change_hold = (
                record_changes.set_legal_hold if data["legal_hold"] else record_changes.lift_legal_hold
            )
            change_hold(complaint=complaint, by=request.user, reason=data["legal_hold_change_reason"])

    def save_formset(self, request, form, formset, change):
        """The support-needs inline, through its service: the timeline says they changed, not what they are."""
        if formset.model is not SupportNeeds:
            raise ImproperlyConfigured(f"No service saves {formset.model.__name__} from the complaint page.")
        # What Django's change log reads; it names no details (special-category data stays out of it).
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.forms:
            if inline_form.has_changed():
                given = inline_form.cleaned_data
                record_changes.update_support_needs(
                    complaint=form.instance,
                    by=request.user,
                    needs=given.get("needs", []),
                    details=given.get("details", ""),
                    consent_given_on=given.get("consent_given_on"),
                    review_due_on=given.get("review_due_on"),
                )

    def has_revoke_permission(self, request):
        return request.user.has_perm(record_changes.REVOKE_LINK_PERMISSION)

    @admin.action(description="Revoke the private link and send a new one", permissions=["revoke"])
    def revoke_private_links(self, request, queryset):
        revoked = 0
        for complaint in queryset.filter(anonymised_at__isnull=True):
            record_changes.revoke_private_link(complaint=complaint, by=request.user)
            revoked += 1
        self.message_user(
            request,
            f"{revoked} private link(s) revoked: old links and open pages stop working; new links sent.",
        )

    @admin.action(description="Close resolved complaints", permissions=["change"])
    def close(self, request, queryset):
        """Close the complaints the customer accepted as resolved; closing any other is our final
        position, which this app does not decide (escalation's admin does)."""
        closed, not_resolved = 0, []
        for complaint in queryset:
            if complaint.status in services.CLOSING_WITHOUT_A_FINAL_POSITION:
                services.change_complaint_status(
                    complaint=complaint, new_status=Complaint.Status.CLOSED, by=request.user
                )
                closed += 1
            else:
                not_resolved.append(complaint.reference)
        self.message_user(request, f"{closed} complaint(s) closed.")
        if not_resolved:
            self.message_user(
                request, f"Not closed, as not resolved: {', '.join(not_resolved)}", messages.WARNING
            )

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
        return request.user.has_perm(services.ASSIGN_PERMISSION)

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        changed = services.assign_complaints(
            complaint_ids=list(queryset.values_list("pk", flat=True)),
            assignee=request.user,
            by=request.user,
        )
        self.message_user(request, f"{changed} complaint(s) assigned to you.")

    @admin.action(description="Unassign", permissions=["assign"])
    def unassign(self, request, queryset):
        changed = services.assign_complaints(
            complaint_ids=list(queryset.values_list("pk", flat=True)), assignee=None, by=request.user
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
                by=request.user,
            )
            self.message_user(
                request, f"{changed} complaint(s) assigned to {assignee.get_full_name() or assignee}."
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Assign complaints",
            "form": form,
            "selected": queryset,
            "action_name": "assign_to_someone",
            "submit_label": "Assign",
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/complaints/complaint/assign.html", context)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.anonymised_at is not None:
            return False  # its personal data was removed under retention: the record stays as it is
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False  # a complaint is a legal record: it is anonymised by retention, never deleted

    def get_urls(self):
        return [
            *self.timeline_entry_urls(),
            path(
                "<int:pk>/files/<int:attachment_id>/",
                self.admin_site.admin_view(self.attachment_view),
                name="complaints_complaint_attachment",
            ),
            *self.merge_and_link_urls(),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """Log a complaint that reached us by phone, e-mail, chat, letter or in person."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = StaffLogComplaintForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                complaint = services.file_complaint(**form.cleaned_data, by=request.user)
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
            extra_context.update(self.timeline_entry_context(request, complaint))
            extra_context.update(self.merge_and_link_context(request, complaint))
            extra_context["outbox"] += messages_of_merged(extra_context["merged_here"])
            extra_context["likely_duplicates"] = duplicates.likely_duplicates(complaint)
            extra_context["duplicates_within_days"] = duplicates.WITHIN.days
        return super().change_view(request, object_id, form_url, extra_context)

    def attachment_view(self, request, pk, attachment_id):
        complaint = get_object_or_404(Complaint, pk=pk)
        if not self.has_view_permission(request, complaint):
            raise PermissionDenied
        attachment = selectors.complaint_attachment(complaint=complaint, attachment_id=attachment_id)
        if attachment is None:
            raise Http404
        return attachment_response(attachment)


# E-mails received (the inbound mail's quarantine) are registered with the complaints' admin.
from complaints.inbound import admin as inbound_admin  # noqa: E402, F401
