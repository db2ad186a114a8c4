import ipaddress

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from urllib3.util import parse_url

from complaints.forms import StaffLogComplaintForm
from integrations.models import Scope, WebhookEndpoint, WebhookEvent
from integrations.webhook_delivery import is_public


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


class WebhookEndpointForm(forms.ModelForm):
    """An endpoint's address and events. The address is checked again, resolved, at every delivery:
    here only what can be known without asking DNS (HTTPS, no password in it, no private address)."""

    url = forms.URLField(
        max_length=500, assume_scheme="https", label="URL", help_text="HTTPS; events are POSTed here as JSON."
    )
    events = forms.MultipleChoiceField(
        choices=WebhookEvent.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only what the system needs.",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        parts = parse_url(url)
        if parts.scheme != "https" and not (parts.scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
            raise ValidationError("Use an https:// address: events are signed, not secret, over plain HTTP.")
        if parts.auth:
            raise ValidationError("Leave the user name and password out of the address: events are signed.")
        host = (parts.host or "").strip("[]").rstrip(".").lower()  # "LOCALHOST." is localhost
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        private = (
            (literal is not None and not is_public(host))
            or host == "localhost"
            or host.endswith(".localhost")
        )
        if private and not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
            raise ValidationError(
                "This address is in a private network: webhooks go to public addresses only."
            )
        return url
