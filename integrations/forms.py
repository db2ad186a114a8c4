from django import forms

from complaints.forms import StaffLogComplaintForm
from integrations.models import Scope


class NewKeyForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="The system that will use it, e.g. “CRM (Salesforce)”: shown in the log."
    )
    scopes = forms.MultipleChoiceField(
        choices=Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what the system needs: each request is refused without its scope.",
    )
    expires_at = forms.DateTimeField(
        required=False,
        label="Expires",
        help_text="Date and time, e.g. 2027-12-31 23:59. Empty: never (revoke it when no longer used).",
    )


class ApiComplaintForm(StaffLogComplaintForm):
    """The admin's "Log a complaint" rules for a complaint opened through the API, with the
    first-received time in ISO 8601 (with its offset), and without what the API never carries:
    support needs and what helps the customer (recorded with the customer, by staff), files, and
    a representative (whose authority staff check)."""

    first_received_at = forms.DateTimeField(
        help_text="When the customer first complained, on any channel: ISO 8601 with its offset."
    )
    NOT_THROUGH_THE_API = (
        "needs",
        "support_needs",
        "needs_consent",
        "attachments",
        "adjustments",
        "call_times",
        "representative_name",
        "representative_relationship",
        "representative_authority",
        "representative_email",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.NOT_THROUGH_THE_API:
            del self.fields[name]
