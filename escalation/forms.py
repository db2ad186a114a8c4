"""Forms for the customer's escalation steps and the staff's stage actions; services do the writing."""

from crispy_forms.helper import FormHelper
from django import forms

from complaints.forms import MAX_MESSAGE, clean_uk_postcode
from complaints.models import Complaint


class CustomerForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ReferralForm(CustomerForm):
    """The procedure's letter to the Complaints Manager, as a form: name, address, how to reply."""

    customer_name = forms.CharField(
        label="Your full name", max_length=200, error_messages={"required": "Enter your full name."}
    )
    postal_address = forms.CharField(
        label="Your address",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        error_messages={"required": "Enter your address."},
    )
    postcode = forms.CharField(
        label="Your postcode",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
        error_messages={"required": "Enter your postcode."},
    )
    reply_preference = forms.ChoiceField(
        label="How should the Complaints Manager reply?",
        choices=Complaint.ReplyPreference.choices,
        widget=forms.RadioSelect,
        help_text="You will get a written response whichever you choose; by phone we also call you.",
        error_messages={"required": "Choose how the Complaints Manager should reply."},
    )
    reason = forms.CharField(
        label="Why are you not satisfied? (optional)",
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_postcode(self):
        return clean_uk_postcode(self.cleaned_data["postcode"])


class ManagingDirectorReviewForm(CustomerForm):
    reason = forms.CharField(
        label="What is still unresolved? (optional)",
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
