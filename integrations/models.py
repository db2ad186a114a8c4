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
