"""Demo data: realistic complaints at every stage and age, dated relative to today, written in bulk.

`manage.py seed_demo --complaints N` calls this. About 2% of the complaints have something due
for the deadline sweep (an ADR letter, a reminder, an overdue clock), as in a busy real queue;
the rest are fresh, in time, answered, resolved, or past their ADR letter. Beyond 100,000 the
demo adds history (complaints resolved over the past 400 days), not queue: at a million, 58,800
are open and the sweep has about 2,000 notices to send, as at 100,000. No message is queued: the
acknowledgements of demo complaints count as sent.
"""

import os
import random
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import NamedTuple

from django.db import transaction
from django.utils import timezone

from complaints import needs_register
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from complaints.references import CROCKFORD_ALPHABET, REFERENCE_PREFIX
from escalation import bulk_load, clocks, demo_redress, reporting, satisfaction
from escalation.case import compute_clocks
from escalation.demo_people import (
    DETAILS,
    FIRST_NAMES,
    INWARD_LETTERS,
    LIGHTS,
    MONTHS,
    ROUTERS,
    STORIES,
    SURNAMES,
    TOWNS,
    WEEKDAYS,
)
from escalation.models import Escalation, OmbudsmanCase, Redress, SatisfactionSurvey, ServiceFailure
from escalation.stages import Stage
from escalation.working_days import LONDON, WorkingCalendar, working_calendar

BATCH_SIZE = 2_000
# The shares above apply to this many complaints at most; the rest of a larger demo is resolved.
QUEUE_AT_MOST = 100_000
# From this many complaints, the tables' secondary indexes are built once after loading, not row by row.
BULK_LOAD_FROM = 50_000
# Read once: an enum's .values builds a new list at each call, a million times over.
CHANNELS = Complaint.Channel.values
CUSTOMER_TYPES = Complaint.CustomerType.values
REPLY_PREFERENCES = Complaint.ReplyPreference.values
STAGE_LABELS = {stage.value: stage.label for stage in Stage}
LOADED_MODELS = (
    Complaint,
    Escalation,
    OmbudsmanCase,
    TimelineEntry,
    SupportNeeds,
    SatisfactionSurvey,
    Redress,
    ServiceFailure,
)
Status = Complaint.Status

# Share of the complaints in each situation; the last six are what the sweep acts on.
SITUATIONS = {
    "resolved": 0.41,
    "fresh": 0.15,
    "proposed_at_stage_one": 0.15,
    "stage_two_in_time": 0.08,
    "stage_two_answered": 0.05,
    "md_review": 0.02,
    "past_adr_letter_sent": 0.10,
    "ombudsman": 0.02,
    "adr_letter_due": 0.008,
    "stage_one_overdue": 0.004,
    "stage_two_reminder": 0.002,
    "stage_two_overdue": 0.003,
    "deadlocked": 0.001,
}


@dataclass(frozen=True)
class DemoReport:
    complaints: int
    by_situation: dict[str, int]


def seed_demo(*, complaints: int, seed: int | None = None, processes: int | None = None) -> DemoReport:
    """Create `complaints` demo complaints with their clocks, timelines and ombudsman cases.

    A large demo on PostgreSQL is written by `processes` processes at once (one per core by default),
    with the tables' secondary indexes built once at the end. The data depend only on `seed`."""
    rng = random.Random(seed)  # noqa: S311  (demo data, not security)
    plan = _plan(complaints, rng)
    references = _unused_references(len(plan), rng)
    batches = [
        Batch(plan[start : start + BATCH_SIZE], references[start : start + BATCH_SIZE], rng.getrandbits(64))
        for start in range(0, len(plan), BATCH_SIZE)
    ]
    write = partial(_write_batch, now=timezone.now())
    if complaints >= BULK_LOAD_FROM and bulk_load.by_copy():
        processes = processes or os.cpu_count() or 1
        with bulk_load.secondary_indexes_set_aside(LOADED_MODELS, processes=processes):
            bulk_load.run_in_processes(write, batches, processes=processes)
    else:
        for batch in batches:
            write(batch)
    reporting.refresh_report_figures()  # the report pages show the demo at once
    counts = {situation: plan.count(situation) for situation in SITUATIONS}
    return DemoReport(complaints=len(plan), by_situation=counts)


class Batch(NamedTuple):
    situations: list[str]
    references: list[str]
    seed: int


def _plan(total: int, rng: random.Random) -> list[str]:
    # Past QUEUE_AT_MOST a demo grows by its history, as a provider's does: what is open and due is
    # what a few weeks of complaints leave, however many years of them are on record.
    queue = min(total, QUEUE_AT_MOST)
    counts = {situation: int(queue * share) for situation, share in SITUATIONS.items()}
    if total >= 50:  # a small demo still shows every situation
        counts = {situation: max(count, 1) for situation, count in counts.items()}
    counts["resolved"] += total - sum(counts.values())
    plan = [situation for situation, count in counts.items() for _ in range(max(count, 0))]
    rng.shuffle(plan)
    return plan[:total]


@transaction.atomic
def _write_batch(batch: Batch, *, now: datetime) -> None:
    rng = random.Random(batch.seed)  # noqa: S311
    # Needs drawn apart, so that the rest of the demo is the same whether or not they are made.
    needs_rng = random.Random(f"needs-{batch.seed}")  # noqa: S311
    surveys_rng = random.Random(f"surveys-{batch.seed}")  # noqa: S311
    redress_rng = random.Random(f"redress-{batch.seed}")  # noqa: S311
    taxonomy = demo_redress.load_taxonomy()
    calendar = working_calendar()
    rows = [_situation(name, rng=rng, now=now, calendar=calendar) for name in batch.situations]
    complaints = [
        _complaint(reference, row, rng) for reference, row in zip(batch.references, rows, strict=True)
    ]
    needs = _needs(complaints, rng=needs_rng, today=timezone.localdate(now))
    if bulk_load.by_copy():
        for complaint, pk in zip(complaints, bulk_load.reserve_ids(Complaint, len(complaints)), strict=True):
            complaint.pk = pk
    bulk_load.write_rows(Complaint, complaints)
    escalations, cases, entries = [], [], []
    for complaint, row in zip(complaints, rows, strict=True):
        escalation = Escalation(complaint=complaint, **row["escalation"])
        case = OmbudsmanCase(complaint=complaint, **row["ombudsman"]) if row.get("ombudsman") else None
        compute_clocks(escalation, complaint=complaint, ombudsman_case=case)
        escalations.append(escalation)
        if case:
            cases.append(case)
        entries.append({"complaint_id": complaint.pk, "kind": TimelineEntry.Kind.FILED})
        if complaint.status in (Status.RESOLVED, Status.CLOSED):
            entries.append(
                {
                    "complaint_id": complaint.pk,
                    "kind": TimelineEntry.Kind.STATUS_CHANGED,
                    "body": "The customer accepted the proposed resolution. (Demo data.)",
                }
            )
        if escalation.stage > Stage.DIRECT_CONTACT:
            entries.append(
                {
                    "complaint_id": complaint.pk,
                    "kind": TimelineEntry.Kind.STAGE_CHANGED,
                    "body": f"Moved to {STAGE_LABELS[escalation.stage]}. (Demo data.)",
                }
            )
    redress, failures = demo_redress.conclude_and_redress(
        list(zip(complaints, escalations, strict=True)), taxonomy=taxonomy, rng=redress_rng, calendar=calendar
    )
    bulk_load.write_rows(Escalation, escalations)
    bulk_load.write_rows(OmbudsmanCase, cases)
    bulk_load.write_rows(TimelineEntry, entries)
    bulk_load.write_rows(
        SupportNeeds, [SupportNeeds(complaint=complaint, **record) for complaint, record in needs]
    )
    bulk_load.write_rows(SatisfactionSurvey, _surveys(escalations, rng=surveys_rng, now=now))
    bulk_load.write_rows(Redress, redress)
    bulk_load.write_rows(ServiceFailure, failures)


# About one customer in 25 tells us of a need; one in ten of them relies on a landline for safety.
NEEDS_SHARE, TELECARE_SHARE = 0.04, 0.1


def _needs(complaints: list[Complaint], *, rng: random.Random, today) -> list[tuple[Complaint, dict]]:
    """The needs register's records of the customers who told us of a need, with the complaints'
    flags set to agree (before they are written)."""
    records = []
    for complaint in complaints:
        if rng.random() >= NEEDS_SHARE:
            continue
        needs = rng.sample([n for n in SupportNeeds.Need.values if n != SupportNeeds.Need.TELECARE], 1)
        if rng.random() < TELECARE_SHARE:
            needs.append(SupportNeeds.Need.TELECARE)
            complaint.relies_on_landline_for_safety = True
        given = today - timedelta(days=rng.randrange(400))
        record, _ = needs_register.record_values(
            needs=needs_register.clean_needs(needs), details="", consent_given_on=given, review_due_on=None
        )
        complaint.has_support_needs = True
        records.append((complaint, record))
    return records


# Most resolved complaints were surveyed; about a third of those asked answered.
SURVEYED_SHARE, ANSWERED_SHARE = 0.8, 0.35
SCORE_WEIGHTS = (8, 7, 15, 35, 35)  # 1 to 5
COMMENTS = (
    "",
    "",
    "Sorted quickly, thank you.",
    "It took three calls before anyone listened.",
    "Fine in the end.",
)


def _surveys(escalations: list[Escalation], *, rng: random.Random, now: datetime) -> list[SatisfactionSurvey]:
    """Surveys of resolved complaints, opened when each was resolved, some answered."""
    surveys = []
    for escalation in escalations:
        complaint = escalation.complaint
        if escalation.resolved_at is None or escalation.stage != Stage.DIRECT_CONTACT:
            continue
        if rng.random() >= SURVEYED_SHARE:
            continue
        survey = SatisfactionSurvey(
            complaint=complaint,
            trigger=SatisfactionSurvey.Trigger.RESOLVED,
            invited_at=escalation.resolved_at,
            emailed=satisfaction.by_email(complaint),
        )
        if rng.random() < ANSWERED_SHARE:
            survey.score = rng.choices(satisfaction.SCORES, weights=SCORE_WEIGHTS)[0]
            survey.comment = rng.choice(COMMENTS)
            survey.answered_at = min(survey.invited_at + timedelta(hours=rng.randint(1, 72)), now)
            survey.times_answered = 1
            if satisfaction.needs_follow_up(survey.score):
                recent = now - survey.invited_at < timedelta(days=30)
                survey.follow_up = (
                    SatisfactionSurvey.FollowUp.NEEDED if recent else SatisfactionSurvey.FollowUp.DONE
                )
                if not recent:
                    survey.followed_up_at = survey.answered_at + timedelta(days=1)
                    survey.follow_up_note = "Called the customer. (Demo data.)"
        surveys.append(survey)
    return surveys


def _unused_references(count: int, rng: random.Random) -> list[str]:
    """`count` references in no complaint yet, all drawn here so that batches written at once never
    draw the same one."""
    references: set[str] = set()
    while len(references) < count:
        wanted = count - len(references)
        fresh = sorted({_reference(rng) for _ in range(wanted)} - references)
        for start in range(0, len(fresh), 10_000):
            chunk = fresh[start : start + 10_000]
            fresh_set = set(chunk) - set(
                Complaint.objects.filter(reference__in=chunk).values_list("reference", flat=True)
            )
            references |= fresh_set
    return sorted(references)


def _reference(rng: random.Random) -> str:
    body = "".join(rng.choice(CROCKFORD_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{body[:4]}-{body[4:]}"


def _complaint(reference: str, row: dict, rng: random.Random) -> Complaint:
    first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    town, outward_codes = rng.choice(TOWNS)
    postcode = f"{rng.choice(outward_codes)} {rng.randrange(10)}{rng.choice(INWARD_LETTERS)}{rng.choice(INWARD_LETTERS)}"
    category = rng.choice(list(STORIES))
    detail = rng.choice(DETAILS).format(
        weekday=rng.choice(WEEKDAYS),
        calls=rng.randint(2, 9),
        router=rng.choice(ROUTERS),
        light=rng.choice(LIGHTS),
        pounds=rng.randint(5, 250),
        pence=rng.randrange(100),
        month=rng.choice(MONTHS),
    )
    with_email = rng.random() < 0.9
    return Complaint(
        reference=reference,
        tracking_key=secrets.token_urlsafe(16),
        status=row["status"],
        channel=rng.choice(CHANNELS),
        category=category,
        customer_type=rng.choices(CUSTOMER_TYPES, weights=(85, 13, 2))[0],
        customer_name=f"{first} {surname}",
        email=f"{_mailbox(first)}.{_mailbox(surname)}.{reference[-4:]}@example.com".lower()
        if with_email
        else "",
        phone=f"07700 9{rng.randrange(10**5):05d}",
        postal_address=f"{rng.randrange(1, 200)} High Street\n{town}",
        postcode=postcode,
        reply_preference=rng.choices(REPLY_PREFERENCES, weights=(70, 20, 10))[0]
        if with_email
        else Complaint.ReplyPreference.LETTER,
        description=f"{STORIES[category]} {detail}",
        first_received_at=row["first_received_at"],
    )


def _mailbox(name: str) -> str:
    """A name as people put it in an e-mail address: "Ó Briain" is "obriain", "Łukasz" "lukasz"."""
    plain = unicodedata.normalize("NFKD", name.replace("Ł", "L").replace("ł", "l"))
    return "".join(character for character in plain if character.isascii() and character.isalnum())


def _situation(name: str, *, rng: random.Random, now: datetime, calendar: WorkingCalendar) -> dict:
    """The status, first receipt and escalation fields of one complaint in situation `name`."""
    today = timezone.localdate(now)

    def received(min_days: int, max_days: int) -> datetime:
        day = today - timedelta(days=rng.randint(min_days, max_days))
        moment = datetime.combine(day, time(rng.randint(8, 20), rng.randint(0, 59)), tzinfo=LONDON)
        return min(moment, now - timedelta(minutes=5))

    def after(moment: datetime, days: int) -> datetime:
        return min(moment + timedelta(days=days, hours=2), now)

    stage_one = {"stage": Stage.DIRECT_CONTACT}
    if name == "fresh":
        first = received(0, 0)
        return {
            "status": Status.RECEIVED,
            "first_received_at": first,
            "escalation": _escalation(first, **stage_one),
        }
    if name == "resolved":
        first = received(5, 400)
        done = after(first, rng.randint(0, 3))
        return {
            "status": rng.choice([Status.RESOLVED, Status.CLOSED]),
            "first_received_at": first,
            "escalation": _escalation(first, stage_one_answered_at=done, resolved_at=done, **stage_one),
        }
    if name == "proposed_at_stage_one":
        first = received(3, 38)
        return {
            "status": Status.RESOLUTION_PROPOSED,
            "first_received_at": first,
            "escalation": _escalation(first, stage_one_answered_at=after(first, 2), **stage_one),
        }
    if name == "stage_one_overdue":
        first = received(6, 38)
        return {
            "status": Status.IN_PROGRESS,
            "first_received_at": first,
            "escalation": _escalation(first, **stage_one),
        }
    if name in ("stage_two_in_time", "stage_two_reminder", "stage_two_overdue", "stage_two_answered"):
        referred_on = _referral_day(name, today=today, calendar=calendar, rng=rng)
        days_since_referral = (today - referred_on).days
        first = received(days_since_referral + 3, max(days_since_referral + 3, 41))  # ADR not yet due
        answered = name == "stage_two_answered"
        return {
            "status": Status.RESOLUTION_PROPOSED if answered else Status.IN_PROGRESS,
            "first_received_at": first,
            "escalation": _escalation(
                first,
                stage=Stage.COMPLAINTS_MANAGER,
                stage_one_answered_at=after(first, 2),
                referral_received_on=referred_on,
                referral_channel=rng.choice([Complaint.Channel.PORTAL, Complaint.Channel.LETTER]),
                referral_reply_preference=Complaint.ReplyPreference.EMAIL,
                stage_two_response_sent_at=now - timedelta(days=1) if answered else None,
            ),
        }
    if name == "md_review":
        first = received(25, 40)
        return {
            "status": Status.IN_PROGRESS,
            "first_received_at": first,
            "escalation": _escalation(
                first,
                stage=Stage.MANAGING_DIRECTOR,
                stage_one_answered_at=after(first, 2),
                referral_received_on=(first + timedelta(days=5)).date(),
                stage_two_response_sent_at=after(first, 15),
                md_review_requested_at=after(first, 20),
            ),
        }
    if name in ("past_adr_letter_sent", "adr_letter_due", "ombudsman"):
        first = received(60, 300) if name != "adr_letter_due" else received(42, 60)
        letter_sent = None if name == "adr_letter_due" else after(first, 43)
        row = {
            "status": Status.RESOLUTION_PROPOSED,
            "first_received_at": first,
            "escalation": _escalation(
                first,
                stage=Stage.OMBUDSMAN if name == "ombudsman" else Stage.DIRECT_CONTACT,
                stage_one_answered_at=after(first, 2),
                period_letter_queued_at=letter_sent,
                period_letter_sent_at=letter_sent,
                adr_letter_sent_at=letter_sent,
                adr_letter_channel="email" if letter_sent else "",
            ),
        }
        if name == "ombudsman":
            row["ombudsman"] = _ombudsman_case(first, rng=rng, today=today)
        return row
    if name == "deadlocked":
        first = received(3, 30)
        return {
            "status": Status.RESOLUTION_PROPOSED,
            "first_received_at": first,
            "escalation": _escalation(
                first,
                stage_one_answered_at=after(first, 1),
                deadlocked_at=after(first, 2),
                final_position="We have refunded the charge and cannot offer more. (Demo data.)",
                **stage_one,
            ),
        }
    raise ValueError(f"Unknown demo situation {name!r}")


def _escalation(first: datetime, **fields) -> dict:
    return {"stage_changed_at": first, "acknowledged_at": first + timedelta(minutes=1), **fields}


def _referral_day(name: str, *, today, calendar: WorkingCalendar, rng: random.Random):
    """A referral date whose 10-working-day response falls where the situation needs it."""
    due_soon = {calendar.add_working_days(today, 2), today}
    for _ in range(100):
        referred_on = today - timedelta(days=rng.randint(0, 30))
        due = clocks.stage_two_response_due(referred_on, calendar)
        if (
            (name == "stage_two_reminder" and due in due_soon)
            or (name == "stage_two_overdue" and due < today)
            or (name in ("stage_two_in_time", "stage_two_answered") and due > max(due_soon))
        ):
            return referred_on
    return today  # a fresh referral: in time


def _ombudsman_case(first: datetime, *, rng: random.Random, today) -> dict:
    referred_on = min(first.date() + timedelta(days=50), today)
    if rng.random() < 0.5:
        return {"scheme_reference": f"CO-{rng.randrange(10**6):06d}", "referred_on": referred_on}
    decided = min(referred_on + timedelta(days=40), today)
    return {
        "scheme_reference": f"CO-{rng.randrange(10**6):06d}",
        "referred_on": referred_on,
        "decision_on": decided,
        "customer_response": OmbudsmanCase.CustomerResponse.ACCEPTED,
        "customer_responded_on": decided,
        "apology": True,
        "award_amount": Decimal(rng.choice([25, 50, 100, 250])),
        "remedy_due": clocks.ombudsman_remedy_due(decided),
        "remedy_done_on": decided if decided + timedelta(days=20) < today else None,
    }
