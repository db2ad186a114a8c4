import re
from email.utils import parseaddr

from django.conf import settings
from django.db import models
from django.utils.crypto import salted_hmac


class OutboundMessage(models.Model):
    """One message to one recipient, written in the same transaction as the event that causes it.

    The row is the source of truth: a Celery task delivers it after commit, and a periodic
    task re-enqueues rows left pending, so a message survives a broker outage or a dead worker.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        LETTER = "letter", "Letter"
        CALL = "call", "Phone call (a task for staff)"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        # Handed to the e-mail server, not yet marked sent: committed before the server is asked,
        # so a worker killed mid-send leaves evidence (and the requeue takes the row back later).
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        AWAITING_POST = "awaiting_post", "Awaiting printing and posting"
        AWAITING_CALL = "awaiting_call", "Awaiting a call by staff"
        FAILED = "failed", "Failed"

    idempotency_key = models.CharField(max_length=200, unique=True)
    reference = models.CharField(
        max_length=100,
        db_index=True,
        help_text="What the message concerns, e.g. a complaint reference.",
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient_name = models.CharField(max_length=200, blank=True)
    recipient_email = models.EmailField(blank=True)
    recipient_postal_address = models.TextField(blank=True)
    recipient_phone = models.CharField(max_length=30, blank=True)
    reply_to = models.CharField(
        max_length=254,
        blank=True,
        help_text="Where the recipient's reply should go (empty: the sender's address).",
    )
    template_key = models.CharField(max_length=100)
    language = models.CharField(
        max_length=7,
        default=settings.LANGUAGE_CODE,
        help_text="The language it was written in (a Welsh customer's letters are in Welsh, frame and all).",
    )
    context = models.JSONField(default=dict, blank=True)
    subject = models.CharField(max_length=300)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next try is due (empty: as soon as possible)."
    )
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="The first failure of the current run of tries."
    )
    handled_at = models.DateTimeField(
        null=True, blank=True, help_text="When staff marked a failed message as dealt with by other means."
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    posted_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "created_at"], name="outbox_status_created")]

    def __str__(self):
        return f"{self.get_channel_display()} {self.template_key} for {self.reference}"

    # Our Message-IDs, as `message_id` writes them: a reply quotes one in In-Reply-To/References.
    MESSAGE_ID_PATTERN = re.compile(r"^<outbox\.(\d{1,18})\.[0-9a-f]{16}@[^<>@\s]+>$")

    @property
    def message_id(self) -> str:
        """The e-mail's Message-ID, the same on every attempt: a receiving system that de-duplicates
        shows one message even if a crash made us send it twice."""
        # Keyed with the secret key: the idempotency key can be guessed from a reference, and a
        # Message-ID of ours in In-Reply-To puts a reply on that complaint (complaints/inbound).
        digest = salted_hmac(
            "notifications.message-id", self.idempotency_key, algorithm="sha256"
        ).hexdigest()[:16]
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
        return f"<outbox.{self.pk}.{digest}@{domain}>"
