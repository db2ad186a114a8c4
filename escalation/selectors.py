"""Reads that escalation's pages and the working-day calendar need."""

from dataclasses import dataclass
from datetime import date
from functools import cache

from django.db import connection
from django.db.models import Count
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Complaint
from complaints.workflow import OPEN_STATUSES
from escalation import clocks, rules
from escalation.clocks import DeadlineKind
from escalation.models import CalendarAdjustment, DeadlineNotice, Escalation, OmbudsmanCase, SweepRun
from escalation.rules import Action
from escalation.stages import Stage
from escalation.working_days import london_date


def calendar_adjustments(region: str) -> tuple[frozenset[date], frozenset[date]]:
    """The days staff closed, and the listed holidays they opened, for one nation: one query."""
    closed, opened = set(), set()
    for day, kind in CalendarAdjustment.objects.for_region(region).values_list("day", "kind"):
        (closed if kind == CalendarAdjustment.Kind.CLOSED else opened).add(day)
    return frozenset(closed), frozenset(opened)


@dataclass(frozen=True)
class CustomerProgress:
    """What the customer's page says about stages, deadlines and next steps."""

    stage: int
    stages: list[tuple[int, str]]
    status_line: str
    next_step_due: date | None
    next_step_text: str
    can_refer_to_manager: bool
    can_ask_for_md_review: bool
    ispa_route_open: bool
    ombudsman_open: bool
    ombudsman_open_from: date
    adr_window_ends: date | None
    key_dates: list[tuple[str, date, str]]


CUSTOMER_DEADLINE_TEXT = {
    DeadlineKind.ACKNOWLEDGEMENT: gettext_lazy("We will acknowledge your complaint by"),
    DeadlineKind.STAGE_ONE: gettext_lazy("We aim to resolve your complaint by"),
    DeadlineKind.STAGE_TWO: gettext_lazy("The Complaints Manager's written response is due by"),
    DeadlineKind.OMBUDSMAN_REMEDY: gettext_lazy("We will do what the ombudsman decided by"),
}


def escalation_for(complaint: Complaint) -> Escalation:
    """The complaint's stage and clocks. Filing writes them (a migration did for older complaints),
    so a missing row is an error, never repaired on a read.

    Read with SQL written once: the customer's page asks on every view, and building this
    one-row query through the ORM cost twice what running it does (0.39 ms against 0.2 ms)."""
    found = next(iter(Escalation.objects.raw(_escalation_by_pk(), [complaint.pk])), None)
    if found is None:
        raise Escalation.DoesNotExist(f"No stage and clocks for complaint {complaint.pk}")
    return found


@cache
def _escalation_by_pk() -> str:
    quote = connection.ops.quote_name
    return f"SELECT * FROM {quote(Escalation._meta.db_table)} WHERE {quote(Escalation._meta.pk.column)} = %s"  # noqa: S608 - names only


def ombudsman_case_for(escalation: Escalation) -> OmbudsmanCase | None:
    """The ombudsman's case, which only a complaint at stage 4 has (no query otherwise)."""
    if escalation.stage != Stage.OMBUDSMAN:
        return None
    return OmbudsmanCase.objects.filter(pk=escalation.pk).first()


def customer_progress(*, complaint: Complaint) -> CustomerProgress:
    """Where the complaint is and what the customer can do next, in one or two queries."""
    escalation = escalation_for(complaint)
    case = ombudsman_case_for(escalation)
    unresolved = complaint.status in OPEN_STATUSES
    # The customer's next date is one we owe them; the ADR letter is shown as their right instead.
    owed = [
        deadline
        for deadline in clocks.open_deadlines(escalation, unresolved=unresolved, ombudsman_case=case)
        if deadline.kind in CUSTOMER_DEADLINE_TEXT
    ]
    facts = rules.facts_of(complaint, escalation, case)
    return CustomerProgress(
        stage=escalation.stage,
        stages=[(stage.value, str(stage.label).split(": ", 1)[1]) for stage in Stage],
        status_line=customer_status_line(complaint, escalation, case),
        next_step_due=owed[0].due if owed else None,
        next_step_text=CUSTOMER_DEADLINE_TEXT[owed[0].kind] if owed else "",
        can_refer_to_manager=rules.allowed(Action.REFER_TO_COMPLAINTS_MANAGER, facts),
        can_ask_for_md_review=rules.allowed(Action.REQUEST_MD_REVIEW, facts),
        ispa_route_open=rules.allowed(Action.RECORD_ISPA_REFERRAL, facts),
        ombudsman_open=facts.today >= facts.ombudsman_open_from,
        ombudsman_open_from=facts.ombudsman_open_from,
        adr_window_ends=escalation.adr_window_ends,
        key_dates=_key_dates(escalation, facts.ombudsman_open_from, case),
    )


def customer_status_line(complaint: Complaint, escalation: Escalation, case: OmbudsmanCase | None) -> str:
    """The status as the customer should read it: from the stage and the status together, never one
    contradicting the other (a complaint with the ombudsman is not "Resolution proposed")."""
    Status = Complaint.Status
    if escalation.stage == Stage.OMBUDSMAN:
        if case is not None and case.remedy_due:
            if case.remedy_done_on:
                return _("We have put the ombudsman's decision into effect")
            return _("Putting the ombudsman's decision into effect")
        if case is not None and case.decision_on:
            return _("The ombudsman has decided")
        return _("With the ombudsman")
    if complaint.status == Status.CLOSED:
        return _("Closed: we have given our final position") if escalation.deadlocked_at else _("Closed")
    if complaint.status == Status.RESOLVED:
        return _("Resolved")
    if escalation.deadlocked_at:
        return _("We have given our final position")
    if escalation.stage == Stage.MANAGING_DIRECTOR:
        return _("With our Managing Director")
    if escalation.stage == Stage.COMPLAINTS_MANAGER:
        if escalation.stage_two_response_sent_at:
            return _("The Complaints Manager has replied in writing")
        return _("With the Complaints Manager")
    return str(complaint.get_status_display())


def _key_dates(escalation: Escalation, ombudsman_open_from: date, case) -> list[tuple[str, date, str]]:
    """Every clock the customer has, as (what, date, how it stands), in the order they come."""

    def done(moment):
        return (
            _("done %(date)s") % {"date": dateformat.format(timezone.localtime(moment), "j F Y")}
            if moment
            else ""
        )

    dates = [
        (_("Acknowledgement due"), escalation.acknowledgement_due, done(escalation.acknowledged_at)),
        (
            _("Resolution due (complex case: new target)")
            if escalation.complex_case_told_at
            else _("Resolution due"),
            escalation.stage_one_due,
            done(escalation.stage_one_answered_at),
        ),
    ]
    if escalation.stage_two_response_due:
        dates.append(
            (
                _("Complaints Manager's written response due"),
                escalation.stage_two_response_due,
                done(escalation.stage_two_response_sent_at),
            )
        )
    dates.append((_("You can go to the ombudsman from"), ombudsman_open_from, ""))
    if escalation.adr_window_ends:
        dates.append((_("Last day to go to the ombudsman"), escalation.adr_window_ends, ""))
    if case is not None and case.remedy_due:
        dates.append(
            (_("We put the ombudsman's decision into effect by"), case.remedy_due, _remedy_state(case))
        )
    return dates


def _remedy_state(case) -> str:
    return (
        _("done %(date)s") % {"date": dateformat.format(case.remedy_done_on, "j F Y")}
        if case.remedy_done_on
        else ""
    )


def notice_rules(complaint: Complaint) -> dict:
    """The procedure's rules for a customer notice about `complaint` (its own ADR period)."""
    return {"rules": clocks.procedure_rules(london_date(complaint.first_received_at))}


def latest_sweep_runs() -> tuple[SweepRun | None, SweepRun | None]:
    """The latest run of the deadline sweep, and the latest that completed without a problem."""
    latest = SweepRun.objects.order_by("-finished_at").first()
    if latest is None or latest.completed:
        return latest, latest
    return latest, SweepRun.objects.filter(completed=True).order_by("-finished_at").first()


def overdue_by_clock(*, today: date) -> dict[str, int]:
    """Open complaints whose next deadline has passed, by that deadline's clock: one grouped query."""
    rows = (
        Escalation.objects.filter(next_deadline__lt=today)
        .order_by()
        .values_list("next_deadline_kind")
        .annotate(count=Count("pk"))
    )
    return dict.fromkeys(DeadlineKind.values, 0) | dict(rows)


def deadline_notices_by_kind() -> dict[str, int]:
    """Every notice the sweep has ever claimed, by kind (a counter that only grows)."""
    rows = DeadlineNotice.objects.order_by().values_list("kind").annotate(count=Count("pk"))
    return dict.fromkeys(DeadlineNotice.Kind.values, 0) | dict(rows)


def reply_placeholders() -> dict:
    """The dates we owe a complaint, as placeholders for staff's reply templates ("" when not set)."""

    def owed(field):
        def value(complaint: Complaint) -> str:
            day = getattr(escalation_for(complaint), field)
            return dateformat.format(day, "j F Y") if day else ""

        return value

    return {
        "adr_date": owed("adr_eligible_on"),
        "resolve_by": owed("stage_one_due"),
        "response_due": owed("stage_two_response_due"),
    }
