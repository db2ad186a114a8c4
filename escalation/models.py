from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from complaints.models import Attachment, Complaint
from escalation import clocks
from escalation.clocks import DeadlineKind
from escalation.resolution_models import (  # noqa: F401 (models of this app, kept in their own module)
    CompensationKind,
    CompensationRate,
    Outcome,
    Redress,
    RootCause,
    RootCauseGroup,
    ServiceFailure,
)
from escalation.stages import Stage
from escalation.working_days import REGIONS


class Escalation(models.Model):
    """Where a complaint is in the procedure and every clock it runs against; one row per complaint.

    The due dates are stored (and indexed) rather than computed on read, so lists and the
    deadline sweep can filter and sort on them; the services that change an input recompute them.
    """

    DeadlineKind = DeadlineKind

    class ScopeReason(models.TextChoices):
        THIRD_PARTY = "third_party", "Depends on a third party"
        MAJOR_INCIDENT = "major_incident", "Major incident (technical failure or natural disaster)"
        SERVICE_ENDED = "service_ended", "Service ended after notice under the terms"
        OUTSIDE_OMBUDSMAN_REMIT = "outside_ombudsman_remit", "Probably outside the ombudsman's remit"

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, primary_key=True, related_name="escalation"
    )
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, default=Stage.DIRECT_CONTACT)
    stage_changed_at = models.DateTimeField()

    # Stage 1: acknowledge within 1 working day, resolve within 3 unless complex (customer told).
    acknowledgement_due = models.DateField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    stage_one_due = models.DateField(
        help_text=f"{clocks.RESOLVE_AT_STAGE_ONE_WITHIN_WORKING_DAYS} working days, or the new target of a complex case."
    )
    stage_one_answered_at = models.DateTimeField(
        null=True, blank=True, help_text="When a resolution was proposed, or the complaint resolved."
    )
    complex_case_told_at = models.DateTimeField("customer told it is complex", null=True, blank=True)
    complex_case_told_by = models.CharField(
        "told by", max_length=20, choices=Complaint.Channel.choices, blank=True
    )

    # Stage 2: a written response 10 working days after the referral arrived.
    referral_received_on = models.DateField(null=True, blank=True)
    referral_channel = models.CharField(max_length=20, choices=Complaint.Channel.choices, blank=True)
    referral_reply_preference = models.CharField(
        max_length=10, choices=Complaint.ReplyPreference.choices, blank=True
    )
    stage_two_response_due = models.DateField(null=True, blank=True)
    stage_two_response_sent_at = models.DateTimeField(null=True, blank=True)
    stage_two_response_document = models.ForeignKey(
        Attachment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # Stage 3: the Managing Director's review; ISPA only informs, it never pauses a clock.
    md_review_requested_at = models.DateTimeField(null=True, blank=True)
    md_decision_at = models.DateTimeField(null=True, blank=True)
    ispa_referred_on = models.DateField("customer went to ISPA on", null=True, blank=True)

    # The ombudsman: open after the ADR period (calendar days) or at once at deadlock.
    adr_eligible_on = models.DateField()
    deadlocked_at = models.DateTimeField(
        "deadlock (final position given)",
        null=True,
        blank=True,
        help_text="Declared by staff, or given by the Managing Director's decision.",
    )
    final_position = models.TextField(
        blank=True, help_text="What we told the customer at deadlock; the ADR letter repeats it."
    )
    # An ADR letter is written (queued) by the deadline sweep and counts as sent only once it went:
    # an e-mail handed to the mail server, a letter marked posted. Two may be owed: one when the ADR
    # period runs out unresolved, and one at deadlock, even after the first.
    period_letter_queued_at = models.DateTimeField("ADR letter (period) written", null=True, blank=True)
    period_letter_sent_at = models.DateTimeField("ADR letter (period) sent", null=True, blank=True)
    deadlock_letter_queued_at = models.DateTimeField("ADR letter (deadlock) written", null=True, blank=True)
    deadlock_letter_sent_at = models.DateTimeField("ADR letter (deadlock) sent", null=True, blank=True)
    adr_letter_sent_at = models.DateTimeField(
        null=True, blank=True, help_text="When the latest ADR letter went (posted, for a letter)."
    )
    adr_letter_channel = models.CharField(max_length=10, blank=True)
    adr_window_ends = models.DateField(
        null=True,
        blank=True,
        help_text=f"{clocks.ADR_WINDOW_MONTHS} months from the date of the latest ADR letter sent.",
    )
    # Recorded on an outcome for the record; never stops a clock (regulatory decision 8).
    scope_reason = models.CharField(max_length=30, choices=ScopeReason.choices, blank=True)

    resolved_at = models.DateTimeField(null=True, blank=True, help_text="When it was resolved or closed.")
    # Why the customer complained and how it ended: required when a complaint is resolved or closed
    # (escalation/conclusions.py); empty on complaints that ended before they were asked for.
    root_cause = models.ForeignKey(
        RootCause, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)

    next_deadline = models.DateField(null=True, blank=True)
    next_deadline_kind = models.CharField(max_length=20, choices=DeadlineKind.choices, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["next_deadline"], name="escalation_next_deadline"),
            # The complaint list's order (escalation/list_order.py) read straight from the index: with
            # the next deadline alone, each day's thousands of ties had to be read and sorted.
            models.Index(fields=["next_deadline", "-complaint"], name="escalation_deadline_order"),
            models.Index(fields=["stage", "next_deadline"], name="escalation_stage_deadline"),
            models.Index(
                fields=["adr_eligible_on"],
                condition=models.Q(period_letter_queued_at__isnull=True, deadlocked_at__isnull=True),
                name="escalation_period_owed",
            ),
            models.Index(
                fields=["deadlocked_at"],
                condition=models.Q(deadlock_letter_queued_at__isnull=True, deadlocked_at__isnull=False),
                name="escalation_deadlock_owed",
            ),
            models.Index(fields=["stage_two_response_due"], name="escalation_stage_two_due"),
            # With the root cause, so the dashboard's top root causes of the month count the index
            # alone (root_cause_reporting.top_root_causes).
            models.Index(fields=["resolved_at"], include=["root_cause"], name="escalation_resolved_cause"),
            # The dashboard's counts per stage: the open ones only (reporting.stage_counts).
            models.Index(
                fields=["stage", "next_deadline"],
                condition=models.Q(resolved_at__isnull=True),
                name="escalation_open_stage_deadline",
            ),
        ]
        # What each staff role may do beyond viewing and editing a complaint (escalation/roles.py).
        permissions = [
            (
                "work_stage_one",
                "Can propose resolutions, mark complex, record acceptance and stage 2 letters",
            ),
            ("respond_at_stage_two", "Can record the Complaints Manager's written response"),
            ("manage_escalations", "Can declare deadlock, pass to the MD, record ombudsman and ISPA cases"),
            ("decide_as_managing_director", "Can record the Managing Director's decision"),
            ("correct_first_received", "Can correct a complaint's first-received time"),
            ("view_dashboard", "Can see the managers' escalation dashboard and reports"),
            ("export_customer_data", "Can export everything held about a customer (subject access)"),
        ]

    def __str__(self):
        return f"{self.complaint_id}: {self.get_stage_display()}"


class StageChange(models.Model):
    """Who moved a complaint to which stage, when and why: written with the move, never edited."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="stage_changes")
    from_stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    to_stage = models.PositiveSmallIntegerField(choices=Stage.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when the customer asked in the portal.",
    )
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField()

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.complaint_id}: {self.from_stage} → {self.to_stage}"


class OmbudsmanCase(models.Model):
    """The ombudsman's case on a complaint: its reference, decision and, if accepted, our remedy."""

    class CustomerResponse(models.TextChoices):
        AWAITING = "", _("Awaiting the customer's answer")
        ACCEPTED = "accepted", _("Accepted by the customer (binding on us)")
        REJECTED = "rejected", _("Rejected by the customer (not binding)")

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, primary_key=True, related_name="ombudsman_case"
    )
    scheme_reference = models.CharField(max_length=50)
    referred_on = models.DateField()
    decision_on = models.DateField(null=True, blank=True)
    customer_response = models.CharField(
        max_length=10, choices=CustomerResponse.choices, blank=True, default=CustomerResponse.AWAITING
    )
    customer_responded_on = models.DateField(null=True, blank=True)
    apology = models.BooleanField(default=False)
    explanation = models.BooleanField(default=False)
    practical_action = models.BooleanField(default=False)
    award_amount = models.DecimalField(
        "financial award (£)", max_digits=9, decimal_places=2, null=True, blank=True
    )
    remedy_due = models.DateField(null=True, blank=True)
    remedy_done_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Ombudsman case {self.scheme_reference}"


class CalendarAdjustmentQuerySet(models.QuerySet):
    def for_region(self, region: str):
        return self.filter(models.Q(region="") | models.Q(region=region))


class CalendarAdjustment(models.Model):
    """A day staff close (a proclaimed holiday, a one-off closure) or open (a listed holiday not taken)."""

    class Kind(models.TextChoices):
        CLOSED = "closed", "Closed: not a working day"
        OPEN = "open", "Open: a listed bank holiday we work"

    day = models.DateField()
    region = models.CharField(
        max_length=3,
        choices=list(REGIONS.items()),
        blank=True,
        help_text="Leave empty for every nation.",
    )
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.CLOSED)
    reason = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CalendarAdjustmentQuerySet.as_manager()

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["day", "region"], name="one_adjustment_per_day")]

    def __str__(self):
        return f"{self.day:%-d %b %Y}: {self.get_kind_display()}"


class DeadlineNotice(models.Model):
    """A notice the deadline sweep decided to send: claimed once, under a unique key, in the deciding transaction.

    The key is (complaint, kind, due date): the clock and its date, not the stage, so a complaint
    that moves on a stage with the same clock still due is not alerted again. A second sweep, a task
    delivered twice or a worker killed after commit finds the row and sends nothing; one killed
    before commit left nothing, so the next sweep sends it.
    """

    class Kind(models.TextChoices):
        REMINDER_TWO_DAYS = (
            "reminder_two_days",
            f"Reminder: stage 2 response due in {clocks.REMIND_WORKING_DAYS_BEFORE} working days",
        )
        REMINDER_TODAY = "reminder_today", "Reminder: stage 2 response due today"
        OVERDUE_ACKNOWLEDGEMENT = "overdue_acknowledgement", "Overdue: acknowledgement"
        OVERDUE_STAGE_ONE = "overdue_stage_one", "Overdue: stage 1 resolution"
        OVERDUE_STAGE_TWO = "overdue_stage_two", "Overdue: stage 2 written response"
        OVERDUE_OMBUDSMAN_REMEDY = "overdue_ombudsman_remedy", "Overdue: ombudsman remedy"
        STAGE_TWO_ESCALATED_TO_MD = (
            "stage_two_to_md",
            f"Stage 2 response {clocks.TELL_MD_AFTER_WORKING_DAYS_LATE} working days late: Managing Director told",
        )
        ADR_LETTER = "adr_letter", "ADR letter to the customer (the ADR period ran out)"
        ADR_LETTER_AT_DEADLOCK = "adr_letter_deadlock", "ADR letter to the customer (deadlock)"

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="deadline_notices")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    stage = models.PositiveSmallIntegerField(choices=Stage.choices, help_text="The stage it was at then.")
    due = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["complaint", "kind", "due"], name="deadline_notice_once_per_clock"
            )
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.complaint_id} (due {self.due})"


class SubjectAccessExport(models.Model):
    """Who exported which complaints for a subject access request, when, and how the requester's
    identity was checked: the audit of every export, written with it."""

    class Verification(models.TextChoices):
        CALL_SECURITY_QUESTIONS = "call", "On a call, with the account's security questions"
        EMAIL_ON_FILE = "email", "By e-mail from the address on the complaint, answering a check"
        LETTER_WITH_ID = "letter", "A signed letter with proof of identity and address"
        IN_PERSON_ID = "in_person", "In person, with photo ID"
        REPRESENTATIVE_AUTHORITY = "representative", "A representative with the customer's written authority"

    requested_via = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        related_name="subject_access_exports",
        help_text="Asked about this complaint.",
    )
    references = models.JSONField(help_text="The complaints the export contained.")
    verification = models.CharField("identity checked", max_length=20, choices=Verification.choices)
    verification_details = models.CharField("how, in a sentence", max_length=500)
    with_support_needs = models.BooleanField(default=False)
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    exported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-exported_at"]

    def __str__(self):
        return f"Subject access export for {self.requested_via_id} at {self.exported_at:%Y-%m-%d %H:%M}"


class SweepRun(models.Model):
    """One run of the deadline sweep, as /readyz and the metrics see it (kept for a week)."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(db_index=True)
    completed = models.BooleanField(help_text="Every step ran without a problem.")
    notices = models.JSONField(default=dict, help_text="Notices queued, by kind.")
    problems = models.TextField(blank=True)

    class Meta:
        ordering = ["-finished_at"]

    def __str__(self):
        return f"Deadline sweep finished {self.finished_at:%Y-%m-%d %H:%M:%S}"


class ReportFigures(models.Model):
    """Figures of the reports as last computed: beat recomputes them every few minutes
    (escalation.reporting.refresh_report_figures), so that a page reads a few hundred rows instead of
    counting a year of complaints. A row is one period and group of one grouping: a month and a
    category or channel (the monthly report), or a week and a category (the dashboard's chart).
    Each refresh also stores one COMPUTED row, so that a page knows when, even if nothing else was
    counted (a new portal, or complaints all still open)."""

    COMPUTED = "computed"

    grouping = models.CharField(max_length=40)
    period = models.DateField(help_text="The first day of the month, or the Monday of the week.")
    group = models.CharField(max_length=30)
    figures = models.JSONField(help_text="The counts (and median) for this period and group.")
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "report figures"
        constraints = [
            models.UniqueConstraint(fields=["grouping", "period", "group"], name="report_figures_unique"),
        ]

    def __str__(self):
        return f"{self.period} {self.grouping} {self.group}"


class SatisfactionSurvey(models.Model):
    """The one survey a complaint gets after it is resolved or after our final response: how satisfied
    the customer is with how we handled it (1 to 5) and anything they want to add. Open for a fixed
    window from the invitation (escalation/satisfaction.py); a new answer within it replaces the last."""

    class Trigger(models.TextChoices):
        RESOLVED = "resolved", "Resolved"
        FINAL_RESPONSE = "final_response", "Our final response"

    class FollowUp(models.TextChoices):
        NONE = "", "Not needed"
        NEEDED = "needed", "Low satisfaction: to follow up"
        DONE = "done", "Followed up"

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, primary_key=True, related_name="satisfaction_survey"
    )
    trigger = models.CharField("asked after", max_length=20, choices=Trigger.choices)
    invited_at = models.DateTimeField("opened", db_index=True)
    emailed = models.BooleanField(
        default=False, help_text="Sent by e-mail; otherwise only on the customer's complaint page."
    )
    score = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)
    answered_at = models.DateTimeField(null=True, blank=True)
    times_answered = models.PositiveSmallIntegerField(default=0)
    follow_up = models.CharField(max_length=10, choices=FollowUp.choices, blank=True, default=FollowUp.NONE)
    followed_up_at = models.DateTimeField(null=True, blank=True)
    followed_up_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    follow_up_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["-invited_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True) | models.Q(score__gte=1, score__lte=5),
                name="satisfaction_score_one_to_five",
            )
        ]
        indexes = [
            # The few waiting for a follow-up, for the dashboard and the list filter.
            models.Index(
                fields=["invited_at"],
                condition=models.Q(follow_up="needed"),
                name="satisfaction_to_follow_up",
            )
        ]

    def __str__(self):
        return f"Satisfaction survey for {self.complaint_id}"
