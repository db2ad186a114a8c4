"""The outbox in the admin: what was sent, what is waiting, what failed; retry and mark posted."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from notifications import services
from notifications.letters import FORMAT_NOTE, render_letters_pdf
from notifications.models import OutboundMessage


@admin.register(OutboundMessage)
class OutboundMessageAdmin(admin.ModelAdmin):
    list_display = (
        "created_at",
        "reference",
        "template_key",
        "channel",
        "recipient_name",
        "status",
        "attempts",
        "next_attempt_at",
        "format_note",
    )
    list_filter = ("status", "channel", "template_key")
    search_fields = ("=reference", "recipient_email", "recipient_name")
    date_hierarchy = "created_at"
    actions = ("print_letters", "retry", "mark_handled", "mark_posted", "mark_calls_made")
    exclude = ("context",)

    @admin.display(description="format")
    def format_note(self, message):
        return (
            message.context.get(FORMAT_NOTE, "") if message.channel == OutboundMessage.Channel.LETTER else ""
        )

    def get_changelist_instance(self, request):
        try:
            return super().get_changelist_instance(request)
        except OverflowError as error:
            # A year past 9999 in the date hierarchy: Django turns a ValueError into its "?e=1"
            # answer, but datetime() overflows first for a long enough number.
            raise IncorrectLookupParameters(error) from error

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields if field.name != "context"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Retry delivery of failed messages", permissions=["change"])
    def retry(self, request, queryset):
        for message in queryset.filter(status=OutboundMessage.Status.FAILED):
            services.retry_message(message=message)
        self.message_user(request, "Failed messages queued again.")

    @admin.action(
        description="Mark failed messages as handled (no more daily retries)", permissions=["change"]
    )
    def mark_handled(self, request, queryset):
        failed = queryset.filter(status=OutboundMessage.Status.FAILED, handled_at__isnull=True)
        for message in failed:
            services.mark_failure_handled(message=message)
        self.message_user(request, f"{len(failed)} failed message(s) marked as handled.")

    @admin.action(description="Print the selected letters (one PDF)", permissions=["view"])
    def print_letters(self, request, queryset):
        letters = queryset.filter(channel=OutboundMessage.Channel.LETTER).order_by("created_at", "pk")
        if not letters:
            self.message_user(request, "None of the selected messages is a letter.")
            return None
        in_another_format = [
            f"{letter.reference}: {letter.context[FORMAT_NOTE]}"
            for letter in letters
            if letter.context.get(FORMAT_NOTE)
        ]
        if in_another_format:
            # The print is the text to work from; the customer gets the version they asked for.
            self.message_user(
                request,
                f"Not to be posted as printed: {'; '.join(in_another_format)}",
                messages.WARNING,
            )
        response = HttpResponse(render_letters_pdf(letters), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="letters-{timezone.localdate():%Y-%m-%d}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response

    @admin.action(description="Mark calls as made", permissions=["change"])
    def mark_calls_made(self, request, queryset):
        calls = queryset.filter(
            channel=OutboundMessage.Channel.CALL, status=OutboundMessage.Status.AWAITING_CALL
        )
        for message in calls:
            services.mark_call_made(message=message)
        self.message_user(request, "Calls marked as made.")

    @admin.action(description="Mark letters as posted…", permissions=["change"])
    def mark_posted(self, request, queryset):
        """An intermediate page asks the day they were posted (today unless said otherwise): a letter
        counts as sent that day, not the day someone records it."""
        letters = list(
            queryset.filter(
                channel=OutboundMessage.Channel.LETTER, status=OutboundMessage.Status.AWAITING_POST
            )
        )
        if not letters:
            self.message_user(request, "None of the selected messages is a letter waiting to be posted.")
            return None
        form = PostedForm(request.POST if "posted_on" in request.POST else None)
        if form.is_valid():
            posted, refused = 0, []
            for message in letters:
                try:
                    services.mark_letter_posted(message=message, posted_on=form.cleaned_data["posted_on"])
                    posted += 1
                except ValidationError as refusal:
                    refused.append(f"{message.reference} ({' '.join(refusal.messages)})")
            self.message_user(request, f"{posted} letter(s) marked as posted.")
            if refused:
                self.message_user(request, f"Not marked: {'; '.join(refused)}", messages.WARNING)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Mark letters as posted",
            "form": form,
            "selected": letters,
            "action_name": "mark_posted",
            "submit_label": "Mark posted",
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/notifications/outboundmessage/mark_posted.html", context)


class PostedForm(forms.Form):
    posted_on = forms.DateField(
        label="Posted on",
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
