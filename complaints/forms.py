"""Forms parse and check input; services do the writing."""

import re
from datetime import UTC
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.forms.fields import BaseTemporalField
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import lazy
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from complaints import needs_register
from complaints.account_numbers import ACCOUNT_NUMBER, AS_TYPED_ON_A_KEYBOARD
from complaints.models import Complaint, ReplyTemplate, SupportNeeds
from complaints.uploads import (
    ALLOWED_TYPES_LABEL,
    MAX_ATTACHMENT_BYTES,
    MAX_ATTACHMENTS,
    attachment_problems,
)

UK_POSTCODE = re.compile(r"^(GIR0AA|[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2})$")
PHONE_CHARACTERS = re.compile(r"^\+?[0-9 ()\-]+$")
MAX_DESCRIPTION = 10_000
MAX_MESSAGE = 5_000


def normalise_postcode(raw: str) -> str | None:
    """ "cb58la" → "CB5 8LA"; None if it is not a UK postcode."""
    compact = "".join((raw or "").split()).upper()
    if not UK_POSTCODE.match(compact):
        return None
    return f"{compact[:-3]} {compact[-3:]}"


def clean_uk_postcode(raw: str) -> str:
    """The normalised postcode, or a validation error a customer understands."""
    postcode = normalise_postcode(raw)
    if postcode is None:
        raise forms.ValidationError(_("Enter a UK postcode, like CB5 8LA."))
    return postcode


def clean_account_number(raw: str) -> str:
    """The account number as typed (surrounding spaces dropped), or an error a customer understands."""
    account_number = raw.translate(AS_TYPED_ON_A_KEYBOARD).strip()
    if not ACCOUNT_NUMBER.fullmatch(account_number):
        raise forms.ValidationError(
            _(
                "Enter the account number as it is on the bill: letters, numbers, spaces, hyphens, "
                "full stops or slashes."
            )
        )
    return account_number


def _too_long(limit: int, what: str) -> str:
    # %(show_value)s is left for Django to fill in with the length it measured.
    return gettext("Please keep {what} to {limit} characters or fewer (it has %(show_value)s).").format(
        what=what, limit=f"{limit:,}"
    )


# Lazy: a form's error messages are set once, at import, and shown in each visitor's language.
too_long = lazy(_too_long, str)


UK_TIME = ZoneInfo("Europe/London")


class UkDateTimeField(forms.DateTimeField):
    """A UK wall-clock time, as staff read it off a call log or a letter.

    In the hour the clocks go back (01:00-01:59 happens twice) it is the first, BST, occurrence: the
    earlier moment, so no clock starts later than it should. The hour that never happens when the
    clocks go forward is refused in words, not with a time-zone error.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as error:
            if error.code != "ambiguous_timezone":
                raise
        naive = self._naive(value)
        moment = naive.replace(tzinfo=UK_TIME, fold=0)
        if moment.astimezone(UTC).astimezone(UK_TIME).replace(tzinfo=None) != naive:
            raise ValidationError(
                f"{naive:%H:%M} on {naive:%-d %B %Y} never happened in the UK: the clocks went forward "
                "from 01:00 to 02:00. Give a time before 01:00 or from 02:00.",
                code="nonexistent_time",
            )
        return moment

    def _naive(self, value):
        text = str(value).strip()
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        return parsed or BaseTemporalField.to_python(self, text)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsField(forms.FileField):
    """Up to five PDF, PNG or JPEG files of at most 10 MB each, checked by content."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "help_text",
            format_lazy(
                _("Optional. Up to {count} files: {types}, each up to {megabytes} MB."),
                count=MAX_ATTACHMENTS,
                types=_(ALLOWED_TYPES_LABEL),
                megabytes=MAX_ATTACHMENT_BYTES // (1024 * 1024),
            ),
        )
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,application/pdf,image/png,image/jpeg"}),
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [item for item in (data if isinstance(data, list | tuple) else [data]) if item]
        if any(not isinstance(item, UploadedFile) for item in files):
            raise forms.ValidationError(_("The files did not arrive; please choose them again."))
        problems = attachment_problems(files)
        if problems:
            raise forms.ValidationError(problems)
        return files


class CountedTextMixin:
    """Long text is never cut by the browser: `maxlength` drops whatever is typed or pasted past the
    limit without a word. The limit stays on the server, with its message, and static/js/portal.js
    shows the characters left."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.Textarea) and getattr(field, "max_length", None):
                field.widget.attrs.pop("maxlength", None)
                field.widget.attrs["data-max-length"] = field.max_length
                field.widget.attrs.update(COUNT_WORDS)


# What the count under a long text says, in the page's language ({count} is filled in as typed).
COUNT_WORDS = {
    "data-count-left-one": _("You have {count} character left"),
    "data-count-left-many": _("You have {count} characters left"),
    "data-count-over-one": _("You have {count} character too many"),
    "data-count-over-many": _("You have {count} characters too many"),
}


class AdjustmentsField(forms.MultipleChoiceField):
    """What helps the customer, as tick boxes: the adjustments staff make (Complaint.Adjustment)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", Complaint.Adjustment.choices)
        kwargs.setdefault("widget", forms.CheckboxSelectMultiple)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)


def require_call_times(form: forms.BaseForm, cleaned: dict) -> None:
    """ "Calls only at certain times" needs the times; times given are that adjustment asked for."""
    adjustments = cleaned.get("adjustments") or []
    if cleaned.get("call_times") and Complaint.Adjustment.CALL_TIMES not in adjustments:
        cleaned["adjustments"] = [*adjustments, Complaint.Adjustment.CALL_TIMES]
    elif Complaint.Adjustment.CALL_TIMES in adjustments and not cleaned.get("call_times"):
        form.add_error("call_times", _("Tell us when we may call you."))


def _needs_explained() -> str:
    return format_html(
        '<p id="needs-explained" class="form-text mb-3">{}</p>',
        gettext(
            "If something makes it harder for you to deal with us (your health, a disability, your "
            "circumstances), telling us lets us help: we can write in large print, call at times that "
            "suit you, or deal with your complaint first if you rely on your landline for your safety. "
            "Only staff who need to know can see what you tell us here; everyone else sees only that "
            "there is something to take into account, what helps, and, if you rely on your landline for "
            "your safety, that your complaint comes first. We check it with you every %(months)s months, "
            "and you can ask us to change or remove it at any time."
        )
        % {"months": needs_register.REVIEW_AFTER_MONTHS},
    )


# Put into the form by crispy's HTML(), read when the page is rendered: in the page's language.
NEEDS_EXPLAINED = lazy(_needs_explained, str)()


class ComplaintForm(CountedTextMixin, forms.ModelForm):
    adjustments = AdjustmentsField(label=_("What would help you? (optional)"))
    needs = forms.MultipleChoiceField(
        label=_("Is there anything that makes it harder for you to deal with us? (optional)"),
        choices=SupportNeeds.Need.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    support_needs = forms.CharField(
        label=_("Anything else we should know to support you (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": too_long(2000, _("this"))},
    )
    needs_consent = forms.BooleanField(
        label=_("I agree that you record what I have told you about my needs, to help me"),
        required=False,
    )
    attachments = AttachmentsField(label=_("Attach files"))

    class Meta:
        model = Complaint
        fields = [
            "customer_name",
            "email",
            "phone",
            "postal_address",
            "postcode",
            "account_number",
            "customer_type",
            "category",
            "description",
            "reply_preference",
            "call_times",
            "representative_name",
            "representative_relationship",
            "representative_authority",
            "representative_email",
        ]
        labels = {
            "call_times": _("When may we call you?"),
            "customer_name": _("Full name"),
            "email": _("E-mail address"),
            "phone": _("Phone number"),
            "postal_address": _("Postal address"),
            "postcode": _("Postcode"),
            "account_number": _("Account number (optional)"),
            "customer_type": _("You are a"),
            "category": _("What is your complaint about?"),
            "description": _("Tell us what happened and what you would like us to do"),
            "reply_preference": _("How should we reply?"),
            "representative_name": _("Your name, if you are complaining for someone else"),
            "representative_relationship": _("Your relationship to them"),
            "representative_authority": _("What allows you to act for them?"),
            "representative_email": _("Your own e-mail (optional)"),
        }
        help_texts = {
            "email": _("We send your reference and updates here. Leave empty if you have no e-mail address."),
            "phone": _("So that we can call you back; phone is often the quickest way to sort things out."),
            "postal_address": _("The address we should write to (first lines, town)."),
            "account_number": _(
                "On your bills and in your welcome e-mail. Leave empty if you don't know it."
            ),
            "representative_relationship": _("For example: daughter, carer, Citizens Advice adviser."),
            "call_times": _("If you ticked “Calls only at certain times”: for example, weekdays after 2pm."),
            "representative_email": _(
                "So that e-mail you send us about it, quoting the reference, reaches it. "
                "We reply to the address above."
            ),
        }
        widgets = {
            "customer_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "type": "tel"}),
            "postal_address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "postcode": forms.TextInput(
                attrs={"autocomplete": "postal-code", "autocapitalize": "characters"}
            ),
            "customer_type": forms.RadioSelect,
            "reply_preference": forms.RadioSelect,
            "description": forms.Textarea(attrs={"rows": 8}),
            "representative_authority": forms.RadioSelect,
            "representative_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        error_messages = {
            "customer_name": {"required": _("Enter your full name.")},
            "postal_address": {
                "required": _("Enter your postal address."),
                "max_length": too_long(500, _("the address")),
            },
            "postcode": {"required": _("Enter your postcode.")},
            "category": {"required": _("Choose what your complaint is about.")},
            "customer_type": {"required": _("Choose whether you are a home or a business customer.")},
            "description": {
                "required": _("Tell us what happened."),
                "max_length": format_lazy(
                    "{} {}",
                    too_long(MAX_DESCRIPTION, _("your description")),
                    _("You can add more as a message once your complaint is filed."),
                ),
            },
            "reply_preference": {"required": _("Choose how we should reply.")},
            "email": {"invalid": _("Enter an e-mail address like name@example.com.")},
            "representative_email": {"invalid": _("Enter an e-mail address like name@example.com.")},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("Choose one…")), *Complaint.Category.choices]
        self.fields["customer_type"].initial = Complaint.CustomerType.RESIDENTIAL
        self.fields["reply_preference"].choices = Complaint.ReplyPreference.choices  # no blank radio
        self.fields["representative_authority"].choices = Complaint.RepresentativeAuthority.choices
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's own form carries the token
        self.helper.layout = Layout(
            Fieldset(
                _("About you"),
                "customer_name",
                "email",
                "phone",
                "postal_address",
                "postcode",
                "account_number",
                "customer_type",
            ),
            Fieldset(_("Your complaint"), "category", "description", "attachments"),
            Fieldset(_("How we keep in touch"), "reply_preference", "adjustments", "call_times"),
            Fieldset(
                _("Extra help (optional)"),
                HTML(NEEDS_EXPLAINED),
                "needs",
                "support_needs",
                "needs_consent",
            ),
            Fieldset(
                _("Complaining for someone else? (optional)"),
                "representative_name",
                "representative_relationship",
                "representative_authority",
                "representative_email",
            ),
        )

    def clean_customer_name(self):
        return " ".join(self.cleaned_data["customer_name"].split())

    def clean_postcode(self):
        return clean_uk_postcode(self.cleaned_data["postcode"])

    def clean_account_number(self):
        return clean_account_number(self.cleaned_data["account_number"])

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if phone and (not PHONE_CHARACTERS.match(phone) or not 10 <= sum(c.isdigit() for c in phone) <= 15):
            raise forms.ValidationError(_("Enter a phone number like 01223 446000 or +44 7700 900123."))
        return phone

    def clean(self):
        cleaned = super().clean()
        preference = cleaned.get("reply_preference")
        adjustments = cleaned.get("adjustments") or []
        if Complaint.Adjustment.NO_PHONE_CALLS in adjustments and (
            cleaned.get("call_times") or Complaint.Adjustment.CALL_TIMES in adjustments
        ):
            self.add_error("call_times", _("You asked us not to phone you: leave the times to call empty."))
        if (
            preference == Complaint.ReplyPreference.EMAIL
            and not cleaned.get("email")
            and "email" not in self.errors
        ):
            self.add_error("email", _("Give an e-mail address, or choose another way for us to reply."))
        if (
            preference == Complaint.ReplyPreference.PHONE
            and not cleaned.get("phone")
            and "phone" not in self.errors
        ):
            self.add_error("phone", _("Give a phone number, or choose another way for us to reply."))
        if (
            preference == Complaint.ReplyPreference.PHONE
            and Complaint.Adjustment.NO_PHONE_CALLS in cleaned.get("adjustments", [])
        ):
            self.add_error(
                "reply_preference", _("You asked us not to phone you: choose another way for us to reply.")
            )
        require_call_times(self, cleaned)
        if (cleaned.get("needs") or cleaned.get("support_needs")) and not cleaned.get("needs_consent"):
            self.add_error(
                "needs_consent", _("Tick the box to let us record your needs, or leave the needs empty.")
            )
        if cleaned.get("representative_name"):
            if not cleaned.get("representative_relationship"):
                self.add_error(
                    "representative_relationship", _("Tell us how you are related to the customer.")
                )
            if not cleaned.get("representative_authority"):
                self.add_error(
                    "representative_authority", _("Tell us what allows you to act for the customer.")
                )
        elif any(
            cleaned.get(field)
            for field in ("representative_relationship", "representative_authority", "representative_email")
        ):
            self.add_error(
                "representative_name", _("Give your name, as you are complaining for someone else.")
            )
        return cleaned


class StaffLogComplaintForm(ComplaintForm):
    """A complaint that reached staff by phone, e-mail, chat, letter or in person."""

    channel = forms.ChoiceField(
        label="How it reached us",
        choices=[c for c in Complaint.Channel.choices if c[0] != Complaint.Channel.PORTAL],
    )
    first_received_at = UkDateTimeField(
        label="First received",
        help_text="When the customer first complained, on any channel (UK time). It may be earlier than now. "
        "In the hour the clocks go back, 01:00–01:59 is taken as the first (BST) one.",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["needs"].label = "What makes it harder for the customer to deal with us"
        self.fields["needs_consent"].label = "The customer agreed that we record their needs (today)"
        self.fields["needs_consent"].help_text = (
            "Ask before you record anything, and say why: “So that we can help, for example by writing "
            "in large print or dealing with your complaint first if you rely on your landline for your "
            "safety, may I note this? Only staff who need to know will see it; we'll check it with you "
            f"every {needs_register.REVIEW_AFTER_MONTHS} months, and you can ask us to remove it.”"
        )
        self.fields["first_received_at"].initial = timezone.localtime().replace(second=0, microsecond=0)

    language = forms.ChoiceField(
        label="Language for letters and e-mails",
        choices=settings.LANGUAGES,
        initial=settings.LANGUAGE_CODE,
        required=False,
        help_text="The customer's choice: the acknowledgement and every later message are written in it.",
    )

    def clean_language(self):
        return self.cleaned_data["language"] or settings.LANGUAGE_CODE

    def clean_first_received_at(self):
        value = self.cleaned_data["first_received_at"]
        if value > timezone.now():
            raise forms.ValidationError("The first-received time cannot be in the future.")
        return value


class TrackComplaintForm(forms.Form):
    reference = forms.CharField(
        label=_("Complaint reference"),
        max_length=30,
        help_text=_("It looks like NS-7K2M-Q9XD. You'll find it in our acknowledgement."),
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
        error_messages={"required": _("Enter your complaint reference.")},
    )
    email_or_postcode = forms.CharField(
        label=_("Your e-mail address (or your postcode, if you gave us no e-mail address)"),
        max_length=254,
        error_messages={"required": _("Enter the e-mail address or postcode you gave us.")},
    )


class CustomerMessageForm(CountedTextMixin, forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Write your message."),
            "max_length": too_long(MAX_MESSAGE, _("your message")),
        },
    )
    attachments = AttachmentsField(label=_("Attach files"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the page's own form carries the token


class StaffEntryForm(CountedTextMixin, forms.Form):
    class Kind:
        REPLY = "reply"
        NOTE = "note"
        CALL = "call"
        LETTER = "letter"

    kind = forms.ChoiceField(
        choices=[
            (Kind.NOTE, "Internal note (staff only)"),
            (Kind.REPLY, "Reply to the customer (sent to them)"),
            (Kind.CALL, "A phone call with the customer"),
            (Kind.LETTER, "A letter from the customer"),
        ],
        widget=forms.RadioSelect,
        initial=Kind.NOTE,
    )
    body = forms.CharField(
        label="What was said or written", max_length=MAX_MESSAGE, widget=forms.Textarea(attrs={"rows": 5})
    )
    # The template the reply started from, if any: counted when the reply is sent. Any template, not
    # only active ones: one retired while the agent was writing must not cost them their words.
    reply_template = forms.ModelChoiceField(
        queryset=ReplyTemplate.objects.all(), required=False, widget=forms.HiddenInput
    )
