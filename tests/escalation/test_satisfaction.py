"""The satisfaction survey (issue 14, part 5): who is asked and when, the signed links, the window, the
answer and its follow-up, through the services and selectors and through the pages."""

import io
import json
import re
import zipfile
from datetime import timedelta

import pytest
import time_machine
from django.core import signing
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from complaints import record_changes
from complaints import services as complaint_services
from complaints.models import Complaint, TimelineEntry
from escalation import ombudsman, reporting, satisfaction, services, subject_access
from escalation.models import SatisfactionSurvey
from escalation.roles import AUDITORS, COMPLAINTS_MANAGERS, SUPPORT_AGENTS
from escalation.satisfaction_links import make_survey_token
from notifications.models import OutboundMessage
from tests.escalation.factories import conclusion, filed_complaint, staff_member
from tests.escalation.states import md_decided
from tests.escalation.test_views import signed_in

pytestmark = pytest.mark.django_db

FollowUp = SatisfactionSurvey.FollowUp


@pytest.fixture
def agent():
    return staff_member(SUPPORT_AGENTS)


@pytest.fixture
def manager():
    return staff_member(COMPLAINTS_MANAGERS)


def resolved(agent, **overrides) -> Complaint:
    complaint = filed_complaint(**overrides)
    services.propose_resolution(complaint=complaint, by=agent, resolution="A £10 credit.")
    services.record_customer_acceptance(complaint=complaint, by=agent, **conclusion())
    complaint.refresh_from_db()
    return complaint


def invitations(complaint) -> list[OutboundMessage]:
    return list(
        OutboundMessage.objects.filter(reference=complaint.reference, template_key=satisfaction.SURVEY_NOTICE)
    )


def survey_path(complaint, score=None) -> str:
    path = reverse("escalation:survey", args=[make_survey_token(complaint.pk)])
    return f"{path}?score={score}" if score else path


def link_in(message: OutboundMessage, score: int) -> str:
    """The path of the e-mail's link for `score`, as the customer clicks it."""
    found = re.search(rf"^{score}: (http\S+)$", message.body_text, re.MULTILINE)
    return found.group(1).removeprefix("http://127.0.0.1:8000")


# --- Who is asked, when, once ------------------------------------------------------------------


def test_resolving_a_complaint_opens_its_survey_and_emails_it_once(agent):
    complaint = resolved(agent)
    survey = SatisfactionSurvey.objects.get(pk=complaint.pk)
    assert (survey.trigger, survey.emailed, survey.score) == ("resolved", True, None)
    [message] = invitations(complaint)
    assert message.idempotency_key == f"{complaint.reference}:satisfaction_survey:survey"
    assert message.recipient_email == complaint.email
    assert "How satisfied are you with how we handled your complaint" in message.body_text
    assert "Don't ask me again" in message.body_html
    # Asked again (a second call, a reopened complaint resolved again): the one survey stands.
    assert satisfaction.invite_to_survey(complaint=complaint, trigger="resolved") is None
    complaint_services.change_complaint_status(complaint=complaint, new_status="in_progress", by=agent)
    complaint_services.change_complaint_status(complaint=complaint, new_status="resolved", by=agent)
    assert len(invitations(complaint)) == 1
    assert SatisfactionSurvey.objects.filter(pk=complaint.pk).count() == 1
    staff_note = complaint.timeline.get(body__startswith="Satisfaction survey opened")
    assert staff_note.kind == TimelineEntry.Kind.INTERNAL_NOTE


@pytest.mark.parametrize(
    "give_final_response",
    [
        lambda c, by: services.declare_deadlock(complaint=c, by=by, final_position="We can do no more."),
        lambda c, by: services.close_with_final_position(
            complaint=c, by=by, final_position="Our last word.", **conclusion()
        ),
        md_decided,
    ],
    ids=["deadlock", "closed with our final position", "the MD's decision"],
)
def test_our_final_response_opens_the_survey(manager, give_final_response):
    complaint = filed_complaint()
    give_final_response(complaint, manager)
    assert SatisfactionSurvey.objects.get(pk=complaint.pk).trigger == "final_response"
    assert len(invitations(complaint)) == 1


def test_a_welsh_customer_is_asked_in_welsh(agent):
    complaint = resolved(agent, language="cy")
    [message] = invitations(complaint)
    assert "sut y gwnaethom ymdrin â hi?" in message.subject
    assert "Peidiwch â gofyn i mi eto" in message.body_text


def test_no_survey_after_an_ombudsman_referral_and_an_open_one_closes(agent, manager, client):
    complaint = filed_complaint()
    services.declare_deadlock(complaint=complaint, by=manager, final_position="No more.")
    ombudsman.record_ombudsman_referral(
        complaint=complaint, by=manager, scheme_reference="CO-9", referred_on=timezone.localdate()
    )
    assert client.get(survey_path(complaint, 4)).status_code == 410  # closed, and says so
    other = filed_complaint(days_ago=60, email="other@example.com")
    ombudsman.record_ombudsman_referral(
        complaint=other, by=manager, scheme_reference="CO-10", referred_on=timezone.localdate()
    )
    assert satisfaction.invite_to_survey(complaint=other, trigger="resolved") is None
    assert not invitations(other)


def test_no_survey_to_a_customer_who_opted_out_on_any_complaint_from_their_address(agent):
    earlier = filed_complaint(email="Jo@Example.com")
    record_changes.update_contact_details(complaint=earlier, by=agent, no_surveys=True)
    complaint = resolved(agent, email="jo@example.COM")
    assert not SatisfactionSurvey.objects.filter(pk=complaint.pk).exists()
    assert not invitations(complaint)


def test_no_survey_on_an_anonymised_complaint(agent):
    complaint = filed_complaint()
    complaint_services.anonymise_complaint(complaint=complaint, reason="test")
    assert satisfaction.invite_to_survey(complaint=complaint, trigger="resolved") is None


@pytest.mark.parametrize(
    "contact", [{"email": "", "reply_preference": "letter"}, {"reply_preference": "letter"}], ids=str
)
def test_without_an_email_address_or_by_letter_it_is_on_the_complaint_page_only(agent, client, contact):
    complaint = resolved(agent, **contact)
    survey = SatisfactionSurvey.objects.get(pk=complaint.pk)
    assert survey.emailed is False
    assert not invitations(complaint)
    page = client_page(signed_in(client, complaint), complaint)
    assert "How satisfied are you with how we handled your complaint?" in page


def client_page(client, complaint) -> str:
    response = client.get(reverse("complaints:detail", args=[complaint.reference]))
    assert response.status_code == 200
    return response.content.decode()


# --- The links: signed, GET records nothing, the window ----------------------------------------


def test_the_emails_link_opens_the_page_with_the_score_chosen_and_records_nothing(agent, client):
    complaint = resolved(agent)
    [message] = invitations(complaint)
    response = client.get(link_in(message, 2))
    page = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'value="2"[^>]*checked', page)
    assert SatisfactionSurvey.objects.get(pk=complaint.pk).score is None  # a mail scanner's GET
    response = client.post(link_in(message, 2).split("?")[0], {"score": "2", "comment": "Too slow."})
    assert response.status_code == 302
    survey = SatisfactionSurvey.objects.get(pk=complaint.pk)
    assert (survey.score, survey.comment, survey.times_answered) == (2, "Too slow.", 1)
    assert "Thank you for your answer." in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    "token",
    [
        lambda c: make_survey_token(c.pk)[:-3] + "abc",  # tampered
        lambda c: make_survey_token(c.pk)[:20],  # cut short
        lambda c: signing.TimestampSigner(salt="complaints.tracking-link").sign(str(c.pk)),  # another salt
        lambda c: signing.TimestampSigner(salt="escalation.satisfaction-survey").sign("x") + "0",
        lambda c: "not-a-token",
    ],
    ids=["tampered", "cut short", "another link's salt", "not ours", "junk"],
)
def test_a_link_that_is_not_genuine_gets_a_clear_page_and_changes_nothing(agent, client, token):
    complaint = resolved(agent)
    path = reverse("escalation:survey", args=[token(complaint)])
    for response in (client.get(path + "?score=1"), client.post(path, {"score": "1"})):
        assert response.status_code == 400
        assert "This link does not work" in response.content.decode()
    assert SatisfactionSurvey.objects.get(pk=complaint.pk).score is None


def test_within_the_window_a_new_answer_replaces_the_last_and_after_it_the_link_closes(agent, client):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        complaint = resolved(agent)
        [message] = invitations(complaint)
        path = link_in(message, 1).split("?")[0]
        client.post(path, {"score": "1"})
    with time_machine.travel(start + timedelta(days=satisfaction.SURVEY_OPEN_DAYS, seconds=-60), tick=False):
        assert client.post(path, {"score": "4", "comment": "Better now."}).status_code == 302
    survey = SatisfactionSurvey.objects.get(pk=complaint.pk)
    assert (survey.score, survey.comment, survey.times_answered) == (4, "Better now.", 2)
    assert survey.follow_up == FollowUp.NONE  # the low score was taken back before anyone followed it up
    with time_machine.travel(start + timedelta(days=satisfaction.SURVEY_OPEN_DAYS, seconds=60), tick=False):
        for response in (client.get(link_in(message, 5)), client.post(path, {"score": "5"})):
            assert response.status_code == 410
            page = response.content.decode()
            assert "This survey has closed" in page
            assert "we have your answer, 4 out of 5" in page
    assert SatisfactionSurvey.objects.get(pk=complaint.pk).score == 4


def test_the_service_refuses_an_answer_once_closed_and_a_score_out_of_range(agent):
    complaint = resolved(agent)
    survey = SatisfactionSurvey.objects.get(pk=complaint.pk)
    with pytest.raises(satisfaction.ValidationError):
        satisfaction.answer_survey(survey=survey, score=6)
    later = timezone.now() + satisfaction.SURVEY_WINDOW + timedelta(minutes=1)
    with time_machine.travel(later), pytest.raises(satisfaction.SurveyClosed):
        satisfaction.answer_survey(survey=survey, score=3)


def test_a_form_mistake_is_shown_not_a_server_error(agent, client):
    complaint = resolved(agent)
    response = client.post(survey_path(complaint), {"score": "9", "comment": "x" * 2001})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose a score from 1 to 5." in page
    assert "2000 characters" in page


def test_answers_are_rate_limited(agent, client, settings):
    complaint = resolved(agent)
    settings.RATELIMIT_ENABLE = True
    for _ in range(30):
        client.post(survey_path(complaint), {"score": "3"})
    response = client.post(survey_path(complaint), {"score": "5"})
    assert response.status_code == 429
    assert "Retry-After" in response
    assert SatisfactionSurvey.objects.get(pk=complaint.pk).score == 3


# --- The complaint page ------------------------------------------------------------------------


def test_the_complaint_page_asks_once_open_and_thanks_after(agent, client, django_assert_max_num_queries):
    complaint = filed_complaint()
    signed_in(client, complaint)
    assert "How did we handle your complaint?" not in client_page(client, complaint)
    services.propose_resolution(complaint=complaint, by=agent, resolution="A credit.")
    services.record_customer_acceptance(complaint=complaint, by=agent, **conclusion())
    with django_assert_max_num_queries(7):
        page = client_page(client, complaint)
    assert "How satisfied are you with how we handled your complaint?" in page
    response = client.post(
        reverse("escalation:survey_for_visitor", args=[complaint.reference]),
        {"score": "5", "comment": "Thanks!"},
    )
    assert response["Location"].endswith(f"/complaints/{complaint.reference}/#satisfaction")
    page = client_page(client, complaint)
    assert "You gave us 5 out of 5." in page
    assert "Change your answer" in page


def test_someone_else_cannot_answer_from_the_complaint_page(agent, client):
    complaint = resolved(agent)
    response = client.post(
        reverse("escalation:survey_for_visitor", args=[complaint.reference]), {"score": "1"}
    )
    assert response.status_code == 404
    assert SatisfactionSurvey.objects.get(pk=complaint.pk).score is None


# --- Low scores and what staff see -------------------------------------------------------------


def test_a_low_score_is_flagged_for_the_owner_who_marks_it_followed_up(agent, manager, client):
    complaint = resolved(agent)
    complaint_services.assign_complaints(complaint_ids=[complaint.pk], assignee=agent, by=manager)
    survey = satisfaction.answer_survey(
        survey=SatisfactionSurvey.objects.get(pk=complaint.pk), score=2, comment="Nobody called back."
    )
    assert survey.follow_up == FollowUp.NEEDED
    assert satisfaction.follow_ups_waiting(user=agent) == {"all": 1, "mine": 1}
    assert satisfaction.follow_ups_waiting(user=manager) == {"all": 1, "mine": 0}
    client.force_login(agent)
    listed = client.get(reverse("admin:complaints_complaint_changelist") + "?satisfaction=to-follow-up")
    assert complaint.reference in listed.content.decode()
    change_page = client.get(
        reverse("admin:complaints_complaint_change", args=[complaint.pk])
    ).content.decode()
    assert "Low satisfaction to follow up" in change_page
    assert "Nobody called back." in change_page
    follow_up = reverse("admin:escalation_satisfactionsurvey_follow_up", args=[complaint.pk])
    assert client.post(follow_up, {"note": ""}).status_code == 400
    assert client.post(follow_up, {"note": "Called her; a goodwill credit."}).status_code == 302
    survey.refresh_from_db()
    assert (survey.follow_up, survey.followed_up_by) == (FollowUp.DONE, agent)
    assert client.post(follow_up, {"note": "Again"}).status_code == 409
    assert complaint.timeline.filter(body__startswith="Low satisfaction score followed up").exists()
    listed = client.get(reverse("admin:complaints_complaint_changelist") + "?satisfaction=to-follow-up")
    assert complaint.reference not in listed.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the plan is PostgreSQL's")
def test_the_dashboard_counts_all_follow_ups_from_their_index_alone(agent):
    """At a million complaints, 2,815 low scores wait: counting them through a join to their
    complaints, for the "mine" figure, read 2,393 pages of surveys and 2,815 complaints (33 ms). All of
    them are counted from the partial index of those waiting, and the user's from their complaints."""
    with CaptureQueriesContext(connection) as queries:
        satisfaction.follow_ups_waiting(user=agent)
    assert len(queries.captured_queries) <= 2
    plans = []
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        for query in queries.captured_queries:
            cursor.execute("EXPLAIN " + query["sql"])
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    counting_all = [plan for plan in plans if "complaints_complaint" not in plan]
    assert counting_all, plans
    assert "Index Only Scan using satisfaction_to_follow_up" in counting_all[0]


def test_an_auditor_sees_surveys_but_cannot_mark_one_followed_up(agent, client):
    complaint = resolved(agent)
    satisfaction.answer_survey(survey=SatisfactionSurvey.objects.get(pk=complaint.pk), score=1)
    client.force_login(staff_member(AUDITORS))
    assert client.get(reverse("admin:escalation_satisfactionsurvey_changelist")).status_code == 200
    follow_up = reverse("admin:escalation_satisfactionsurvey_follow_up", args=[complaint.pk])
    assert client.post(follow_up, {"note": "x"}).status_code == 403


def test_the_timeline_records_the_answer_but_never_the_comment(agent, client):
    complaint = resolved(agent)
    satisfaction.answer_survey(
        survey=SatisfactionSurvey.objects.get(pk=complaint.pk), score=1, comment="SECRET-ISH WORDS"
    )
    entry = complaint.timeline.get(body__startswith="Satisfaction survey answered")
    assert entry.kind == TimelineEntry.Kind.INTERNAL_NOTE
    assert entry.body == (
        "Satisfaction survey answered: 1 of 5, with a comment (see the survey). "
        "Low: the complaint's owner follows it up."
    )
    assert not TimelineEntry.objects.filter(body__contains="SECRET-ISH").exists()
    assert not OutboundMessage.objects.filter(body_text__contains="SECRET-ISH").exists()
    page = client_page(signed_in(client, complaint), complaint)
    assert "Satisfaction survey answered" not in page  # internal


def test_the_survey_list_costs_the_same_queries_for_one_or_many(agent, manager, client):
    client.force_login(manager)
    url = reverse("admin:escalation_satisfactionsurvey_changelist")
    resolved(agent)
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url).status_code == 200
    for n in range(4):
        resolved(agent, email=f"many{n}@example.com")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.content.decode().count("/change/") >= 5
    assert len(many.captured_queries) == len(one.captured_queries)


# --- Opting out --------------------------------------------------------------------------------


def test_dont_ask_me_again_asks_first_then_stops_every_survey_to_that_address(agent, client):
    complaint = resolved(agent)
    [message] = invitations(complaint)
    stop_path = (
        re.search(r"Don't ask me again: (\S+)", message.body_text)
        .group(1)
        .removeprefix("http://127.0.0.1:8000")
    )
    response = client.get(stop_path)
    assert response.status_code == 200
    complaint.refresh_from_db()
    assert complaint.no_surveys is False  # opening the link changes nothing
    response = client.post(stop_path)
    assert "we will not ask you about how we handled your complaints again" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.no_surveys is True
    assert complaint.timeline.filter(body__contains="No satisfaction surveys: no → yes").exists()
    later = resolved(agent, email=complaint.email.upper())
    assert not SatisfactionSurvey.objects.filter(pk=later.pk).exists()
    assert client.get(stop_path[:-6] + "x/").status_code == 400


def test_staff_set_no_surveys_on_the_complaint_page(agent, client):
    complaint = filed_complaint()
    client.force_login(agent)
    url = reverse("admin:complaints_complaint_change", args=[complaint.pk])
    form = client.get(url).context["adminform"].form
    # The form as the page shows it (an agent cannot change the assignee or the hold), with the box ticked.
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields
        and value is not None
        and name not in ("assigned_to", "legal_hold", "no_surveys")
    }
    response = client.post(url, {**data, "no_surveys": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    complaint.refresh_from_db()
    assert complaint.no_surveys is True


# --- Reports, the dashboard, the export, retention, the demo --------------------------------------


def test_the_report_gives_answers_average_and_share_satisfied_by_month_and_category(agent):
    scores = {"billing": [5, 4, 1], "contract": [3]}
    for category, given in scores.items():
        for n, score in enumerate(given):
            complaint = resolved(agent, category=category, email=f"{category}{n}@example.com")
            satisfaction.answer_survey(survey=SatisfactionSurvey.objects.get(pk=complaint.pk), score=score)
    resolved(agent, category="billing", email="unanswered@example.com")
    with CaptureQueriesContext(connection) as queries:
        rows = reporting.satisfaction_report()
    assert len(queries.captured_queries) == 1
    total, billing, contract = rows
    assert (total["group_label"], total["asked"], total["answered"], total["average"]) == ("All", 5, 4, 3.2)
    assert total["satisfied_share"] == 50
    assert (billing["group_label"], billing["asked"], billing["answered"]) == ("Billing", 4, 3)
    assert (billing["average"], billing["satisfied_share"], billing["low"], billing["response_share"]) == (
        3.3,
        67,
        1,
        75,
    )
    assert (contract["average"], contract["satisfied_share"], contract["low"]) == (3.0, 0, 0)
    assert rows[0]["month"] == timezone.localdate().replace(day=1)


def test_the_reports_page_and_dashboard_show_satisfaction(agent, manager, client):
    complaint = resolved(agent)
    satisfaction.answer_survey(survey=SatisfactionSurvey.objects.get(pk=complaint.pk), score=2)
    client.force_login(manager)
    page = client.get(reverse("staff:reports")).content.decode()
    assert "How customers rated our handling" in page
    csv = client.get(reverse("staff:reports") + "?by=channel&format=csv&table=satisfaction")
    assert csv.content.decode().splitlines()[0].startswith("month,channel,Surveys,Answers")
    dashboard = client.get(reverse("staff:escalations")).content.decode()
    assert re.search(r'id="low-satisfaction-count">1<', dashboard)


def test_the_subject_access_export_has_the_survey_and_retention_removes_the_comment(agent, manager):
    complaint = resolved(agent)
    satisfaction.answer_survey(
        survey=SatisfactionSurvey.objects.get(pk=complaint.pk), score=4, comment="Kind."
    )
    _, content = subject_access.export_customer_data(
        complaint=complaint, chosen=[complaint], by=manager, verification="call", verification_details="ok"
    )
    data = json.loads(zipfile.ZipFile(io.BytesIO(content)).read("data.json"))
    [record] = data["complaints"]
    assert record["satisfaction_survey"]["score"] == 4
    assert record["satisfaction_survey"]["comment"] == "Kind."
    assert record["contact"]["no_satisfaction_surveys"] is False
    satisfaction.anonymise_survey(complaint=complaint)
    survey = SatisfactionSurvey.objects.get(pk=complaint.pk)
    assert (survey.score, survey.comment) == (4, "")


def test_the_demo_has_answered_surveys():
    call_command("seed_demo", complaints=300, seed=7)
    surveys = SatisfactionSurvey.objects.all()
    assert 50 < surveys.count() < 150
    assert surveys.filter(score__isnull=False).exists()
    assert not surveys.exclude(complaint__status__in=["resolved", "closed"]).exists()


def test_the_report_breaks_results_down_by_root_cause_too(agent, client):
    from escalation import reporting
    from escalation.models import Escalation

    complaint = resolved(agent)
    cause = Escalation.objects.get(pk=complaint.pk).root_cause
    satisfaction.answer_survey(survey=complaint.satisfaction_survey, score=2, comment="")
    reporting.refresh_report_figures()
    rows, _ = reporting.stored_satisfaction_report(by="root_cause")
    [row] = [row for row in rows if row["group_label"] == str(cause)]
    assert (row["asked"], row["answered"], row["low"]) == (1, 1, 1)
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    csv = client.get(
        reverse("staff:reports"), {"by": "root_cause", "format": "csv", "table": "satisfaction"}
    ).content.decode()
    assert csv.splitlines()[0].startswith("month,root_cause,")
    assert str(cause) in csv
