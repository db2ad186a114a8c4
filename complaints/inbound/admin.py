"""Staff's view of e-mail in: every message received and what became of it; the ones waiting for
staff (quarantine) with the three things staff can do: attach to a complaint, open as a new
complaint, discard. The message is shown as text and offered as an .eml download, never rendered."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from complaints.inbound import receiving
from complaints.inbound.parsing import parse_email
from complaints.models import Complaint, InboundEmail
from complaints.references import normalise_reference


class HandleEmailForm(forms.Form):
    class Action(models.TextChoices):
        ATTACH = "attach", "Attach to complaint"
        OPEN = "open", "Open as a new complaint"
        DISCARD = "discard", "Discard"

    action = forms.ChoiceField(choices=Action.choices, widget=forms.RadioSelect)
    reference = forms.CharField(required=False, label="Complaint reference (to attach to)", max_length=20)
    reason = forms.CharField(required=False, label="Why discard it", max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("action") == self.Action.ATTACH:
            reference = normalise_reference(data.get("reference", ""))
            complaint = Complaint.objects.filter(reference=reference).first() if reference else None
            if complaint is None:
                self.add_error("reference", "No complaint has this reference.")
            data["complaint"] = complaint
        if data.get("action") == self.Action.DISCARD and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why it needs nothing, for the record.")
        return data


@admin.register(InboundEmail)
class InboundEmailAdmin(admin.ModelAdmin):
    list_display = ("received_at", "sender", "subject", "outcome", "reason", "complaint_link")
    list_filter = ("outcome", "received_via")
    search_fields = ("sender", "subject", "=message_id")
    list_select_related = ("complaint",)
    list_per_page = 100
    show_full_result_count = False

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw")  # up to 25 MB each: only on the page of one

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="complaint", ordering="complaint__reference")
    def complaint_link(self, email):
        if email.complaint is None:
            return "–"
        url = reverse("admin:complaints_complaint_change", args=[email.complaint_id])
        return format_html('<a href="{}">{}</a>', url, email.complaint.reference)

    def get_urls(self):
        return [
            path(
                "<int:pk>/original/",
                self.admin_site.admin_view(self.original_view),
                name="complaints_inboundemail_original",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """One message: who sent it, what became of it and why, its text, and what staff can do."""
        email = get_object_or_404(InboundEmail, pk=object_id)
        if not self.has_view_permission(request, email):
            raise PermissionDenied
        may_handle = email.outcome in receiving.STAFF_MAY_HANDLE and self.has_change_permission(
            request, email
        )
        form = HandleEmailForm(request.POST or None)
        if request.method == "POST":
            if not may_handle:
                raise PermissionDenied
            if form.is_valid() and (done := self._handle(request, email, form)) is not None:
                return done
        parsed = parse_email(bytes(email.raw))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(email),
            "email": email,
            "text": parsed.text,
            "files": [file.name for file in parsed.files],
            "problems": parsed.problems,
            "form": form if may_handle else None,
        }
        return TemplateResponse(request, "admin/complaints/inboundemail/detail.html", context)

    def _handle(self, request, email, form):
        action = form.cleaned_data["action"]
        try:
            if action == HandleEmailForm.Action.ATTACH:
                done = receiving.attach_email_to_complaint(
                    email=email, complaint=form.cleaned_data["complaint"], by=request.user
                )
            elif action == HandleEmailForm.Action.OPEN:
                done = receiving.open_complaint_from_email(email=email, by=request.user)
            else:
                done = receiving.discard_email(
                    email=email, by=request.user, reason=form.cleaned_data["reason"]
                )
        except (ValidationError, receiving.EmailAlreadyHandled) as error:
            form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            return None
        self.message_user(request, done.reason, messages.SUCCESS)
        if done.complaint_id:
            return redirect("admin:complaints_complaint_change", done.complaint_id)
        return redirect("admin:complaints_inboundemail_changelist")

    def original_view(self, request, pk):
        """The message exactly as received, as a download (an e-mail program opens it)."""
        email = get_object_or_404(InboundEmail, pk=pk)
        if not self.has_view_permission(request, email):
            raise PermissionDenied
        response = HttpResponse(bytes(email.raw), content_type="message/rfc822")
        response["Content-Disposition"] = f'attachment; filename="e-mail-{email.pk}.eml"'
        response["Cache-Control"] = "private, no-store"
        return response
