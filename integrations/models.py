from django.conf import settings
from django.db import models
from django.utils import timezone


class Scope(models.TextChoices):
    """What a key may do. Reading a complaint's internal notes is a scope of its own: a CRM that
    shows complaints to agents may need them, a BI export never does."""

    COMPLAINTS_READ = "complaints:read", "Read complaints, their clocks and timelines"
    COMPLAINTS_WRITE = "complaints:write", "Open complaints and take stage actions"
    TIMELINE_WRITE = "timeline:write", "Add calls, letters and notes to timelines"
    TIMELINE_INTERNAL = "timeline:internal", "Read internal notes on timelines"
    REPORTS_READ = "reports:read", "Read the monthly figures"


class ApiKey(models.Model):
    """One integration's key. Only a hash of its secret is kept: the key is shown once, when made
    (integrations/keys.py), and found again by its prefix, which is not secret."""

    name = models.CharField(max_length=100, help_text="The system that uses it, e.g. “CRM (Salesforce)”.")
    prefix = models.CharField(max_length=8, unique=True, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list, help_text="Scope values.")
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never.")
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    # Who the integration is on the record ("logged by", a timeline entry's author): an account of
    # its own, which cannot sign in (no password, not staff).
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_key", editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "API key"
        ordering = ["name", "-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > timezone.now())


class IdempotentRequest(models.Model):
    """A write sent with an Idempotency-Key: its fingerprint and what it made (a complaint's
    reference), so that the same request again within IDEMPOTENCY_HOURS is answered with that,
    as it is now, instead of acting twice. Never the answer itself: that held the customer's details."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="idempotent_requests")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    made = models.CharField(max_length=64, help_text="What the request made: a complaint's reference.")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="idempotent_request_once_a_key"),
        ]

    def __str__(self):
        return f"{self.api_key.prefix}: {self.key}"


class WebhookEvent(models.TextChoices):
    """What a webhook endpoint may subscribe to. Each event carries references and states only."""

    COMPLAINT_FILED = "complaint.filed", "A complaint was filed online or logged"
    COMPLAINT_STAGE_CHANGED = "complaint.stage_changed", "A complaint moved to another stage"
    COMPLAINT_STATUS_CHANGED = "complaint.status_changed", "A complaint's status changed"
    COMPLAINT_DEADLINE_OVERDUE = "complaint.deadline_overdue", "A deadline passed unanswered"
    ADR_LETTER_SENT = "adr_letter.sent", "The customer was told in writing they may go to the ombudsman"
    OMBUDSMAN_DECISION_RECORDED = "ombudsman.decision_recorded", "The ombudsman's decision was recorded"
    CUSTOMER_MESSAGE_RECEIVED = "customer.message_received", "The customer wrote on their complaint"


class WebhookEndpoint(models.Model):
    """Where another system wants to hear of events. Its signing secret is shown once, when made or
    replaced (integrations/webhooks.py); after a replacement the previous one signs too for a day,
    so the receiver can change over without refusing a delivery."""

    name = models.CharField(max_length=100, help_text="The system that receives it, e.g. “Billing”.")
    url = models.URLField(max_length=500, help_text="HTTPS; events are POSTed here as JSON.")
    events = models.JSONField(default=list, help_text="Event types.")
    secret = models.CharField(max_length=64, editable=False)
    previous_secret = models.CharField(max_length=64, blank=True, editable=False)
    previous_secret_until = models.DateTimeField(null=True, blank=True, editable=False)
    active = models.BooleanField(
        default=True, help_text="Switched off: no new deliveries, and waiting ones are not sent."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "webhook endpoint"
        ordering = ["name", "-created_at"]

    def __str__(self):
        return self.name

    def signing_secrets(self) -> list[str]:
        previous_in_use = (
            self.previous_secret
            and self.previous_secret_until
            and self.previous_secret_until > timezone.now()
        )
        return [self.secret, self.previous_secret] if previous_in_use else [self.secret]


class WebhookDelivery(models.Model):
    """One event for one endpoint, written in the transaction of the change it reports (the outbox):
    a Celery task POSTs it after commit, a periodic task takes up rows whose task was lost, and the
    same event id goes with every attempt, so a receiver can drop a repeat (delivery is at least once)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Being sent"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.PROTECT, related_name="deliveries")
    event_id = models.UUIDField()
    event_type = models.CharField(max_length=40, choices=WebhookEvent.choices)
    reference = models.CharField(max_length=64, db_index=True, help_text="The complaint it is about.")
    body = models.TextField(help_text="The JSON sent, the same bytes on every attempt.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(
        null=True, blank=True, help_text="When the next try is due (empty: as soon as possible)."
    )
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "webhook deliveries"
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_delivery_once_an_event"),
        ]
        indexes = [models.Index(fields=["status", "created_at"], name="webhook_delivery_status")]

    def __str__(self):
        return f"{self.event_type} for {self.reference} to {self.endpoint}"
