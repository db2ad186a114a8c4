"""Demo data: realistic complaints at every stage and age, dated relative to today, written in bulk.

`manage.py seed_demo --complaints N` calls this. About 2% of the complaints have something due
for the deadline sweep (an ADR letter, a reminder, an overdue clock), as in a busy real queue;
the rest are fresh, in time, answered, resolved, or past their ADR letter. No message is
queued: the acknowledgements of demo complaints count as sent.
"""

import random
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from complaints import needs_register
from complaints.models import Complaint, SupportNeeds, TimelineEntry
from complaints.references import CROCKFORD_ALPHABET, REFERENCE_PREFIX
from escalation import clocks, demo_redress
from escalation.case import compute_clocks
from escalation.models import Escalation, OmbudsmanCase
from escalation.stages import Stage
from escalation.working_days import LONDON, WorkingCalendar, working_calendar

BATCH_SIZE = 2_000
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
FIRST_NAMES = [
    "Amira",
    "Ben",
    "Carys",
    "Dev",
    "Eilidh",
    "Femi",
    "Gareth",
    "Hana",
    "Isla",
    "Jamal",
    "Kasia",
    "Liam",
    "Mei",
    "Niamh",
    "Owen",
    "Priya",
    "Rhys",
    "Sian",
    "Tom",
    "Zoe",
]
SURNAMES = [
    "Ahmed",
    "Brown",
    "Campbell",
    "Davies",
    "Evans",
    "Fraser",
    "Hughes",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "Owen",
    "Patel",
    "Roberts",
    "Singh",
    "Taylor",
    "Walsh",
    "Williams",
    "Wilson",
]
TOWNS = [
    ("Cambridge", "CB5 8LA"),
    ("Ely", "CB7 4DL"),
    ("Norwich", "NR2 1TF"),
    ("Swansea", "SA1 3SN"),
    ("Leeds", "LS1 4AP"),
]
STORIES = {
    Complaint.Category.BROADBAND_FAULT: "My broadband drops every evening and the speed is far below what I pay for.",
    Complaint.Category.BILLING: "I was charged twice this month and the refund I was promised has not arrived.",
    Complaint.Category.INSTALLATION: "The engineer did not come on the agreed day and nobody told me why.",
    Complaint.Category.CONTRACT: "I moved house and was charged an exit fee I was told I would not pay.",
    Complaint.Category.CUSTOMER_SERVICE: "I was cut off three times on the phone and never called back.",
    Complaint.Category.DATA_PROTECTION: "I asked for my data to be corrected and nothing has changed.",
    Complaint.Category.OTHER: "My email account stopped receiving messages after your maintenance.",
}


@dataclass(frozen=True)
class DemoReport:
    complaints: int
    by_situation: dict[str, int]


def seed_demo(*, complaints: int, seed: int | None = None) -> DemoReport:
    """Create `complaints` demo complaints with their clocks, timelines and ombudsman cases."""
    rng = random.Random(seed)  # noqa: S311  (demo data, not security)
    # Needs drawn apart, so that the rest of the demo is the same whether or not they are made.
    needs_rng = random.Random(f"needs-{seed}")  # noqa: S311
    redress_rng = random.Random(f"redress-{seed}")  # noqa: S311
    taxonomy = demo_redress.load_taxonomy()
    now = timezone.now()
    calendar = working_calendar()
    plan = _plan(complaints, rng)
    created = 0
    for start in range(0, len(plan), BATCH_SIZE):
        _write_batch(
            plan[start : start + BATCH_SIZE],
            rng=rng,
            now=now,
            calendar=calendar,
            needs_rng=needs_rng,
            redress_rng=redress_rng,
            taxonomy=taxonomy,
        )
        created += len(plan[start : start + BATCH_SIZE])
    counts = {situation: plan.count(situation) for situation in SITUATIONS}
    return DemoReport(complaints=created, by_situation=counts)


def _plan(total: int, rng: random.Random) -> list[str]:
    counts = {situation: int(total * share) for situation, share in SITUATIONS.items()}
    if total >= 50:  # a small demo still shows every situation
        counts = {situation: max(count, 1) for situation, count in counts.items()}
    counts["resolved"] += total - sum(counts.values())
    plan = [situation for situation, count in counts.items() for _ in range(max(count, 0))]
    rng.shuffle(plan)
    return plan[:total]


@transaction.atomic
def _write_batch(
    situations: list[str],
    *,
    rng: random.Random,
    now: datetime,
    calendar: WorkingCalendar,
    needs_rng: random.Random,
    redress_rng: random.Random,
    taxonomy: demo_redress.Taxonomy,
) -> None:
    references = _unused_references(len(situations), rng)
    rows = [_situation(name, rng=rng, now=now, calendar=calendar) for name in situations]
    complaints = Complaint.objects.bulk_create(
        [_complaint(reference, row, rng) for reference, row in zip(references, rows, strict=True)]
    )
    escalations, cases, entries = [], [], []
    for complaint, row in zip(complaints, rows, strict=True):
        escalation = Escalation(complaint=complaint, **row["escalation"])
        case = OmbudsmanCase(complaint=complaint, **row["ombudsman"]) if row.get("ombudsman") else None
        compute_clocks(escalation, complaint=complaint, ombudsman_case=case)
        escalations.append(escalation)
        if case:
            cases.append(case)
        entries.append(TimelineEntry(complaint=complaint, kind=TimelineEntry.Kind.FILED))
        if complaint.status in (Status.RESOLVED, Status.CLOSED):
            entries.append(
                TimelineEntry(
                    complaint=complaint,
                    kind=TimelineEntry.Kind.STATUS_CHANGED,
                    body="The customer accepted the proposed resolution. (Demo data.)",
                )
            )
        if escalation.stage > Stage.DIRECT_CONTACT:
            entries.append(
                TimelineEntry(
                    complaint=complaint,
                    kind=TimelineEntry.Kind.STAGE_CHANGED,
                    body=f"Moved to {Stage(escalation.stage).label}. (Demo data.)",
                )
            )
    demo_redress.conclude_and_redress(
        list(zip(complaints, escalations, strict=True)), taxonomy=taxonomy, rng=redress_rng, calendar=calendar
    )
    Escalation.objects.bulk_create(escalations)
    OmbudsmanCase.objects.bulk_create(cases)
    TimelineEntry.objects.bulk_create(entries)
    _add_needs(complaints, rng=needs_rng, today=timezone.localdate(now))


# About one customer in 25 tells us of a need; one in ten of them relies on a landline for safety.
NEEDS_SHARE, TELECARE_SHARE = 0.04, 0.1


def _add_needs(complaints: list[Complaint], *, rng: random.Random, today) -> None:
    records, relying = [], []
    for complaint in complaints:
        if rng.random() >= NEEDS_SHARE:
            continue
        needs = rng.sample([n for n in SupportNeeds.Need.values if n != SupportNeeds.Need.TELECARE], 1)
        if rng.random() < TELECARE_SHARE:
            needs.append(SupportNeeds.Need.TELECARE)
            relying.append(complaint.pk)
        given = today - timedelta(days=rng.randrange(400))
        record, _ = needs_register.record_values(
            needs=needs_register.clean_needs(needs), details="", consent_given_on=given, review_due_on=None
        )
        records.append(SupportNeeds(complaint=complaint, **record))
    SupportNeeds.objects.bulk_create(records)
    Complaint.objects.filter(pk__in=[record.complaint_id for record in records]).update(
        has_support_needs=True
    )
    Complaint.objects.filter(pk__in=relying).update(relies_on_landline_for_safety=True)


def _unused_references(count: int, rng: random.Random) -> list[str]:
    references: set[str] = set()
    while len(references) < count:
        wanted = count - len(references)
        fresh = {_reference(rng) for _ in range(wanted)} - references
        fresh -= set(Complaint.objects.filter(reference__in=fresh).values_list("reference", flat=True))
        references |= fresh
    return sorted(references)


def _reference(rng: random.Random) -> str:
    body = "".join(rng.choice(CROCKFORD_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{body[:4]}-{body[4:]}"


def _complaint(reference: str, row: dict, rng: random.Random) -> Complaint:
    first, surname = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
    town, postcode = rng.choice(TOWNS)
    category = rng.choice(list(STORIES))
    with_email = rng.random() < 0.9
    return Complaint(
        reference=reference,
        tracking_key=secrets.token_urlsafe(16),
        status=row["status"],
        channel=rng.choice(Complaint.Channel.values),
        category=category,
        customer_type=rng.choices(Complaint.CustomerType.values, weights=(85, 13, 2))[0],
        customer_name=f"{first} {surname}",
        email=f"{first}.{surname}.{reference[-4:]}@example.com".lower() if with_email else "",
        phone=f"07700 9{rng.randrange(10**5):05d}",
        postal_address=f"{rng.randrange(1, 200)} High Street\n{town}",
        postcode=postcode,
        reply_preference=rng.choices(Complaint.ReplyPreference.values, weights=(70, 20, 10))[0]
        if with_email
        else Complaint.ReplyPreference.LETTER,
        description=STORIES[category],
        first_received_at=row["first_received_at"],
    )


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
