"""Adding to a complaint's timeline from its admin page: an internal note, a logged call or letter, or
a reply to the customer, which staff may start from a reply template.

"Fill the reply" reads the template filled for this complaint as JSON and puts it in the reply box
(static/js/reply-templates.js), so what the agent has already typed on the page stays. Without
JavaScript the same button reloads the page with the box filled.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from complaints import placeholders, reply_actions, reply_templates, services
from complaints.forms import StaffEntryForm
from complaints.models import Complaint, ReplyTemplate, TimelineEntry

LOGGED_CONTACTS = {
    StaffEntryForm.Kind.CALL: TimelineEntry.Kind.CALL_LOGGED,
    StaffEntryForm.Kind.LETTER: TimelineEntry.Kind.LETTER_RECEIVED,
}


class TimelineEntryViews:
    """Mixed into the complaint's ModelAdmin."""

    def timeline_entry_urls(self):
        return [
            path(
                "<int:pk>/entry/",
                self.admin_site.admin_view(self.add_entry_view),
                name="complaints_complaint_entry",
            ),
            path(
                "<int:pk>/reply-template/",
                self.admin_site.admin_view(require_GET(never_cache(self.filled_reply_template_view))),
                name="complaints_complaint_reply_template",
            ),
        ]

    def timeline_entry_context(self, request, complaint: Complaint) -> dict:
        """For the change page: the entry form, the templates to start a reply from, and the chosen
        template's action (with ?reply_template=<id>, the page reloaded without JavaScript)."""
        template = _active_template(request.GET.get("reply_template", ""))
        return {
            "entry_form": _entry_form(template, complaint),
            "template_action": _template_action(template, complaint, request.user),
            "reply_templates": ReplyTemplate.objects.filter(active=True).only("pk", "title"),
            "entry_url": reverse("admin:complaints_complaint_entry", args=[complaint.pk]),
            "filled_template_url": reverse("admin:complaints_complaint_reply_template", args=[complaint.pk]),
        }

    def filled_reply_template_view(self, request, pk):
        """?reply_template=<id>: the template filled for this complaint, and what its action would do
        now. Read, never counted (a template's use is counted when the reply is sent)."""
        complaint = get_object_or_404(Complaint, pk=pk)
        if not self.has_change_permission(request, complaint) or complaint.merged_into_id is not None:
            raise PermissionDenied
        template = _active_template(request.GET.get("reply_template", ""))
        if template is None:
            raise Http404
        action = _template_action(template, complaint, request.user)
        return JsonResponse(
            {
                "template": template.pk,
                "body": reply_templates.fill(template, complaint),
                "action": action["label"] if action else None,
                "action_problem": action["problem"] if action else None,
            }
        )

    def add_entry_view(self, request, pk):
        """An internal note or a reply to the customer, posted from the complaint page."""
        complaint = get_object_or_404(Complaint, pk=pk)
        if request.method != "POST" or not self.has_change_permission(request, complaint):
            raise PermissionDenied
        form = StaffEntryForm(request.POST)
        if complaint.merged_into_id is not None:
            self.message_user(request, "This complaint was merged: add to the one it joined.", messages.ERROR)
        elif not form.is_valid():
            self.message_user(request, "Write some text, then choose what it is.", messages.ERROR)
        elif form.cleaned_data["kind"] == StaffEntryForm.Kind.REPLY and form.cleaned_data["reply_template"]:
            sent = reply_actions.reply_from_template(
                complaint=complaint,
                by=request.user,
                body=form.cleaned_data["body"],
                template=form.cleaned_data["reply_template"],
            )
            also = f" Also done: {sent.applied}." if sent.applied else ""
            self.message_user(request, f"Reply added and sent to the customer.{also}")
            if sent.not_applied:
                self.message_user(
                    request, f"The template's action was not applied. {sent.not_applied}", messages.WARNING
                )
        elif form.cleaned_data["kind"] == StaffEntryForm.Kind.REPLY:
            services.reply_to_customer(complaint=complaint, by=request.user, body=form.cleaned_data["body"])
            self.message_user(request, "Reply added and sent to the customer.")
        elif form.cleaned_data["kind"] in LOGGED_CONTACTS:
            services.log_contact(
                complaint=complaint,
                by=request.user,
                kind=LOGGED_CONTACTS[form.cleaned_data["kind"]],
                body=form.cleaned_data["body"],
            )
            self.message_user(request, "Logged on the complaint's timeline.")
        else:
            services.add_internal_note(complaint=complaint, by=request.user, body=form.cleaned_data["body"])
            self.message_user(request, "Internal note added.")
        return redirect("admin:complaints_complaint_change", complaint.pk)


def _active_template(chosen: str) -> ReplyTemplate | None:
    if not (chosen.isascii() and chosen.isdigit()):
        return None
    return ReplyTemplate.objects.filter(pk=int(chosen), active=True).first()


def _template_action(template: ReplyTemplate | None, complaint: Complaint, user) -> dict | None:
    """The template's action, and why it would not be applied now (None: it would)."""
    if template is None or not template.action:
        return None
    return {
        "label": str(ReplyTemplate.Action(template.action).label),
        "problem": reply_actions.action_problem(template.action, complaint, user),
    }


def _entry_form(template: ReplyTemplate | None, complaint: Complaint) -> StaffEntryForm:
    """Empty, or a reply started from the template for this complaint."""
    if template is None:
        return StaffEntryForm()
    return StaffEntryForm(
        initial={
            "kind": StaffEntryForm.Kind.REPLY,
            "body": reply_templates.fill(template, complaint),
            "reply_template": template.pk,
        }
    )


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    """Replies staff start from; managers keep them, everyone who replies uses them."""

    list_display = ("title", "action", "active", "times_used", "updated_at")
    list_filter = ("active", "action")
    search_fields = ("title", "body")
    readonly_fields = ("times_used", "placeholders_you_can_use")
    fields = ("title", "body", "body_cy", "action", "active", "placeholders_you_can_use", "times_used")

    @admin.display(description="placeholders you can use")
    def placeholders_you_can_use(self, template):
        return ", ".join(f"{{{{ {name} }}}}" for name in placeholders.known_placeholders())

    def has_delete_permission(self, request, obj=None):
        return False  # retire a template (untick "active"): its use stays counted
