"""Forms for the customer's escalation steps and the staff's stage actions; services do the writing."""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.forms import MAX_MESSAGE, CountedTextMixin, UkDateTimeField, clean_uk_postcode
from complaints.models import Complaint
from complaints.uploads import attachment_problems
from escalation import clocks, conclusions
from escalation.models import (
    CompensationKind,
    Escalation,
    OmbudsmanCase,
    Outcome,
    Redress,
    RootCause,
    SubjectAccessExport,
)


class CustomerForm(CountedTextMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's own form carries the token


class ReferralForm(CustomerForm):
    """The procedure's letter to the Complaints Manager, as a form: name, address, how to reply."""

    customer_name = forms.CharField(
        label=_("Your full name"), max_length=200, error_messages={"required": _("Enter your full name.")}
    )
    postal_address = forms.CharField(
        label=_("Your address"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        error_messages={"required": _("Enter your address.")},
    )
    postcode = forms.CharField(
        label=_("Your postcode"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        error_messages={"required": _("Enter your postcode.")},
    )
    reply_preference = forms.ChoiceField(
        label=_("How should the Complaints Manager reply?"),
        choices=Complaint.ReplyPreference.choices,
        widget=forms.RadioSelect,
        help_text=_("You will get a written response whichever you choose; by phone we also call you."),
        error_messages={"required": _("Choose how the Complaints Manager should reply.")},
    )
    reason = forms.CharField(
        label=_("Why are you not satisfied? (optional)"),
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_postcode(self):
        return clean_uk_postcode(self.cleaned_data["postcode"])


class ManagingDirectorReviewForm(CustomerForm):
    reason = forms.CharField(
        label=_("What is still unresolved? (optional)"),
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


SATISFACTION_SCORES = [
    ("1", _("1 – very dissatisfied")),
    ("2", _("2 – dissatisfied")),
    ("3", _("3 – neither satisfied nor dissatisfied")),
    ("4", _("4 – satisfied")),
    ("5", _("5 – very satisfied")),
]


class SatisfactionForm(CustomerForm):
    """The survey's two questions; the score may come chosen from the e-mail's link."""

    score = forms.TypedChoiceField(
        label=_("How satisfied are you with how we handled your complaint?"),
        choices=SATISFACTION_SCORES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )
    comment = forms.CharField(
        label=_("Anything to tell us? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- Staff stage actions (the admin) -----------------------------------------------------------

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCOPE_REASON = forms.ChoiceField(
    label="Scope reason (for the record; it never stops a clock)",
    choices=[("", "None"), *Escalation.ScopeReason.choices],
    required=False,
)


def _text(label, *, required=True, rows=5):
    return forms.CharField(
        label=label, required=required, max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": rows})
    )


class DocumentField(forms.FileField):
    """One PDF, PNG or JPEG, checked by its content like the customer's files."""

    def clean(self, data, initial=None):
        uploaded = super().clean(data, initial)
        if uploaded:
            problems = attachment_problems([uploaded])
            if problems:
                raise forms.ValidationError(problems)
        return uploaded


class StageTwoLetterForm(forms.Form):
    received_on = forms.DateField(label="Letter arrived on", widget=DATE_INPUT)
    reply_preference = forms.ChoiceField(choices=Complaint.ReplyPreference.choices, label="Reply preference")
    reason = _text("What the letter says (optional)", required=False, rows=3)


class StageTwoResponseForm(forms.Form):
    response = _text("Summary for the customer's timeline")
    document = DocumentField(
        label="The written response", help_text="Required: stage 2 is answered in writing, even by phone."
    )


class ComplexCaseForm(forms.Form):
    told_at = UkDateTimeField(label="Customer told at")
    told_via = forms.ChoiceField(label="Told by", choices=Complaint.Channel.choices)
    new_target = forms.DateField(
        label="New target date",
        widget=DATE_INPUT,
        help_text=f"Within {clocks.COMPLEX_CASE_TARGET_WITHIN_MONTHS} months; tell the customer again if it takes longer.",
    )


class ConclusionForm(forms.Form):
    """Why the customer complained and how it ended: asked on every action that ends a complaint."""

    root_cause = forms.ModelChoiceField(
        label="Root cause",
        queryset=RootCause.objects.filter(active=True, group__active=True).select_related("group"),
        empty_label="Choose the root cause",
        help_text="Why the customer complained; managers keep the list in the admin.",
        error_messages={"required": conclusions.ROOT_CAUSE_REQUIRED},
    )
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("", "Choose the outcome"), *Outcome.choices],
        error_messages={"required": conclusions.OUTCOME_REQUIRED},
    )


class ProposeResolutionForm(forms.Form):
    resolution = _text("Proposed resolution (sent to the customer)")
    scope_reason = SCOPE_REASON


class AcceptanceForm(ConclusionForm):
    note = _text("Note (optional)", required=False, rows=3)


class ManagingDirectorReferralForm(forms.Form):
    reason = _text("Why (optional)", required=False, rows=3)


class DeadlockForm(forms.Form):
    final_position = _text("Our final position (shown to the customer)")
    scope_reason = SCOPE_REASON


class FinalPositionForm(ConclusionForm):
    final_position = _text("Our final position (sent to the customer; the ADR letter repeats it)")

    field_order = ["final_position", "root_cause", "outcome"]


class RedressForm(forms.Form):
    kind = forms.ChoiceField(label="What we gave", choices=[("", "Choose"), *Redress.Kind.choices])
    amount = forms.DecimalField(
        label="Amount (£)",
        required=False,
        min_value=Decimal("0.01"),
        max_digits=9,
        decimal_places=2,
        help_text="For a goodwill credit, a refund or automatic compensation only.",
    )
    given_on = forms.DateField(label="Given on", widget=DATE_INPUT)


class WithdrawRecordForm(forms.Form):
    """One of this complaint's redress or service-failure records, and why it was wrong."""

    for_complaint = True  # the stage action view passes the complaint, whose records are the choices

    record = forms.ChoiceField(label="The record made in error", widget=forms.RadioSelect)
    reason = _text("Why it was wrong (kept on the timeline)", rows=3)

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = [
            *((f"redress:{each.pk}", str(each)) for each in complaint.redress.order_by("pk")),
            *((f"failure:{each.pk}", str(each)) for each in complaint.service_failures.order_by("pk")),
        ]


class ServiceFailureForm(forms.Form):
    """The dates the automatic compensation calculator needs; which ones depends on the kind."""

    kind = forms.ChoiceField(label="Failure", choices=[("", "Choose"), *CompensationKind.choices])
    fault_reported_at = UkDateTimeField(label="Fault reported at (delayed repair)", required=False)
    fault_fixed_at = UkDateTimeField(label="Fault fixed at (delayed repair)", required=False)
    appointment_on = forms.DateField(
        label="Appointment missed on (missed appointment)", widget=DATE_INPUT, required=False
    )
    promised_start_on = forms.DateField(
        label="Promised start date (delayed provision)", widget=DATE_INPUT, required=False
    )
    service_started_on = forms.DateField(
        label="Service started on (delayed provision)", widget=DATE_INPUT, required=False
    )


class ManagingDirectorDecisionForm(forms.Form):
    decision = _text("The Managing Director's decision (sent to the customer)")
    document = DocumentField(label="Decision letter (optional)", required=False)
    scope_reason = SCOPE_REASON


class IspaReferralForm(forms.Form):
    referred_on = forms.DateField(label="Customer went to ISPA on", widget=DATE_INPUT)


class OmbudsmanReferralForm(forms.Form):
    scheme_reference = forms.CharField(max_length=50, label="Ombudsman's case reference")
    referred_on = forms.DateField(label="Referred on", widget=DATE_INPUT)


class OmbudsmanDecisionForm(forms.Form):
    decision_on = forms.DateField(label="Decision date", widget=DATE_INPUT)
    customer_response = forms.ChoiceField(
        label="Customer's answer", choices=OmbudsmanCase.CustomerResponse.choices, required=False
    )
    customer_responded_on = forms.DateField(label="Customer answered on", widget=DATE_INPUT, required=False)
    apology = forms.BooleanField(required=False)
    explanation = forms.BooleanField(required=False)
    practical_action = forms.BooleanField(label="Practical action", required=False)
    award_amount = forms.DecimalField(
        label="Financial award (£)", required=False, min_value=0, max_digits=9, decimal_places=2
    )


class RemedyDoneForm(forms.Form):
    done_on = forms.DateField(label="Put into effect on", widget=DATE_INPUT)


class CorrectFirstReceivedForm(forms.Form):
    first_received_at = UkDateTimeField(label="First received (earlier only)")
    reason = forms.CharField(label="Why", max_length=500)


class SubjectAccessForm(forms.Form):
    """Which complaints are the requester's, and how their identity was checked."""

    complaints = forms.MultipleChoiceField(
        label="The requester's complaints",
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick only those you have checked are the requester's own.",
    )
    verification = forms.ChoiceField(
        label="How the requester's identity was checked", choices=SubjectAccessExport.Verification.choices
    )
    verification_details = forms.CharField(label="Details (who checked, what was seen)", max_length=500)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.candidates = {str(candidate.complaint.pk): candidate for candidate in candidates}
        self.fields["complaints"].choices = [
            (
                key,
                f"{c.complaint.reference}, {c.complaint.customer_name}, first received "
                f"{c.complaint.first_received_at:%-d %b %Y}: {c.why}",
            )
            for key, c in self.candidates.items()
        ]
        self.fields["complaints"].initial = [key for key, c in self.candidates.items() if c.preselected]

    def clean_complaints(self):
        return [self.candidates[key].complaint for key in self.cleaned_data["complaints"]]
