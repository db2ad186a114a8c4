"""What the API shows of a complaint. Support needs (the needs register) never appear: not the
flags, not the needs, not the adjustments. A field is added here on purpose, never by default."""

from django.utils.dateparse import parse_datetime
from rest_framework import serializers

from complaints.forms import MAX_MESSAGE
from complaints.models import Complaint, TimelineEntry
from complaints.services import name_of
from escalation.clocks import DeadlineKind
from escalation.models import Escalation, Outcome
from escalation.stages import Stage


class ClocksSerializer(serializers.Serializer):
    acknowledgement_due = serializers.DateField()
    stage_one_due = serializers.DateField()
    stage_two_response_due = serializers.DateField(allow_null=True)
    adr_eligible_on = serializers.DateField(help_text="From this day the customer may go to the ombudsman.")
    next_deadline = serializers.DateField(allow_null=True)
    next_deadline_kind = serializers.ChoiceField(choices=["", *DeadlineKind.values])


class ComplaintSerializer(serializers.ModelSerializer):
    stage = serializers.ChoiceField(choices=Stage.choices, source="escalation.stage", read_only=True)
    clocks = ClocksSerializer(source="escalation", read_only=True)
    assigned_to = serializers.CharField(source="assigned_to.username", allow_null=True, read_only=True)

    class Meta:
        model = Complaint
        fields = [
            "reference",
            "status",
            "stage",
            "category",
            "channel",
            "customer_type",
            "customer_name",
            "email",
            "phone",
            "postal_address",
            "postcode",
            "account_number",
            "reply_preference",
            "description",
            "first_received_at",
            "updated_at",
            "assigned_to",
            "clocks",
        ]
        read_only_fields = fields


class ComplaintFiltersSerializer(serializers.Serializer):
    """The list's filters, checked: an unknown value is a 400 naming the field, never ignored."""

    status = serializers.ChoiceField(choices=Complaint.Status.choices, required=False)
    stage = serializers.ChoiceField(choices=Stage.choices, required=False)
    category = serializers.ChoiceField(choices=Complaint.Category.choices, required=False)
    channel = serializers.ChoiceField(choices=Complaint.Channel.choices, required=False)
    next_deadline_before = serializers.DateField(required=False, help_text="Due on or before this day.")
    next_deadline_after = serializers.DateField(required=False, help_text="Due on or after this day.")
    assigned = serializers.BooleanField(required=False, allow_null=True, default=None)
    updated_since = serializers.DateTimeField(required=False)


# The schema's names for the two sets of channels (SPECTACULAR_SETTINGS["ENUM_NAME_OVERRIDES"]).
CHANNELS = Complaint.Channel.choices
# How a complaint another system opens reached us (the portal's own are filed there).
LOGGED_CHANNELS = [choice for choice in Complaint.Channel.choices if choice[0] != Complaint.Channel.PORTAL]


class Text(serializers.CharField):
    """A text: a JSON string, never a number turned into one (a resolution of "5" e-mailed to a customer)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class Email(Text, serializers.EmailField):
    pass


class WholeNumber(serializers.IntegerField):
    """A JSON integer, never a text that reads as one ("5.0", a full-width digit)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class MomentWithOffset(serializers.DateTimeField):
    """A moment in ISO 8601 with its offset (a time without one could be read an hour out)."""

    default_error_messages = {"naive": "Give the time with its offset, e.g. 2026-12-06T09:41:00+00:00."}

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)  # a bare date too, as midnight without an offset
            except ValueError:
                parsed = None  # no such day or hour: DRF's own parsing says the format is wrong
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


class StrictInput(serializers.Serializer):
    """A write's body: types checked here, and a field the API does not take is refused by name
    (never silently dropped); then the admin's own form and rules."""

    def validate(self, attrs):
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: ["Not a field the API takes."] for name in unknown})
        return attrs


class ComplaintInputSerializer(StrictInput):
    """What opening a complaint takes; then the admin's "Log a complaint" rules (ApiComplaintForm)."""

    channel = serializers.ChoiceField(choices=LOGGED_CHANNELS)
    first_received_at = MomentWithOffset(
        help_text="Past or now, never future: the ombudsman clock runs from it."
    )
    customer_name = Text(max_length=200)
    email = Email(required=False, allow_blank=True)
    phone = Text(required=False, allow_blank=True, max_length=30)
    postal_address = Text(max_length=500)
    postcode = Text(max_length=10)
    account_number = Text(required=False, allow_blank=True, max_length=30)
    customer_type = serializers.ChoiceField(choices=Complaint.CustomerType.choices)
    category = serializers.ChoiceField(choices=Complaint.Category.choices)
    description = Text(max_length=10_000)
    reply_preference = serializers.ChoiceField(choices=Complaint.ReplyPreference.choices)
    language = serializers.ChoiceField(choices=["en", "cy"], required=False)


class TimelineEntrySerializer(serializers.ModelSerializer):
    author = serializers.SerializerMethodField()

    class Meta:
        model = TimelineEntry
        fields = ["id", "kind", "body", "author", "created_at"]
        read_only_fields = fields

    def get_author(self, entry) -> str:
        """Staff or an integration by name; an entry with no author came from the customer or the portal."""
        return name_of(entry.author) if entry.author else ""


class NewEntrySerializer(StrictInput):
    """A call, a letter received or an internal note, as the admin's complaint page adds them."""

    KINDS = {
        "call": TimelineEntry.Kind.CALL_LOGGED,
        "letter": TimelineEntry.Kind.LETTER_RECEIVED,
        "internal_note": TimelineEntry.Kind.INTERNAL_NOTE,
    }

    kind = serializers.ChoiceField(choices=list(KINDS))
    body = Text(max_length=MAX_MESSAGE, help_text="What was said or written.")


class MonthlyFiguresQuerySerializer(serializers.Serializer):
    by = serializers.ChoiceField(choices=["category", "channel"], default="category")


class MonthlyFiguresRowSerializer(serializers.Serializer):
    """One month and group of the monthly report (by month first received), as on the report page."""

    month = serializers.DateField()
    group = serializers.CharField()
    group_label = serializers.CharField()
    received = serializers.IntegerField()
    acknowledged_on_time = serializers.IntegerField()
    resolved_at_stage_one_on_time = serializers.IntegerField()
    referred_to_stage_two = serializers.IntegerField()
    stage_two_on_time = serializers.IntegerField()
    deadlocks = serializers.IntegerField()
    adr_letters_period = serializers.IntegerField()
    adr_letters_deadlock = serializers.IntegerField()
    ombudsman_referrals = serializers.IntegerField()
    ombudsman_accepted = serializers.IntegerField()
    ombudsman_rejected = serializers.IntegerField()
    median_days_to_resolve = serializers.FloatField(allow_null=True)


class MonthlyFiguresSerializer(serializers.Serializer):
    by = serializers.CharField()
    computed_at = serializers.DateTimeField(
        allow_null=True, help_text="Empty until the worker first computes them."
    )
    rows = MonthlyFiguresRowSerializer(many=True)


# --- Stage actions: what each takes (then the admin's form for it, its rule and its service) ---------


class ProposeInput(StrictInput):
    resolution = Text(max_length=MAX_MESSAGE, help_text="Sent to the customer.")
    scope_reason = serializers.ChoiceField(
        choices=Escalation.ScopeReason.choices,
        required=False,
        allow_blank=True,
        help_text="For the record; it never stops a clock.",
    )


class ComplexInput(StrictInput):
    told_at = MomentWithOffset(help_text="When the customer was told: ISO 8601 with its offset.")
    told_via = serializers.ChoiceField(choices=Complaint.Channel.choices)
    new_target = serializers.DateField(help_text="The new target date, within the complex-case limit.")


class ConclusionInput(StrictInput):
    root_cause = WholeNumber(help_text="A root cause's id: GET /api/v1/root-causes/.")
    outcome = serializers.ChoiceField(choices=Outcome.choices)


class AcceptInput(ConclusionInput):
    note = Text(max_length=MAX_MESSAGE, required=False, allow_blank=True)


class StageTwoLetterInput(StrictInput):
    received_on = serializers.DateField(
        help_text="The day the customer's letter (or call) asking for it arrived."
    )
    reply_preference = serializers.ChoiceField(choices=Complaint.ReplyPreference.choices)
    reason = Text(max_length=MAX_MESSAGE, required=False, allow_blank=True)


class StageActionSerializer(serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    allowed = serializers.BooleanField(help_text="Whether its rule allows it now.")
    problem = serializers.CharField(allow_null=True, help_text="Why not, in the rule's words.")


class RootCauseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    group = serializers.CharField(source="group.name")
    name = serializers.CharField()
