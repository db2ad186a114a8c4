"""Why customers complain and what we did about it: the root-cause taxonomy, the outcome, the redress
given, and the service failures that owe Ofcom's automatic compensation, with its rates.

Models of the escalation app, kept apart from `models.py` (which re-exports them) so that neither
file grows past a screen or two. Nothing here imports `escalation.models`.
"""

from django.conf import settings
from django.db import models

from complaints.models import Complaint


class Outcome(models.TextChoices):
    """How the complaint ended for the customer, recorded at resolution or closure."""

    UPHELD = "upheld", "Upheld"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld"
    WITHDRAWN = "withdrawn", "Withdrawn by the customer"


class RootCauseGroup(models.Model):
    """The first level of the root-cause taxonomy (Billing, Fault, ...), maintained by managers."""

    name = models.CharField(max_length=80, unique=True)
    active = models.BooleanField(default=True, help_text="Only active groups' causes are offered.")

    class Meta:
        ordering = ["name"]
        verbose_name = "root-cause group"

    def __str__(self):
        return self.name


class RootCause(models.Model):
    """The second level: what went wrong, within its group (Billing → wrong charge after cancellation)."""

    group = models.ForeignKey(RootCauseGroup, on_delete=models.PROTECT, related_name="causes")
    name = models.CharField(max_length=120)
    active = models.BooleanField(
        default=True, help_text="Only active causes are offered; complaints that recorded one keep it."
    )

    class Meta:
        ordering = ["group__name", "name"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="root_cause_once_per_group")]

    def __str__(self):
        return f"{self.group.name} → {self.name}"


class Redress(models.Model):
    """One thing we gave the customer to put it right, and the day we gave it."""

    class Kind(models.TextChoices):
        APOLOGY = "apology", "Apology"
        EXPLANATION = "explanation", "Explanation"
        SERVICE_FIX = "service_fix", "Service fix"
        GOODWILL_CREDIT = "goodwill_credit", "Goodwill credit (£)"
        REFUND = "refund", "Refund (£)"
        AUTOMATIC_COMPENSATION = "automatic_compensation", "Automatic compensation (£)"

    MONETARY_KINDS = (Kind.GOODWILL_CREDIT, Kind.REFUND, Kind.AUTOMATIC_COMPENSATION)

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="redress")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    amount = models.DecimalField(
        "amount (£)", max_digits=9, decimal_places=2, null=True, blank=True, help_text="For money only."
    )
    given_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["given_on", "pk"]
        verbose_name_plural = "redress"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind__in=["goodwill_credit", "refund", "automatic_compensation"], amount__gt=0)
                    | (
                        ~models.Q(kind__in=["goodwill_credit", "refund", "automatic_compensation"])
                        & models.Q(amount__isnull=True)
                    )
                ),
                name="redress_amount_for_money_only",
            )
        ]

    def __str__(self):
        amount = f" £{self.amount:,.2f}" if self.amount is not None else ""
        return f"{self.get_kind_display()}{amount} on {self.given_on:%-d %b %Y}"


class CompensationKind(models.TextChoices):
    """The three failures of Ofcom's automatic compensation scheme."""

    DELAYED_REPAIR = "delayed_repair", "Delayed repair (per calendar day after 2 full working days)"
    MISSED_APPOINTMENT = "missed_appointment", "Missed appointment (per appointment)"
    DELAYED_PROVISION = "delayed_provision", "Delayed provision (per calendar day from the promised start)"


class CompensationRate(models.Model):
    """A rate of the scheme, in force from its date until the next one of its kind; staff maintain them."""

    kind = models.CharField(max_length=30, choices=CompensationKind.choices)
    effective_from = models.DateField()
    amount = models.DecimalField("amount (£)", max_digits=6, decimal_places=2)
    source = models.CharField(max_length=300, blank=True, help_text="Where the rate is published.")

    class Meta:
        ordering = ["kind", "-effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "effective_from"], name="one_rate_per_kind_and_day"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="compensation_rate_positive"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: £{self.amount} from {self.effective_from:%-d %b %Y}"


class ServiceFailure(models.Model):
    """A delayed repair, a missed appointment or a delayed start on a fault or installation complaint,
    with the automatic compensation it owes (worked out by `escalation.compensation` when recorded,
    and again when a rate changes)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="service_failures")
    kind = models.CharField(max_length=30, choices=CompensationKind.choices)
    fault_reported_at = models.DateTimeField(null=True, blank=True)
    fault_fixed_at = models.DateTimeField(null=True, blank=True)
    appointment_on = models.DateField("appointment missed on", null=True, blank=True)
    promised_start_on = models.DateField(null=True, blank=True)
    service_started_on = models.DateField(null=True, blank=True)
    compensation_owed = models.DecimalField("compensation owed (£)", max_digits=9, decimal_places=2)
    days_without_a_rate = models.PositiveSmallIntegerField(
        default=0, help_text="Days (or appointments) owed for which no rate was recorded."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()}: £{self.compensation_owed:,.2f} owed"
