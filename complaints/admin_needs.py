"""The needs register in the complaint admin: its inline form (consent and review dates) and the
badges shown for it. Agents see that there are needs, the landline priority and what helps; the
needs themselves only staff with `view_support_needs_details` (ComplaintAdmin picks the columns)."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from complaints import needs_register
from complaints.models import Complaint, SupportNeeds

# A date input reads and writes only YYYY-MM-DD: the locale's 06/12/2026 would show as empty.
ISO_DATE_INPUT = forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


class SupportNeedsForm(forms.ModelForm):
    needs = forms.MultipleChoiceField(
        choices=SupportNeeds.Need.choices, widget=forms.CheckboxSelectMultiple, required=False
    )
    consent_given_on = forms.DateField(
        label="Consent given on",
        required=False,
        widget=ISO_DATE_INPUT,
        help_text="When the customer agreed that we record their needs (asked again at each review).",
    )
    review_due_on = forms.DateField(
        label="Review due on",
        required=False,
        widget=ISO_DATE_INPUT,
        help_text=f"Moves {needs_register.REVIEW_AFTER_MONTHS} months on from a new consent date unless you set it.",
    )

    class Meta:
        model = SupportNeeds
        fields = ["needs", "details", "consent_given_on", "review_due_on"]

    def clean(self):
        cleaned = super().clean()
        if not self.has_changed():
            # Left as it was (a record kept from before consent was asked, say): the rest of the
            # page still saves, and the record waits for its review.
            return cleaned
        given = cleaned.get("consent_given_on")
        if (cleaned.get("needs") or cleaned.get("details", "").strip()) and not given:
            self.add_error(
                "consent_given_on", "Give the date the customer agreed that we record their needs."
            )
        elif given and given > timezone.localdate():
            self.add_error("consent_given_on", "The consent date cannot be in the future.")
        elif given and cleaned.get("review_due_on") and cleaned["review_due_on"] <= given:
            self.add_error("review_due_on", "The review is due after the consent date.")
        if "consent_given_on" in self.changed_data and "review_due_on" not in self.changed_data:
            cleaned["review_due_on"] = None  # the service sets it 12 months on
        return cleaned


class SupportNeedsInline(admin.StackedInline):
    """Health and disability details: only for staff with the dedicated permission."""

    model = SupportNeeds
    form = SupportNeedsForm
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


def _needs_badges(complaint: Complaint, needs: list[str]):
    badges = []
    if complaint.relies_on_landline_for_safety:
        badges.append(("badge-priority", "Relies on a landline for safety"))
    if complaint.has_support_needs:
        badges.extend(("badge-need", need) for need in needs or ["Needs: see record"])
    if not badges:
        return "–"
    return format_html_join(" ", '<span class="badge {}">{}</span>', badges)


class NeedsColumns:
    """The needs columns and the complaint page's needs line, for ComplaintAdmin."""

    @admin.display(description="needs")
    def needs(self, complaint):
        """For every agent: that there are needs to take into account (see the record, if allowed)
        and the priority a landline for safety gives; never which needs they are."""
        return _needs_badges(complaint, [])

    @admin.display(description="needs")
    def needs_on_record(self, complaint):
        """The complaint page's line for every agent: the badges, and when the record is due for
        review (the needs themselves only for staff allowed to read them: `needs_on_record_in_full`)."""
        return self._needs_line(complaint, self.needs(complaint))

    @admin.display(description="needs")
    def needs_on_record_in_full(self, complaint):
        return self._needs_line(complaint, self.needs_in_full(complaint))

    def _needs_line(self, complaint, badges):
        record = getattr(complaint, "support_needs", None) if complaint.has_support_needs else None
        # A refused save leaves the form's values on the record shown: a date may be missing.
        if record is None or record.review_due_on is None:
            return badges
        return format_html("{} Review due {}.", badges, f"{record.review_due_on:%-d %b %Y}")

    @admin.display(description="needs")
    def needs_in_full(self, complaint):
        """For staff allowed to read the register: the needs themselves, as badges."""
        record = getattr(complaint, "support_needs", None) if complaint.has_support_needs else None
        # Telecare shows as the priority badge every agent sees, not twice.
        given = record.needs if record else []
        return _needs_badges(
            complaint, [SupportNeeds.Need(need).label for need in given if need != SupportNeeds.Need.TELECARE]
        )
