"""Root cause and outcome at every end of a complaint, redress, and automatic compensation: at the
services, and through the admin (forms with field errors, the complaint page's panel, the rates)."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from escalation import ombudsman, redress, services
from escalation.models import CompensationRate, Escalation, Outcome, Redress, RootCauseGroup, ServiceFailure
from escalation.roles import COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from tests.escalation.factories import conclusion, filed_complaint, root_cause, staff_member
from tests.escalation.states import complaint_in

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
Status = Complaint.Status


@pytest.fixture
def agent():
    return staff_member(SUPPORT_AGENTS)


@pytest.fixture
def rates():
    """The seeded 2026 rates and a made-up 2025 set (a flushing test may have dropped the seeded rows)."""
    for kind, amounts in {
        "delayed_repair": ("9.99", "10.34"),
        "missed_appointment": ("31.23", "32.31"),
        "delayed_provision": ("6.24", "6.46"),
    }.items():
        for year, amount in zip((2025, 2026), amounts, strict=True):
            CompensationRate.objects.update_or_create(
                kind=kind, effective_from=date(year, 4, 1), defaults={"amount": Decimal(amount)}
            )


def proposed(agent, **overrides):
    complaint = filed_complaint(days_ago=2, **overrides)
    services.propose_resolution(complaint=complaint, by=agent, resolution="A refund of £20.")
    return complaint


def status_of(complaint):
    return Complaint.objects.get(pk=complaint.pk).status


# --- Every end asks for the root cause and outcome ---------------------------------------------


def test_the_customers_acceptance_is_refused_without_a_root_cause_and_outcome_and_writes_nothing(agent):
    complaint = proposed(agent)
    entries = complaint.timeline.count()
    with pytest.raises(ValidationError) as refusal:
        services.record_customer_acceptance(complaint=complaint, by=agent)
    assert set(refusal.value.error_dict) == {"root_cause", "outcome"}
    assert status_of(complaint) == Status.RESOLUTION_PROPOSED
    assert complaint.timeline.count() == entries

    services.record_customer_acceptance(complaint=complaint, by=agent, **conclusion(Outcome.PARTLY_UPHELD))
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert status_of(complaint) == Status.RESOLVED
    assert (str(escalation.root_cause), escalation.outcome) == ("Fault → Repeated line drop", "partly_upheld")
    assert complaint.timeline.filter(
        kind=TimelineEntry.Kind.INTERNAL_NOTE, body__startswith="Root cause: Fault → Repeated line drop"
    ).exists()


def test_closing_with_our_final_position_needs_them_too():
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = filed_complaint(days_ago=3)
    with pytest.raises(ValidationError, match="Choose the outcome"):
        services.close_with_final_position(
            complaint=complaint, by=manager, final_position="No more.", root_cause=root_cause()
        )
    assert status_of(complaint) == Status.RECEIVED
    services.close_with_final_position(
        complaint=complaint, by=manager, final_position="No more.", **conclusion(Outcome.NOT_UPHELD)
    )
    assert status_of(complaint) == Status.CLOSED


def test_closing_after_the_ombudsman_needs_them_too():
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = complaint_in("ombudsman remedy done", by=manager)
    with pytest.raises(ValidationError, match="Choose the root cause"):
        ombudsman.close_after_the_ombudsman(complaint=complaint, by=manager)
    ombudsman.close_after_the_ombudsman(complaint=complaint, by=manager, **conclusion())
    assert status_of(complaint) == Status.CLOSED


@pytest.mark.parametrize("ending", [Status.RESOLVED, Status.CLOSED])
def test_any_other_change_of_status_that_ends_a_complaint_is_refused_without_them(agent, ending):
    complaint = filed_complaint(days_ago=1)
    with pytest.raises(ValidationError, match="Choose the root cause"):
        complaint_services.change_complaint_status(
            complaint=complaint, new_status=ending, by=agent, note="Ends."
        )
    assert status_of(complaint) == Status.RECEIVED
    redress.record_conclusion(complaint=complaint, by=agent, **conclusion(Outcome.WITHDRAWN))
    complaint_services.change_complaint_status(complaint=complaint, new_status=ending, by=agent, note="Ends.")
    assert status_of(complaint) == ending


def test_a_complaint_resolved_before_they_were_asked_for_is_closed_and_reported_as_not_recorded(agent):
    complaint = proposed(agent)
    Complaint.objects.filter(pk=complaint.pk).update(status=Status.RESOLVED)  # as an older row stands
    Escalation.objects.filter(pk=complaint.pk).update(resolved_at=timezone.now())
    complaint_services.change_complaint_status(complaint=complaint, new_status=Status.CLOSED, by=agent)
    assert status_of(complaint) == Status.CLOSED
    assert Escalation.objects.get(pk=complaint.pk).root_cause is None


def test_a_retired_root_cause_is_refused_but_one_recorded_earlier_stays(agent):
    complaint = proposed(agent)
    cause = root_cause()
    redress.record_conclusion(complaint=complaint, by=agent, root_cause=cause, outcome=Outcome.UPHELD)
    RootCauseGroup.objects.filter(pk=cause.group_id).update(active=False)
    cause.refresh_from_db()
    with pytest.raises(ValidationError, match="retired"):
        redress.record_conclusion(
            complaint=proposed(agent), by=agent, root_cause=cause, outcome=Outcome.UPHELD
        )
    services.record_customer_acceptance(complaint=complaint, by=agent)  # its recorded cause stands
    assert status_of(complaint) == Status.RESOLVED


# --- Redress -----------------------------------------------------------------------------------


def test_redress_money_has_an_amount_and_nothing_else_does(agent):
    complaint = filed_complaint(days_ago=2)
    today = timezone.localdate()
    with pytest.raises(ValidationError, match="amount of the refund"):
        redress.record_redress(complaint=complaint, by=agent, kind=Redress.Kind.REFUND, given_on=today)
    with pytest.raises(ValidationError, match="Only money"):
        redress.record_redress(
            complaint=complaint, by=agent, kind=Redress.Kind.APOLOGY, given_on=today, amount=Decimal("5")
        )
    with pytest.raises(ValidationError, match="future"):
        redress.record_redress(
            complaint=complaint, by=agent, kind=Redress.Kind.APOLOGY, given_on=today + timedelta(days=1)
        )
    redress.record_redress(complaint=complaint, by=agent, kind=Redress.Kind.APOLOGY, given_on=today)
    refund = redress.record_redress(
        complaint=complaint, by=agent, kind=Redress.Kind.REFUND, given_on=today, amount=Decimal("12.50")
    )
    assert [r.kind for r in Redress.objects.filter(complaint=complaint)] == ["apology", "refund"]
    assert complaint.timeline.filter(body=f"Redress: {refund}.").exists()


# --- Automatic compensation --------------------------------------------------------------------


def test_a_delayed_repair_across_the_rate_change_owes_both_rates(agent, rates):
    complaint = filed_complaint(days_ago=3, category=Complaint.Category.BROADBAND_FAULT)
    failure = redress.record_service_failure(
        complaint=complaint,
        by=agent,
        kind="delayed_repair",
        fault_reported_at=datetime(2026, 3, 25, 14, tzinfo=LONDON),
        fault_fixed_at=datetime(2026, 4, 2, 10, tzinfo=LONDON),
    )
    assert failure.compensation_owed == Decimal("60.64")  # 4 x £9.99 + 2 x £10.34
    assert failure.days_without_a_rate == 0


def test_automatic_compensation_is_only_for_fault_and_installation_complaints(agent, rates):
    billing = filed_complaint(days_ago=3, category=Complaint.Category.BILLING)
    with pytest.raises(ValidationError, match="fault or an installation"):
        redress.record_service_failure(
            complaint=billing, by=agent, kind="missed_appointment", appointment_on=date(2026, 4, 1)
        )
    installation = filed_complaint(days_ago=3, category=Complaint.Category.INSTALLATION)
    with pytest.raises(ValidationError) as refusal:
        redress.record_service_failure(complaint=installation, by=agent, kind="delayed_provision")
    assert set(refusal.value.error_dict) == {"promised_start_on", "service_started_on"}
    assert not ServiceFailure.objects.exists()


def test_correcting_a_rate_works_out_again_what_is_owed(agent, rates):
    complaint = filed_complaint(days_ago=3, category=Complaint.Category.INSTALLATION)
    failure = redress.record_service_failure(
        complaint=complaint, by=agent, kind="missed_appointment", appointment_on=date(2026, 4, 1)
    )
    assert failure.compensation_owed == Decimal("32.31")
    rate = CompensationRate.objects.get(kind="missed_appointment", effective_from=date(2026, 4, 1))
    rate.amount = Decimal("33.00")
    assert redress.save_compensation_rate(rate=rate, by=agent) == 1
    failure.refresh_from_db()
    assert failure.compensation_owed == Decimal("33.00")
    redress.remove_compensation_rates(rates=CompensationRate.objects.filter(pk=rate.pk), by=agent)
    failure.refresh_from_db()
    assert failure.compensation_owed == Decimal("31.23")  # the 2025 rate is the one in force now


# --- Through the admin -------------------------------------------------------------------------


def action_url(complaint, action):
    return reverse("admin:escalation_stage_action", args=[complaint.pk, action])


def test_the_acceptance_form_asks_for_the_root_cause_and_outcome_with_field_errors(client, agent):
    client.force_login(agent)
    complaint = proposed(agent)
    refused = client.post(action_url(complaint, "accept"), {"note": "Agreed by phone."})
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "Choose the root cause: why the customer complained." in page
    assert "Choose the outcome" in page
    assert status_of(complaint) == Status.RESOLUTION_PROPOSED
    done = client.post(
        action_url(complaint, "accept"),
        {"note": "Agreed by phone.", "root_cause": root_cause().pk, "outcome": "upheld"},
    )
    assert done.status_code == 302
    assert status_of(complaint) == Status.RESOLVED


def test_the_complaint_page_shows_our_redress_beside_the_ombudsmans_and_the_compensation_owed_and_paid(
    client, rates, django_assert_max_num_queries
):
    manager = staff_member(COMPLAINTS_MANAGERS)
    client.force_login(manager)
    complaint = complaint_in("ombudsman remedy done", by=manager, category=Complaint.Category.BROADBAND_FAULT)
    ombudsman_case = complaint.ombudsman_case
    ombudsman_case.apology, ombudsman_case.award_amount = True, Decimal("75.00")
    ombudsman_case.save()
    response = client.post(
        action_url(complaint, "service-failure"),
        {
            "kind": "delayed_repair",
            "fault_reported_at": "2026-03-25T14:00",
            "fault_fixed_at": "2026-04-02T10:00",
        },
    )
    assert response.status_code == 302
    today = timezone.localdate().isoformat()
    client.post(action_url(complaint, "redress"), {"kind": "apology", "given_on": today})
    client.post(
        action_url(complaint, "redress"),
        {"kind": "automatic_compensation", "amount": "60.64", "given_on": today},
    )
    change_page = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    client.get(change_page)  # warm the calendar and the session
    with django_assert_max_num_queries(60) as counted:
        page = client.get(change_page).content.decode()
    assert "Root cause: not recorded" in page
    assert "Award £75.00" in page
    assert "Apology" in page
    assert "4 x £9.99 + 2 x £10.34" in page
    assert "Owed £60.64; paid £60.64" in page
    assert "<strong>paid</strong>" in page
    for _ in range(5):  # more redress and failures cost no more queries
        redress.record_redress(
            complaint=complaint, by=manager, kind="refund", given_on=date(2026, 4, 2), amount=1
        )
        redress.record_service_failure(
            complaint=complaint, by=manager, kind="missed_appointment", appointment_on=date(2026, 4, 1)
        )
    with django_assert_max_num_queries(len(counted.captured_queries)):
        page = client.get(change_page).content.decode()
    assert "part paid" in page


def test_a_refused_redress_shows_its_field_error(client, agent):
    client.force_login(agent)
    complaint = filed_complaint(days_ago=2)
    response = client.post(
        action_url(complaint, "redress"),
        {"kind": "goodwill_credit", "given_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert "Give the amount of the goodwill credit." in response.content.decode()
    assert not Redress.objects.exists()


def test_managers_keep_the_taxonomy_and_the_rates_agents_only_read_them(client, agent, rates):
    client.force_login(agent)
    assert client.get(reverse("admin:escalation_rootcausegroup_changelist")).status_code == 200
    assert client.get(reverse("admin:escalation_rootcausegroup_add")).status_code == 403
    assert client.get(reverse("admin:escalation_compensationrate_add")).status_code == 403
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    response = client.post(
        reverse("admin:escalation_rootcausegroup_add"),
        {
            "name": "Moving home",
            "active": "on",
            "causes-TOTAL_FORMS": "1",
            "causes-INITIAL_FORMS": "0",
            "causes-0-name": "Service not moved on the day",
            "causes-0-active": "on",
        },
    )
    assert response.status_code == 302
    assert (
        str(RootCauseGroup.objects.get(name="Moving home").causes.get())
        == "Moving home → Service not moved on the day"
    )
    response = client.post(
        reverse("admin:escalation_compensationrate_add"),
        {"kind": "delayed_repair", "effective_from": "2027-04-01", "amount": "10.70", "source": "Ofcom"},
    )
    assert response.status_code == 302
    duplicate = client.post(
        reverse("admin:escalation_compensationrate_add"),
        {"kind": "delayed_repair", "effective_from": "2027-04-01", "amount": "10.80"},
    )
    assert duplicate.status_code == 200  # the form shows the error; nothing saved twice
    assert (
        CompensationRate.objects.filter(kind="delayed_repair", effective_from=date(2027, 4, 1)).count() == 1
    )


def test_an_out_of_range_date_is_a_field_error_not_a_server_error(client, rates):
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    complaint = filed_complaint(days_ago=2, category=Complaint.Category.BROADBAND_FAULT)
    response = client.post(
        action_url(complaint, "service-failure"),
        {
            "kind": "delayed_repair",
            "fault_reported_at": "1900-01-01T10:00",
            "fault_fixed_at": "2026-04-02T10:00",
        },
    )
    assert response.status_code == 400
    assert "1 April 2019" in response.content.decode()
    assert not ServiceFailure.objects.exists()


def test_a_start_on_or_before_the_promised_day_is_not_recorded_as_a_delay(rates):
    complaint = filed_complaint(days_ago=2, category=Complaint.Category.INSTALLATION)
    with pytest.raises(ValidationError) as refused:
        redress.record_service_failure(
            complaint=complaint,
            by=staff_member(COMPLAINTS_MANAGERS),
            kind="delayed_provision",
            promised_start_on=date(2026, 4, 10),
            service_started_on=date(2026, 4, 1),
        )
    assert "not late" in str(refused.value)
    assert not ServiceFailure.objects.exists()


def test_a_manager_withdraws_a_redress_or_failure_recorded_in_error_with_a_reason(client, agent, rates):
    manager = staff_member(COMPLAINTS_MANAGERS)
    complaint = filed_complaint(days_ago=2, category=Complaint.Category.BROADBAND_FAULT)
    wrong = redress.record_redress(
        complaint=complaint, by=agent, kind="goodwill_credit", given_on=timezone.localdate(), amount=5000
    )
    failure = redress.record_service_failure(
        complaint=complaint, by=agent, kind="missed_appointment", appointment_on=date(2026, 4, 1)
    )
    client.force_login(agent)
    assert client.get(action_url(complaint, "withdraw-redress")).status_code == 403  # managers only

    client.force_login(manager)
    page = client.get(action_url(complaint, "withdraw-redress")).content.decode()
    assert str(wrong) in page
    assert "Missed appointment" in page
    refused = client.post(action_url(complaint, "withdraw-redress"), {"record": f"redress:{wrong.pk}"})
    assert refused.status_code == 400  # a reason is required
    assert Redress.objects.filter(pk=wrong.pk).exists()
    for record in (f"redress:{wrong.pk}", f"failure:{failure.pk}"):
        done = client.post(
            action_url(complaint, "withdraw-redress"), {"record": record, "reason": "Typed £5,000 for £50."}
        )
        assert done.status_code == 302
    assert not Redress.objects.filter(pk=wrong.pk).exists()
    assert not ServiceFailure.objects.filter(pk=failure.pk).exists()
    withdrawn = complaint.timeline.filter(
        kind=TimelineEntry.Kind.RECORD_CORRECTED, body__startswith="Withdrawn"
    )
    assert withdrawn.count() == 2
    assert "Goodwill credit (£) £5,000.00" in withdrawn.first().body
    assert "Typed £5,000 for £50." in withdrawn.first().body
    other = filed_complaint()
    tampered = client.post(
        action_url(other, "withdraw-redress"), {"record": f"redress:{wrong.pk}", "reason": "x"}
    )
    assert tampered.status_code == 400  # only this complaint's records
