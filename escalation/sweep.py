"""The deadline sweep: reminders, overdue alerts and ADR letters, each exactly once.

Due dates live in the database; the sweep selects what is due with a few indexed queries, then
works through the complaints in batches. Each batch is one transaction that locks its rows
(skipping rows another sweep holds), claims a DeadlineNotice per notice under a unique key, and
queues the messages with one insert; so two sweeps at once, a task delivered twice, or a worker
killed mid-task never send twice and never lose one. Staff get one message per sweep and
recipient listing their complaints, not one per complaint.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import dateformat, timezone, translation

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from complaints.notices import customer_messages
from complaints.workflow import OPEN_STATUSES
from escalation import clocks, roles, signals
from escalation.case import set_next_deadline
from escalation.models import DeadlineNotice, Escalation, OmbudsmanCase, SweepRun
from escalation.stages import Stage
from escalation.working_days import LONDON, WorkingCalendar, london_date, working_calendar
from notifications.models import OutboundMessage
from notifications.selectors import failed_messages, messages_failing_for
from notifications.services import queue_notification_once, queue_notifications

logger = logging.getLogger(__name__)

Kind = DeadlineNotice.Kind
BATCH_SIZE = 500
# pg_try_advisory_lock's key for "a deadline sweep is running" (any constant unique to this use).
SWEEP_LOCK_KEY = 7_240_001
SWEEP_RUNS_KEPT = timedelta(days=7)
DELIVERY_ALERT_AFTER = timedelta(hours=1)  # of failing, while the outbox keeps trying
SWEEP_LOCK_TIMEOUT_MS = 10_000
SWEEP_STATEMENT_TIMEOUT_MS = 60_000
REMIND_WORKING_DAYS_BEFORE = clocks.REMIND_WORKING_DAYS_BEFORE
TELL_MD_AFTER_WORKING_DAYS_LATE = clocks.TELL_MD_AFTER_WORKING_DAYS_LATE
# Every field the ADR letter must carry (C4-05): with one blank, no letter goes and staff are told.
ADR_SCHEME_REQUIRED = ("name", "phone", "email", "web", "address_lines")

ADR_LETTER_KINDS = (Kind.ADR_LETTER, Kind.ADR_LETTER_AT_DEADLOCK)
OVERDUE_KINDS = {
    clocks.DeadlineKind.ACKNOWLEDGEMENT: Kind.OVERDUE_ACKNOWLEDGEMENT,
    clocks.DeadlineKind.STAGE_ONE: Kind.OVERDUE_STAGE_ONE,
    clocks.DeadlineKind.STAGE_TWO: Kind.OVERDUE_STAGE_TWO,
    clocks.DeadlineKind.OMBUDSMAN_REMEDY: Kind.OVERDUE_OMBUDSMAN_REMEDY,
}
DEADLINE_OF = {notice: deadline for deadline, notice in OVERDUE_KINDS.items()}
STAFF_TEMPLATES = {
    Kind.REMINDER_TWO_DAYS: "deadline_reminder",
    Kind.REMINDER_TODAY: "deadline_reminder",
    Kind.OVERDUE_ACKNOWLEDGEMENT: "overdue_alert",
    Kind.OVERDUE_STAGE_ONE: "overdue_alert",
    Kind.OVERDUE_STAGE_TWO: "overdue_alert",
    Kind.OVERDUE_OMBUDSMAN_REMEDY: "overdue_alert",
    Kind.STAGE_TWO_ESCALATED_TO_MD: "md_overdue_alert",
}


@dataclass
class SweepReport:
    reminders: int = 0
    overdue_alerts: int = 0
    md_alerts: int = 0
    adr_letters: int = 0
    staff_messages: int = 0
    digests: int = 0
    failed_delivery_alerts: int = 0
    problems: list[str] = field(default_factory=list)
    skipped: bool = False  # another sweep held the lock: this one did nothing
    ran: bool = True  # False: the database could not be reached at all

    def notices_by_kind(self) -> dict[str, int]:
        return {
            "adr_letter": self.adr_letters,
            "reminder": self.reminders,
            "overdue_alert": self.overdue_alerts,
            "md_alert": self.md_alerts,
            "digest": self.digests,
            "failed_delivery_alert": self.failed_delivery_alerts,
        }

    def count(self, kind: str) -> None:
        if kind in (Kind.REMINDER_TWO_DAYS, Kind.REMINDER_TODAY):
            self.reminders += 1
        elif kind == Kind.STAGE_TWO_ESCALATED_TO_MD:
            self.md_alerts += 1
        elif kind in ADR_LETTER_KINDS:
            self.adr_letters += 1
        else:
            self.overdue_alerts += 1

    def lines(self) -> list[str]:
        if self.skipped:
            return ["skipped: another deadline sweep is running (one at a time); it does this one's work"]
        if not self.ran:
            return [
                "nothing was done: the next sweep does this one's work",
                *(f"PROBLEM: {p}" for p in self.problems),
            ]
        return [
            f"ADR letters queued: {self.adr_letters}",
            f"stage 2 reminders: {self.reminders}",
            f"overdue alerts: {self.overdue_alerts} (Managing Director told of {self.md_alerts} late stage 2 responses)",
            f"staff messages queued: {self.staff_messages}",
            f"daily digests: {self.digests}",
            f"failed-delivery alerts: {self.failed_delivery_alerts}",
            *(f"PROBLEM: {problem}" for problem in self.problems),
        ]


@dataclass(frozen=True)
class Decision:
    escalation: Escalation
    kind: str
    due: date


def run_deadline_sweep(*, now: datetime | None = None) -> SweepReport:
    """The sweep as beat and `manage.py enforce_deadlines` run it: one at a time across every
    process (two beats, a cron job beside beat), and its completion recorded (SweepRun) for
    /readyz and the metrics. Never raises for a database that is down: the report says so."""
    started = timezone.now()
    report = SweepReport()
    _drop_a_broken_connection()  # a long-lived worker's connection may predate a database restart
    try:
        with one_sweep_at_a_time() as running:
            if not running:
                report.skipped = True
                logger.info("Deadline sweep: another sweep is running; this one stops without doing anything")
                return report
            enforce_deadlines(now=now, report=report)
    except DatabaseError as error:  # the lock's own connection failed: nothing was done
        report.problems.append(f"database unreachable: {str(error).strip()}")
        report.ran = False
        logger.warning("Deadline sweep: the database is unreachable; nothing was done: %s", error)
        return report
    _step(report, "recording the run", lambda: _record_run(report, started))
    return report


@contextmanager
def one_sweep_at_a_time():
    """A PostgreSQL advisory lock held for the sweep: yields False when another process holds it.

    It belongs to the database session, so a sweep whose process or connection dies releases it.
    SQLite (one machine, `make run`) has one beat and serialises writers anyway: no lock there.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [SWEEP_LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [SWEEP_LOCK_KEY])
            except DatabaseError:
                pass  # the connection is gone, and the lock with it


def _record_run(report: SweepReport, started: datetime) -> None:
    finished = timezone.now()
    SweepRun.objects.create(
        started_at=started,
        finished_at=finished,
        completed=not report.problems,
        notices=report.notices_by_kind(),
        problems="\n".join(report.problems)[:4000],
    )
    SweepRun.objects.filter(finished_at__lt=finished - SWEEP_RUNS_KEPT).delete()


def _step(report: SweepReport, what: str, work: Callable[[], object]):
    """One step of the sweep: a failure is reported and the other steps still run.

    A connection broken by the failure is dropped first, so a database that came back is used
    again by the next step.
    """
    _drop_a_broken_connection()
    try:
        return work()
    except DatabaseError as error:
        report.problems.append(f"{what} failed: {type(error).__name__}: {str(error).strip()}")
        logger.warning("Deadline sweep: %s failed: %s", what, error)
    except Exception as error:  # a bug: reported like the rest, with its traceback in the log
        report.problems.append(f"{what} failed: {type(error).__name__}: {error}")
        logger.exception("Deadline sweep: %s failed", what)
    return None


def _drop_a_broken_connection() -> None:
    """What Django does between requests: a connection a failure broke is closed, and the next
    query checks the connection first (CONN_HEALTH_CHECKS), so a database that restarted is
    reconnected to. Not inside a transaction, whose connection must stay (tests run in one)."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def enforce_deadlines(*, now: datetime | None = None, report: SweepReport | None = None) -> SweepReport:
    """Send every reminder, overdue alert and ADR letter that is due and not yet sent.

    Each step reports its own failure and the rest still run; a batch the database cannot
    finish is rolled back whole and left for the next sweep.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    report = report or SweepReport()
    calendar = _step(report, "reading the working calendar", working_calendar)
    if calendar is None:
        return report
    scheme_problem = adr_scheme_problem()
    if scheme_problem:
        report.problems.append(scheme_problem)
    due = _step(
        report,
        "finding the notices due",
        lambda: _complaints_with_notices_due(today, calendar, send_adr_letters=not scheme_problem),
    )
    complaint_ids = sorted(due or ())
    for start in range(0, len(complaint_ids), BATCH_SIZE):
        batch = complaint_ids[start : start + BATCH_SIZE]
        try:
            _sweep_batch(
                batch, now=now, today=today, calendar=calendar, report=report, scheme_problem=scheme_problem
            )
        except IntegrityError:
            # Another sweep claimed one of these notices in the same instant: it sends them.
            logger.warning("Deadline sweep: a batch of %s complaints was claimed concurrently", len(batch))
        except DatabaseError as error:
            # A lock or statement timeout, a database restart: the batch rolled back whole, and
            # the next sweep finds its notices still unclaimed.
            report.problems.append(f"{len(batch)} complaints left for the next sweep: {str(error).strip()}")
            logger.warning("Deadline sweep: batch of %s deferred: %s", len(batch), error)
            _drop_a_broken_connection()
    _step(report, "alerting staff to failed deliveries", lambda: _alert_failed_deliveries(report))
    _step(
        report,
        "the daily digest",
        lambda: _send_daily_digest(now=now, today=today, calendar=calendar, report=report),
    )
    logger.info("Deadline sweep: %s", "; ".join(report.lines()))
    return report


def adr_scheme_problem() -> str:
    """Why no ADR letter may go out now ('' if all is well): a blank scheme contact field."""
    blank = [name for name in ADR_SCHEME_REQUIRED if not settings.ADR_SCHEME.get(name)]
    if blank:
        return f"ADR letters held back: the ombudsman's {', '.join(blank)} is blank in the settings (ADR_SCHEME_*)."
    return ""


def _complaints_with_notices_due(
    today: date, calendar: WorkingCalendar, *, send_adr_letters: bool
) -> set[int]:
    """The complaints with at least one notice due and not yet claimed: one indexed query per kind."""
    unresolved = Q(complaint__status__in=OPEN_STATUSES)

    def unclaimed(kind, due_field):
        return ~Exists(
            DeadlineNotice.objects.filter(complaint_id=OuterRef("pk"), kind=kind, due=OuterRef(due_field))
        )

    escalations = Escalation.objects.values_list("pk", flat=True)
    remind_on = {
        calendar.add_working_days(today, REMIND_WORKING_DAYS_BEFORE): Kind.REMINDER_TWO_DAYS,
        today: Kind.REMINDER_TODAY,
    }
    queries = [
        escalations.filter(
            unresolved,
            unclaimed(kind, "stage_two_response_due"),
            stage_two_response_due=due,
            stage_two_response_sent_at__isnull=True,
        )
        for due, kind in remind_on.items()
    ]
    queries += [
        escalations.filter(
            unresolved,
            unclaimed(Kind.OVERDUE_ACKNOWLEDGEMENT, "acknowledgement_due"),
            acknowledged_at__isnull=True,
            acknowledgement_due__lt=today,
        ),
        escalations.filter(
            unresolved,
            unclaimed(Kind.OVERDUE_STAGE_ONE, "stage_one_due"),
            stage=Stage.DIRECT_CONTACT,
            stage_one_answered_at__isnull=True,
            stage_one_due__lt=today,
        ),
        escalations.filter(
            unresolved,
            unclaimed(Kind.OVERDUE_STAGE_TWO, "stage_two_response_due"),
            stage_two_response_sent_at__isnull=True,
            stage_two_response_due__lt=today,
        ),
        escalations.filter(
            unclaimed(Kind.STAGE_TWO_ESCALATED_TO_MD, "stage_two_response_due"),
            unresolved,
            stage_two_response_sent_at__isnull=True,
            stage_two_response_due__lte=_latest_due_date_late_enough_to_tell_the_md(today, calendar),
        ),
        escalations.filter(
            unclaimed(Kind.OVERDUE_OMBUDSMAN_REMEDY, "complaint__ombudsman_case__remedy_due"),
            stage=Stage.OMBUDSMAN,
            complaint__ombudsman_case__remedy_due__lt=today,
            complaint__ombudsman_case__remedy_done_on__isnull=True,
        ),
    ]
    if send_adr_letters:
        reachable = Q(complaint__anonymised_at__isnull=True)
        tomorrow_starts = datetime.combine(today + timedelta(days=1), time.min, tzinfo=LONDON)
        queries += [
            escalations.filter(
                reachable, deadlocked_at__lt=tomorrow_starts, deadlock_letter_queued_at__isnull=True
            ),
            escalations.filter(
                reachable,
                unresolved,
                deadlocked_at__isnull=True,
                period_letter_queued_at__isnull=True,
                adr_eligible_on__lte=today,
            ),
        ]
    found: set[int] = set()
    for query in queries:
        found.update(query)
    return found


def _latest_due_date_late_enough_to_tell_the_md(today: date, calendar: WorkingCalendar) -> date:
    day = today
    while calendar.add_working_days(day, TELL_MD_AFTER_WORKING_DAYS_LATE) > today:
        day -= timedelta(days=1)
    return day


def _decide(
    escalation: Escalation, case, *, today: date, calendar: WorkingCalendar, send_adr_letters: bool
) -> list[Decision]:
    """Every notice due on this complaint today, whether or not already claimed."""
    complaint = escalation.complaint
    unresolved = complaint.status in OPEN_STATUSES
    decisions = []
    letter = clocks.adr_letter_to_write(escalation, unresolved=unresolved, today=today)
    if letter is not None and send_adr_letters and complaint.anonymised_at is None:
        kind = Kind.ADR_LETTER_AT_DEADLOCK if letter.at_deadlock else Kind.ADR_LETTER
        decisions.append(Decision(escalation, kind, letter.due))
    for deadline in clocks.open_deadlines(escalation, unresolved=unresolved, ombudsman_case=case):
        if deadline.kind != clocks.DeadlineKind.ADR_LETTER and deadline.due < today:
            decisions.append(Decision(escalation, OVERDUE_KINDS[deadline.kind], deadline.due))
    stage_two_due = escalation.stage_two_response_due
    if unresolved and stage_two_due and escalation.stage_two_response_sent_at is None:
        if stage_two_due == today:
            decisions.append(Decision(escalation, Kind.REMINDER_TODAY, stage_two_due))
        elif stage_two_due == calendar.add_working_days(today, REMIND_WORKING_DAYS_BEFORE):
            decisions.append(Decision(escalation, Kind.REMINDER_TWO_DAYS, stage_two_due))
        elif calendar.add_working_days(stage_two_due, TELL_MD_AFTER_WORKING_DAYS_LATE) <= today:
            decisions.append(Decision(escalation, Kind.STAGE_TWO_ESCALATED_TO_MD, stage_two_due))
    return decisions


@transaction.atomic
def _sweep_batch(
    complaint_ids: list[int],
    *,
    now: datetime,
    today: date,
    calendar: WorkingCalendar,
    report: SweepReport,
    scheme_problem: str,
) -> None:
    if connection.vendor == "postgresql":
        # A stuck lock or a slow statement fails this batch (left for the next sweep) instead of
        # holding the worker and its row locks for as long as it lasts.
        with connection.cursor() as cursor:
            cursor.execute(
                "SET LOCAL lock_timeout = %s; SET LOCAL statement_timeout = %s",
                [f"{SWEEP_LOCK_TIMEOUT_MS}ms", f"{SWEEP_STATEMENT_TIMEOUT_MS}ms"],
            )
    escalations = list(
        Escalation.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("complaint", "complaint__assigned_to")
        .filter(pk__in=complaint_ids)
    )
    if not escalations:
        return
    ids = [escalation.pk for escalation in escalations]
    cases = {case.pk: case for case in OmbudsmanCase.objects.filter(pk__in=ids)}
    claimed = set(
        DeadlineNotice.objects.filter(complaint_id__in=ids).values_list("complaint_id", "kind", "due")
    )
    decisions = [
        decision
        for escalation in escalations
        for decision in _decide(
            escalation,
            cases.get(escalation.pk),
            today=today,
            calendar=calendar,
            send_adr_letters=not scheme_problem,
        )
        if (escalation.pk, decision.kind, decision.due) not in claimed
    ]
    if not decisions:
        return
    # The claim: a unique row per notice. A concurrent claim of the same key raises here and
    # rolls the whole batch back, messages included.
    notices = DeadlineNotice.objects.bulk_create(
        [
            DeadlineNotice(complaint_id=d.escalation.pk, kind=d.kind, stage=d.escalation.stage, due=d.due)
            for d in decisions
        ]
    )
    letters = [
        (d, notice) for d, notice in zip(decisions, notices, strict=True) if d.kind in ADR_LETTER_KINDS
    ]
    messages = _adr_letters(letters, now=now, cases=cases)
    staff = [
        (d, notice) for d, notice in zip(decisions, notices, strict=True) if d.kind not in ADR_LETTER_KINDS
    ]
    staff_messages = _staff_messages(staff, today=today)
    queue_notifications(messages + staff_messages)
    overdue = [
        signals.OverdueDeadline(d.escalation.complaint, DEADLINE_OF[d.kind], d.due, d.escalation.stage)
        for d in decisions
        if d.kind in DEADLINE_OF
    ]
    if overdue:
        signals.deadlines_overdue.send(sender=DeadlineNotice, overdue=overdue)
    for decision in decisions:
        report.count(decision.kind)
    report.staff_messages += len(staff_messages)


def _adr_letters(letters: list[tuple[Decision, DeadlineNotice]], *, now: datetime, cases: dict) -> list[dict]:
    """The ADR letters' messages; each complaint records when its letter was written.

    The letter counts as sent, and its 12 months start, when it goes (an e-mail handed to the mail
    server, a letter marked posted): `escalation.services.record_notice_sent`.
    """
    messages, updated, notes = [], [], {}
    letter_date = timezone.localdate(now)
    window_ends = clocks.add_months(letter_date, clocks.ADR_WINDOW_MONTHS)
    for decision, _notice in letters:
        escalation, complaint = decision.escalation, decision.escalation.complaint
        at_deadlock = decision.kind == Kind.ADR_LETTER_AT_DEADLOCK
        # The letter's dates and periods in the customer's language, whoever runs the sweep.
        with translation.override(complaint.language):
            letter = customer_messages(
                complaint=complaint,
                template_key="adr_letter",
                event_id=f"{'deadlock' if at_deadlock else 'period'}-{decision.due:%Y-%m-%d}",
                extra=adr_letter_context(
                    complaint,
                    escalation,
                    at_deadlock=at_deadlock,
                    letter_date=letter_date,
                    window_ends=window_ends,
                ),
            )
        messages += letter
        if at_deadlock:
            escalation.deadlock_letter_queued_at = now
        else:
            escalation.period_letter_queued_at = now
        # Written is not sent: the letter stays the next deadline until it goes (asked of the rule,
        # not assumed, so the stored value always says what the clocks say).
        set_next_deadline(
            escalation, unresolved=complaint.status in OPEN_STATUSES, ombudsman_case=cases.get(complaint.pk)
        )
        updated.append(escalation)
        written = OutboundMessage.Channel(letter[0]["channel"])  # the first is always the written one
        notes[complaint.pk] = (
            f"ADR letter written ({'deadlock' if at_deadlock else 'the ADR period ran out'}), to go by "
            f"{written.label.lower()}"
            + (": print and post it; it counts as sent once marked posted." if written == "letter" else ".")
        )
    if updated:
        Escalation.objects.bulk_update(
            updated,
            ["period_letter_queued_at", "deadlock_letter_queued_at", "next_deadline", "next_deadline_kind"],
        )
        complaint_services.record_events(kind=TimelineEntry.Kind.INTERNAL_NOTE, bodies=notes)
    return messages


def adr_letter_context(
    complaint: Complaint, escalation: Escalation, *, at_deadlock: bool, letter_date: date, window_ends: date
) -> dict:
    """What the ADR letter says beyond the customer's details: plain values, stored with the message.

    It says how long it really has been since the customer first complained (a letter written late
    does not pretend to be on time); the ADR period itself appears only as the rule.
    """
    received_on = london_date(complaint.first_received_at)
    return {
        "scheme": settings.ADR_SCHEME,
        "at_deadlock": at_deadlock,
        "time_since_first_complaint": clocks.weeks_and_days((letter_date - received_on).days),
        "letter_date": dateformat.format(letter_date, "j F Y"),
        "window_ends": dateformat.format(window_ends, "j F Y"),
        "deadlocked_on": dateformat.format(timezone.localtime(escalation.deadlocked_at), "j F Y")
        if at_deadlock
        else "",
        "final_position": escalation.final_position if at_deadlock else "",
    }


def _staff_messages(notices: list[tuple[Decision, DeadlineNotice]], *, today: date) -> list[dict]:
    """One message per recipient and template, listing their complaints; keyed by the notices it carries."""
    grouped: dict[tuple[str, str], list[tuple[Decision, DeadlineNotice]]] = defaultdict(list)
    if not notices:
        return []
    managers = roles.group_emails(roles.COMPLAINTS_MANAGERS)
    managing_director = roles.group_emails(roles.MANAGING_DIRECTOR)
    for decision, notice in notices:
        template = STAFF_TEMPLATES[decision.kind]
        if decision.kind == Kind.STAGE_TWO_ESCALATED_TO_MD:
            recipients = managing_director
        elif (
            template == "deadline_reminder"
            and (assignee := decision.escalation.complaint.assigned_to)
            and assignee.email
        ):
            recipients = [assignee.email]
        else:
            recipients = managers
        for recipient in recipients:
            grouped[(recipient, template)].append((decision, notice))
    messages = []
    for (recipient, template), items in grouped.items():
        notice_ids = sorted(notice.pk for _, notice in items)
        messages.append(
            {
                "idempotency_key": f"{template}:{recipient}:{notice_ids[0]}-{notice_ids[-1]}:{len(notice_ids)}",
                "reference": f"deadlines {today:%Y-%m-%d}",
                "template_key": template,
                "context": {
                    "items": [_staff_item(d, today) for d, _ in items],
                    "today": f"{today:%-d %B %Y}",
                    "rules": clocks.procedure_rules(today),
                },
                "channel": OutboundMessage.Channel.EMAIL,
                "recipient_email": recipient,
            }
        )
    return messages


def _staff_item(decision: Decision, today: date) -> dict:
    complaint = decision.escalation.complaint
    return {
        "reference": complaint.reference,
        "customer_name": complaint.customer_name,
        "stage": str(Stage(decision.escalation.stage).label),
        "what": Kind(decision.kind).label,
        "due": f"{decision.due:%a %-d %b %Y}",
        "days_late": max((today - decision.due).days, 0),
        "admin_url": settings.PORTAL_BASE_URL
        + reverse("admin:complaints_complaint_change", args=[complaint.pk]),
    }


def _alert_failed_deliveries(report: SweepReport) -> None:
    """Staff hear of a message that has failed for an hour (still being retried), and again if it
    stops retrying: once for each, never about an alert."""
    still_trying = messages_failing_for(DELIVERY_ALERT_AFTER)
    for message, stopped in [*((m, False) for m in still_trying), *((m, True) for m in failed_messages())]:
        if message.template_key == "delivery_failed_alert":
            continue  # an alert about an alert would only fail the same way
        moment = f"{message.failing_since:%Y%m%d%H%M%S}" if message.failing_since else "-"
        for recipient in roles.group_emails(roles.COMPLAINTS_MANAGERS):
            _, queued = queue_notification_once(
                idempotency_key=f"delivery_failed_alert:{message.pk}:{moment}:{stopped}:{recipient}",
                reference=message.reference,
                template_key="delivery_failed_alert",
                context={
                    "message_reference": message.reference,
                    "what": message.subject,
                    "channel": message.get_channel_display(),
                    "error": message.last_error[:500],
                    "stopped": stopped,
                    "attempts": message.attempts,
                    "admin_url": settings.PORTAL_BASE_URL
                    + reverse("admin:notifications_outboundmessage_change", args=[message.pk]),
                },
                channel=OutboundMessage.Channel.EMAIL,
                recipient_email=recipient,
            )
            report.failed_delivery_alerts += queued


def _send_daily_digest(*, now: datetime, today: date, calendar: WorkingCalendar, report: SweepReport) -> None:
    """Once a day, from DEADLINE_DIGEST_HOUR: what is overdue and due soon, by stage."""
    if timezone.localtime(now).hour < settings.DEADLINE_DIGEST_HOUR:
        return
    soon = calendar.add_working_days(today, REMIND_WORKING_DAYS_BEFORE)
    rows = (
        Escalation.objects.filter(next_deadline__lte=soon)
        .values("stage", "next_deadline_kind")
        .annotate(
            overdue=Count("pk", filter=Q(next_deadline__lt=today)),
            due_soon=Count("pk", filter=Q(next_deadline__gte=today)),
        )
        .order_by("stage", "next_deadline_kind")
    )
    lines = [
        {
            "stage": str(Stage(row["stage"]).label),
            "clock": clocks.DeadlineKind(row["next_deadline_kind"]).label,
            "overdue": row["overdue"],
            "due_soon": row["due_soon"],
        }
        for row in rows
    ]
    oldest = (
        Escalation.objects.filter(next_deadline__lt=today)
        .select_related("complaint")
        .order_by("next_deadline")[:20]
    )
    context = {
        "today": f"{today:%-d %B %Y}",
        "soon": f"{soon:%-d %B %Y}",
        "lines": lines,
        "oldest": [
            {
                "reference": escalation.complaint.reference,
                "stage": str(Stage(escalation.stage).label),
                "clock": escalation.get_next_deadline_kind_display(),
                "due": f"{escalation.next_deadline:%a %-d %b %Y}",
                "days_late": (today - escalation.next_deadline).days,
                "admin_url": settings.PORTAL_BASE_URL
                + reverse("admin:complaints_complaint_change", args=[escalation.complaint.pk]),
            }
            for escalation in oldest
        ],
        "dashboard_url": settings.PORTAL_BASE_URL
        + reverse("admin:complaints_complaint_changelist")
        + "?deadline=overdue",
    }
    for recipient in roles.group_emails(roles.COMPLAINTS_MANAGERS):
        _, queued = queue_notification_once(
            idempotency_key=f"daily_digest:{today:%Y-%m-%d}:{recipient}",
            reference=f"digest {today:%Y-%m-%d}",
            template_key="daily_digest",
            context=context,
            channel=OutboundMessage.Channel.EMAIL,
            recipient_email=recipient,
        )
        report.digests += queued
