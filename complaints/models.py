import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _

from complaints.account_numbers import account_key_expression
from complaints.placeholders import known_placeholders, unknown_placeholders
from complaints.references import REFERENCE_REGEX


class ComplaintQuerySet(models.QuerySet):
    def for_update(self, **options):
        """Lock the rows for a write that never changes their key (FOR NO KEY UPDATE on PostgreSQL):
        one writer at a time, yet rows that point at them (timeline entries, the sweep's claims)
        can still be inserted meanwhile, so a service and the deadline sweep never deadlock."""
        return self.select_for_update(no_key=True, **options)


class Complaint(models.Model):
    """A customer's complaint and the contact details it was made with."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        IN_PROGRESS = "in_progress", _("Being looked into")
        RESOLUTION_PROPOSED = "resolution_proposed", _("Resolution proposed")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")
        # A duplicate joined with another complaint (the primary), which carries its history on.
        MERGED = "merged", _("Joined with another complaint")

    class Channel(models.TextChoices):
        PORTAL = "portal", "Online (this portal)"
        PHONE = "phone", "Phone"
        EMAIL = "email", "E-mail"
        CHAT = "chat", "Online chat"
        LETTER = "letter", "Letter"
        IN_PERSON = "in_person", "In person"

    class Category(models.TextChoices):
        BILLING = "billing", _("Billing")
        BROADBAND_FAULT = "broadband_fault", _("Broadband fault or speed")
        INSTALLATION = "installation", _("Installation or provisioning")
        CONTRACT = "contract", _("Contract, moving or cancellation")
        CUSTOMER_SERVICE = "customer_service", _("Customer service")
        DATA_PROTECTION = "data_protection", _("Data protection or privacy")
        OTHER = "other", _("Something else")

    class CustomerType(models.TextChoices):
        RESIDENTIAL = "residential", _("Residential (home) customer")
        SMALL_BUSINESS = "small_business", _("Small business (10 or fewer people)")
        LARGER_BUSINESS = "larger_business", _("Larger business (more than 10 people)")

    class RepresentativeAuthority(models.TextChoices):
        CUSTOMER_CONSENT = "customer_consent", _("The customer has agreed (they can confirm it to you)")
        WRITTEN_AUTHORITY = "written_authority", _("A signed letter of authority")
        POWER_OF_ATTORNEY = "power_of_attorney", _("Power of attorney or deputyship")
        ACCOUNT_HOLDER = "account_holder", _("I am a named holder of the account")

    class Adjustment(models.TextChoices):
        """What helps a customer deal with us: staff make these adjustments, whoever looks after them
        (health details stay in the support needs, for those allowed to read them)."""

        LARGE_PRINT = "large_print", _("Letters in large print")
        BRAILLE = "braille", _("Letters in Braille")
        EASY_READ = "easy_read", _("Easy read")
        PLAIN_TEXT_EMAIL = "plain_text_email", _("E-mails in plain text (no pictures or layout)")
        TEXT_RELAY = "text_relay", _("Calls through text relay (Relay UK)")
        BSL_VIDEO_RELAY = "bsl_video_relay", _("Calls through a BSL video relay")
        NAMED_CONTACT = "named_contact", _("The same person to deal with each time")
        CARER_OR_REPRESENTATIVE = "carer_or_representative", _("A carer or representative to talk to us")
        CALL_TIMES = "call_times", _("Calls only at certain times")
        NO_PHONE_CALLS = "no_phone_calls", _("No phone calls")

    class ReplyPreference(models.TextChoices):
        EMAIL = "email", _("E-mail")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")

    reference = models.CharField(max_length=12, unique=True, editable=False)
    # Mixed into private tracking links; replacing it revokes every link sent so far.
    tracking_key = models.CharField(max_length=32, editable=False)
    status = models.CharField(max_length=30, choices=Status.choices, default=Status.RECEIVED)
    channel = models.CharField(max_length=20, choices=Channel.choices, default=Channel.PORTAL)
    category = models.CharField(max_length=30, choices=Category.choices)
    customer_type = models.CharField(
        max_length=20, choices=CustomerType.choices, default=CustomerType.RESIDENTIAL
    )
    customer_name = models.CharField("full name", max_length=200)
    email = models.EmailField("e-mail address", blank=True)
    phone = models.CharField("phone number", max_length=30, blank=True)
    postal_address = models.TextField(max_length=500)
    postcode = models.CharField(max_length=10)
    account_number = models.CharField(max_length=30, blank=True)
    reply_preference = models.CharField("how we should reply", max_length=10, choices=ReplyPreference.choices)
    description = models.TextField("what went wrong", max_length=10_000)
    has_support_needs = models.BooleanField("needs support", default=False)
    first_received_at = models.DateTimeField(
        db_index=True, help_text="When the complaint first reached us on any channel."
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The staff member who logged it and set its first-received time; empty when filed online.",
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_complaints",
        limit_choices_to={"is_staff": True, "is_active": True},
        help_text="The agent looking after it; reminders go to them, or to the Complaints Managers.",
    )
    # Someone complaining for the customer (a relative, a carer, an adviser), and on what authority.
    representative_name = models.CharField("representative's name", max_length=200, blank=True)
    representative_relationship = models.CharField("relationship to the customer", max_length=100, blank=True)
    representative_authority = models.CharField(
        "authority to act", max_length=20, choices=RepresentativeAuthority.choices, blank=True
    )
    adjustments = models.JSONField(
        "what helps",
        default=list,
        blank=True,
        help_text="Adjustments the customer asked for (Complaint.Adjustment values).",
    )
    call_times = models.CharField(
        "when we may call", max_length=100, blank=True, help_text="When the customer asked us to call."
    )
    # Set from the needs register, and shown to every agent: a customer whose safety depends on the
    # line (a telecare alarm, no mobile signal) is dealt with first (Ofcom GC C5). No health detail.
    relies_on_landline_for_safety = models.BooleanField(
        "relies on a landline for safety", default=False, editable=False
    )
    representative_email = models.EmailField(
        "representative's e-mail address",
        blank=True,
        help_text="E-mail from this address that quotes the reference is added to the complaint.",
    )
    language = models.CharField(
        max_length=7,
        choices=settings.LANGUAGES,
        default="en-gb",
        help_text="The language the customer chose: every later e-mail and letter is written in it.",
    )
    no_surveys = models.BooleanField(
        "no satisfaction surveys",
        default=False,
        help_text="The customer asked us not to ask how we handled their complaints (any complaint from "
        "this e-mail address).",
    )
    legal_hold = models.BooleanField(
        default=False, help_text="Keep everything (litigation, a regulator's enquiry): retention skips it."
    )
    legal_hold_reason = models.CharField(max_length=200, blank=True)
    anonymised_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the retention job removed the personal data."
    )
    customer_replied_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="The customer's latest message that no reply has answered yet (on the portal or by e-mail).",
    )
    # A duplicate's primary: its timeline, files and e-mails moved there, and its reference leads there.
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="merged_complaints",
        editable=False,
        help_text="The complaint this one was merged into.",
    )
    # Related complaints (the same outage, a household's two accounts), kept apart: symmetric.
    related_complaints = models.ManyToManyField("self", blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-first_received_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reference__regex=REFERENCE_REGEX),
                name="complaint_reference_format",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "first_received_at"], name="complaint_status_received"),
            # Newest first with ties broken, as the search walks them (migration 0020).
            models.Index(fields=["first_received_at", "id"], name="complaint_received_order"),
            # The few who rely on a landline for safety, found without reading every complaint
            # (the list's default order, the dashboard's count, the list filter).
            models.Index(
                fields=["status"],
                condition=models.Q(relies_on_landline_for_safety=True),
                name="complaint_relies_on_landline",
            ),
            # Possible duplicates (complaints/duplicates.py) look for the same address, account or
            # postcode: at a million complaints, without these, that reads every recent one.
            models.Index(Upper("email"), name="complaint_email_upper"),
            models.Index(account_key_expression(), name="complaint_account_key"),
            models.Index(fields=["postcode"], name="complaint_postcode"),
            # The few with a needs record, counted for the monthly report without reading the rest.
            models.Index(
                fields=["status"],
                condition=models.Q(has_support_needs=True),
                name="complaint_has_support_needs",
            ),
            # The few who asked for no surveys, found by their e-mail address (any case) when another
            # of their complaints is resolved.
            models.Index(
                Lower("email"),
                condition=models.Q(no_surveys=True),
                name="complaint_no_surveys_email",
            ),
        ]
        permissions = [
            ("assign_complaint", "Can assign complaints to any member of staff"),
            ("set_legal_hold", "Can put a complaint under a legal hold or lift it"),
            ("revoke_private_link", "Can revoke a complaint's private link and send a new one"),
            ("merge_complaint", "Can merge a duplicate complaint into another"),
        ]

    def __str__(self):
        return self.reference

    @property
    def reply_by(self):
        """How we reply, as a phrase ("by letter"): whole, so each language can say it its own way
        (Welsh mutates the noun after its preposition: "drwy lythyr", "dros y ffôn")."""
        return REPLY_BY[self.reply_preference]


REPLY_BY = {
    Complaint.ReplyPreference.EMAIL: _("by e-mail"),
    Complaint.ReplyPreference.PHONE: _("by phone"),
    Complaint.ReplyPreference.LETTER: _("by letter"),
}


class SupportNeeds(models.Model):
    """The needs register: what makes it harder for a customer to deal with us, recorded with their
    consent and reviewed with them (Ofcom GC C5). Special-category data, kept apart from the complaint
    and shown only to staff with the permission; the adjustments to make live on the complaint."""

    class Need(models.TextChoices):
        HEARING = "hearing", _("Hearing")
        SIGHT = "sight", _("Sight")
        SPEECH = "speech", _("Speech")
        MOBILITY = "mobility", _("Mobility")
        MENTAL_HEALTH = "mental_health", _("Mental health")
        LEARNING = "learning", _("A learning disability or difficulty")
        MEMORY = "memory", _("Memory or dementia")
        FINANCIAL_DIFFICULTY = "financial_difficulty", _("Money worries")
        BEREAVEMENT = "bereavement", _("Bereavement")
        SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
        TELECARE = (
            "telecare",
            _("Dependent on telecare or a landline for safety (a personal alarm, a care line)"),
        )
        LANGUAGE = "language", _("Language (English is not my first language)")
        OTHER = "other", _("Something else")

    complaint = models.OneToOneField(Complaint, on_delete=models.CASCADE, related_name="support_needs")
    needs = models.JSONField(default=list, blank=True, help_text="SupportNeeds.Need values.")
    details = models.TextField("anything else", max_length=2000, blank=True)
    consent_given_on = models.DateField(
        "consent given on", null=True, help_text="When the customer agreed that we record their needs."
    )
    review_due_on = models.DateField(
        "review due on", db_index=True, help_text="When we check the record with the customer again."
    )

    class Meta:
        verbose_name_plural = "support needs"
        permissions = [("view_support_needs_details", "Can see the details of a customer's support needs")]

    def __str__(self):
        return f"Support needs for {self.complaint}"


class TimelineEntry(models.Model):
    """One event on a complaint: append-only, so it is also the complaint's record."""

    class Kind(models.TextChoices):
        FILED = "filed", _("Complaint received")
        CUSTOMER_MESSAGE = "customer_message", _("Message from the customer")
        STAFF_REPLY = "staff_reply", _("Reply to the customer")
        INTERNAL_NOTE = "internal_note", _("Internal note")
        STATUS_CHANGED = "status_changed", _("Status changed")
        STAGE_CHANGED = "stage_changed", _("Escalated")
        UPDATE = "update", _("Update")
        RECORD_CORRECTED = "record_corrected", _("Record corrected")
        RECORD_CHANGED = "record_changed", _("Record changed")
        CALL_LOGGED = "call_logged", _("Phone call")
        LETTER_RECEIVED = "letter_received", _("Letter received")
        ASSIGNED = "assigned", _("Assigned")
        MERGED = "merged", _("Complaints joined")

    # Internal notes and corrections are for staff only; the rest is the customer's own history.
    CUSTOMER_VISIBLE_KINDS = (
        Kind.FILED,
        Kind.CUSTOMER_MESSAGE,
        Kind.STAFF_REPLY,
        Kind.STATUS_CHANGED,
        Kind.STAGE_CHANGED,
        Kind.UPDATE,
        Kind.CALL_LOGGED,
        Kind.LETTER_RECEIVED,
        Kind.MERGED,
    )

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="timeline")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Where an entry was first written, when a merge moved it here from a duplicate.
    moved_from = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "timeline entries"
        indexes = [models.Index(fields=["complaint", "created_at"], name="timeline_complaint_created")]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.complaint_id}"


def attachment_path(instance, filename):
    # The stored name is random: a customer's file name never becomes a path on our disk.
    return f"attachments/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file a customer or a member of staff attached to a complaint, checked by content."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    timeline_entry = models.ForeignKey(
        TimelineEntry, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name


class InboundEmail(models.Model):
    """One e-mail that reached us, stored as received before it is read, and what became of it."""

    class Via(models.TextChoices):
        SMTP = "smtp", "Our SMTP server"
        PIPE = "pipe", "The mail server's pipe"
        WEBHOOK = "webhook", "The e-mail provider's webhook"
        IMAP = "imap", "The mailbox (IMAP)"
        STAFF = "staff", "Uploaded by staff"

    class Outcome(models.TextChoices):
        RECEIVED = "received", "Received, not yet read"
        ADDED = "added", "Added to a complaint"
        OPENED = "opened", "Opened a new complaint"
        QUARANTINED = "quarantined", "Waiting for staff"
        DROPPED = "dropped", "Dropped: automatic reply, bounce or loop"
        DISCARDED = "discarded", "Discarded by staff"

    # A digest of the Message-ID (of the whole message when it has none): the same e-mail
    # delivered twice (a mail server's retry, a mailbox read again, a webhook redelivered) is one row.
    message_key = models.CharField(max_length=64, unique=True, editable=False)
    message_id = models.CharField("Message-ID", max_length=500, blank=True, db_index=True, editable=False)
    received_via = models.CharField(max_length=10, choices=Via.choices, editable=False)
    received_at = models.DateTimeField(editable=False, help_text="When the message reached us.")
    raw = models.BinaryField(editable=False, help_text="The message exactly as received.")
    # The addresses the sending server gave (SMTP RCPT TO, the provider's recipient): a reply
    # address may be only there (a Bcc), and a message read later must still find it.
    envelope_recipients = models.JSONField(default=list, blank=True, editable=False)
    size = models.PositiveIntegerField(editable=False)
    sender = models.CharField(max_length=254, blank=True, db_index=True, editable=False)
    sender_name = models.CharField(max_length=200, blank=True, editable=False)
    subject = models.CharField(max_length=300, blank=True, editable=False)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.RECEIVED)
    reason = models.TextField(blank=True, help_text="Why it was put aside or dropped, or what staff did.")
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="emails"
    )
    timeline_entry = models.OneToOneField(
        TimelineEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="email"
    )
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at"]
        verbose_name = "e-mail received"
        verbose_name_plural = "e-mails received"
        indexes = [models.Index(fields=["outcome", "received_at"], name="inbound_outcome_received")]

    def __str__(self):
        return f"{self.subject or '(no subject)'} from {self.sender or 'unknown sender'}"


class MailboxCursor(models.Model):
    """How far the IMAP poller has read a mailbox: the last UID read under the mailbox's UIDVALIDITY."""

    mailbox = models.CharField(max_length=300, unique=True)
    uid_validity = models.BigIntegerField(default=0)
    last_uid = models.BigIntegerField(default=0)
    polled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.mailbox} up to UID {self.last_uid}"


class ReplyTemplate(models.Model):
    """A reply staff start from: plain text with placeholders from a fixed list
    (complaints/reply_templates.py), filled in for one complaint, edited, then sent as a reply."""

    class Action(models.TextChoices):
        """What a reply from the template also does, where the complaint's rules allow it then
        (complaints/reply_actions.py): a status change only, through the status writer."""

        MARK_IN_PROGRESS = "in_progress", "Mark as being looked into"
        PROPOSE_RESOLUTION = "propose_resolution", "Propose a resolution (stage 1)"

    title = models.CharField(max_length=120, unique=True)
    body = models.TextField(
        max_length=5000, help_text="Placeholders like {{ reference }} are filled in; nothing else is read."
    )
    body_cy = models.TextField(
        "Welsh version", max_length=5000, blank=True, help_text="For customers who chose Welsh (optional)."
    )
    action = models.CharField(
        "also",
        max_length=30,
        choices=Action.choices,
        blank=True,
        help_text="Applied with the reply if the complaint's rules and the sender's role allow it then.",
    )
    active = models.BooleanField(default=True, help_text="Only active templates are offered.")
    times_used = models.PositiveIntegerField(default=0, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def clean(self):
        problems = {
            field: f"Unknown placeholder or template code: {', '.join(found)}. "
            f"Use only: {', '.join(known_placeholders())}."
            for field in ("body", "body_cy")
            if (found := unknown_placeholders(getattr(self, field)))
        }
        if problems:
            raise ValidationError(problems)
