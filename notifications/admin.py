"""The outbox in the admin: what was sent, what is waiting, what failed; retry and mark posted."""

from django.contrib import admin
from django.http import HttpResponse
from django.utils import timezone

from notifications import services
from notifications.letters import render_letters_pdf
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
    )
    list_filter = ("status", "channel", "template_key")
    search_fields = ("=reference", "recipient_email", "recipient_name")
    date_hierarchy = "created_at"
    actions = ("print_letters", "retry", "mark_posted_today", "mark_calls_made")
    exclude = ("context",)

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

    @admin.action(description="Print the selected letters (one PDF)", permissions=["view"])
    def print_letters(self, request, queryset):
        letters = queryset.filter(channel=OutboundMessage.Channel.LETTER).order_by("created_at", "pk")
        if not letters:
            self.message_user(request, "None of the selected messages is a letter.")
            return None
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

    @admin.action(description="Mark letters as posted today", permissions=["change"])
    def mark_posted_today(self, request, queryset):
        letters = queryset.filter(
            channel=OutboundMessage.Channel.LETTER, status=OutboundMessage.Status.AWAITING_POST
        )
        for message in letters:
            services.mark_letter_posted(message=message, posted_on=timezone.localdate())
        self.message_user(request, "Letters marked as posted.")
