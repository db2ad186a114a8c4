"""The sweep describes "what is due" twice, for speed: an indexed SQL pre-filter that finds the complaints,
and `_decide`, which says what each one is owed. Generated states prove the two agree: a complaint is
selected exactly when it is owed a notice, so nothing is missed and nothing is locked for nothing."""

from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from complaints.models import Complaint
from escalation import sweep
from escalation.models import DeadlineNotice, Escalation, OmbudsmanCase
from escalation.stages import Stage
from escalation.working_days import LONDON, working_calendar
from tests.escalation.factories import filed_complaint

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 25)
DAYS = st.integers(min_value=-12, max_value=12)


def moment(offset: int) -> datetime:
    return datetime.combine(TODAY + timedelta(days=offset), time(11), tzinfo=LONDON)


def maybe(strategy):
    return st.none() | strategy


STATES = st.fixed_dictionaries(
    {
        "status": st.sampled_from(Complaint.Status.values),
        "anonymised": st.booleans(),
        "stage": st.sampled_from(Stage.values),
        "acknowledgement_due": DAYS,
        "acknowledged_at": maybe(DAYS),
        "stage_one_due": DAYS,
        "stage_one_answered_at": maybe(DAYS),
        "stage_two_response_due": maybe(DAYS),
        "stage_two_response_sent_at": maybe(DAYS),
        "adr_eligible_on": DAYS,
        "deadlocked_at": maybe(DAYS),
        "period_letter_queued_at": maybe(DAYS),
        "deadlock_letter_queued_at": maybe(DAYS),
        "remedy_due": maybe(DAYS),
        "remedy_done_on": maybe(DAYS),
    }
)
MOMENTS = {
    "acknowledged_at",
    "stage_one_answered_at",
    "stage_two_response_sent_at",
    "deadlocked_at",
    "period_letter_queued_at",
    "deadlock_letter_queued_at",
}
DATES = {"acknowledgement_due", "stage_one_due", "stage_two_response_due", "adr_eligible_on"}


@pytest.fixture
def complaint():
    complaint = filed_complaint()
    OmbudsmanCase.objects.create(complaint=complaint, scheme_reference="CO-1", referred_on=TODAY)
    return complaint


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(state=STATES)
def test_the_pre_filter_selects_a_complaint_exactly_when_it_is_owed_a_notice(complaint, state):
    fields = {
        **{name: None if state[name] is None else moment(state[name]) for name in MOMENTS},
        **{name: None if state[name] is None else TODAY + timedelta(days=state[name]) for name in DATES},
        "stage": state["stage"],
    }
    Escalation.objects.filter(pk=complaint.pk).update(**fields)
    Complaint.objects.filter(pk=complaint.pk).update(
        status=state["status"], anonymised_at=moment(-30) if state["anonymised"] else None
    )
    OmbudsmanCase.objects.filter(pk=complaint.pk).update(
        remedy_due=None if state["remedy_due"] is None else TODAY + timedelta(days=state["remedy_due"]),
        remedy_done_on=None
        if state["remedy_done_on"] is None
        else TODAY + timedelta(days=state["remedy_done_on"]),
    )
    calendar = working_calendar()
    selected = complaint.pk in sweep._complaints_with_notices_due(TODAY, calendar, send_adr_letters=True)
    escalation = Escalation.objects.select_related("complaint").get(pk=complaint.pk)
    # A complaint has an ombudsman case only at stage 4: recording the case is what moves it there.
    case = OmbudsmanCase.objects.get(pk=complaint.pk) if state["stage"] == Stage.OMBUDSMAN else None
    owed = sweep._decide(escalation, case, today=TODAY, calendar=calendar, send_adr_letters=True)
    assert selected == bool(owed), (state, owed)

    # Once the sweep has claimed each notice (and written each letter), neither selects it again.
    DeadlineNotice.objects.bulk_create(
        [DeadlineNotice(complaint=complaint, kind=d.kind, stage=escalation.stage, due=d.due) for d in owed]
    )
    for decision in owed:
        if decision.kind == DeadlineNotice.Kind.ADR_LETTER:
            Escalation.objects.filter(pk=complaint.pk).update(period_letter_queued_at=moment(0))
        elif decision.kind == DeadlineNotice.Kind.ADR_LETTER_AT_DEADLOCK:
            Escalation.objects.filter(pk=complaint.pk).update(deadlock_letter_queued_at=moment(0))
    assert complaint.pk not in sweep._complaints_with_notices_due(TODAY, calendar, send_adr_letters=True)
    DeadlineNotice.objects.filter(complaint=complaint).delete()
