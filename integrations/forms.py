from django import forms

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
