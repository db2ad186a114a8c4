"""The customer's escalation steps in the portal: what the page offers, and what each step does."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from complaints.models import Complaint
from complaints.tracking_links import make_tracking_token
from escalation import ombudsman, services
from escalation.models import Escalation
from escalation.stages import Stage
from escalation.sweep import enforce_deadlines
from escalation.working_days import add_working_days
from notifications.delivery import deliver_message
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory, pdf_upload, png_upload
from tests.escalation.factories import filed_complaint

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent():
    return StaffUserFactory()


def signed_in(client, complaint):
    """The customer opens the private link from their acknowledgement."""
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    assert client.get(reverse("complaints:tracking_link", args=[token])).status_code == 302
    return client


def detail_page(client, complaint) -> str:
    response = client.get(reverse("complaints:detail", args=[complaint.reference]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_new_complaint_shows_its_stage_next_deadline_and_when_the_ombudsman_opens(client):
    complaint = filed_complaint()
    escalation = Escalation.objects.get(pk=complaint.pk)
    page = detail_page(signed_in(client, complaint), complaint)
    assert 'aria-current="step"' in page
    assert "Direct contact" in page
    assert f"We aim to resolve your complaint by {escalation.stage_one_due:%A %-d %B %Y}" in page
    assert f"from <strong>{escalation.adr_eligible_on:%-d %B %Y}</strong>" in page
    assert "Refer my complaint" not in page  # nothing proposed yet
    assert f'{escalation.acknowledgement_due:%-d %b %Y} <span class="text-body-secondary">(done' in page


def test_a_proposed_resolution_offers_the_referral_and_it_starts_the_ten_day_clock(client, agent):
    complaint = filed_complaint()
    services.propose_resolution(complaint=complaint, by=agent, resolution="A £10 credit.")
    signed_in(client, complaint)
    assert "Refer my complaint to the Complaints Manager" in detail_page(client, complaint)
    refer_url = reverse("escalation:refer", args=[complaint.reference])

    form_page = client.get(refer_url).content.decode()
    due = add_working_days(timezone.localdate(), 10)
    assert complaint.customer_name.replace("'", "&#x27;") in form_page  # pre-filled
    assert f"{due:%A %-d %B %Y}" in form_page

    response = client.post(
        refer_url,
        {
            "customer_name": complaint.customer_name,
            "postal_address": "3 Mill Lane\nCambridge",
            "postcode": "cb2 1rx",
            "reply_preference": Complaint.ReplyPreference.LETTER,
            "reason": "A credit is not enough.",
        },
        follow=True,
    )
    page = response.content.decode()
    assert f"Their written response is due by {due:%A %-d %B %Y}" in page
    assert f"The Complaints Manager&#x27;s written response is due by {due:%A %-d %B %Y}" in page
    complaint.refresh_from_db()
    assert complaint.escalation.stage == Stage.COMPLAINTS_MANAGER
    assert (complaint.postcode, complaint.reply_preference) == ("CB2 1RX", Complaint.ReplyPreference.LETTER)


def test_a_referral_with_bad_input_shows_errors_and_changes_nothing(client, agent):
    complaint = filed_complaint()
    services.propose_resolution(complaint=complaint, by=agent, resolution="A £10 credit.")
    response = signed_in(client, complaint).post(
        reverse("escalation:refer", args=[complaint.reference]),
        {"customer_name": "", "postal_address": "x", "postcode": "nope", "reply_preference": "pigeon"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter your full name." in page
    assert "Enter a UK postcode" in page
    assert "There is a problem" in page
    complaint.refresh_from_db()
    assert complaint.escalation.stage == Stage.DIRECT_CONTACT


def test_the_referral_is_not_offered_without_a_proposal_nor_to_other_visitors(client):
    complaint = filed_complaint()
    refer_url = reverse("escalation:refer", args=[complaint.reference])
    assert client.get(refer_url).status_code == 404  # not this visitor's complaint: the uniform answer
    response = signed_in(client, complaint).get(refer_url)
    assert response.status_code == 302  # nothing proposed yet: back to the complaint page


def test_after_the_managers_response_the_customer_can_ask_for_the_md_review(client, agent, settings):
    settings.ISPA_MEMBER = True
    complaint = filed_complaint()
    services.propose_resolution(complaint=complaint, by=agent, resolution="A £10 credit.")
    services.refer_to_complaints_manager(
        complaint=complaint,
        channel=Complaint.Channel.PORTAL,
        reply_preference=Complaint.ReplyPreference.EMAIL,
    )
    services.record_stage_two_response(complaint=complaint, by=agent, response="R", document=pdf_upload())
    page = detail_page(signed_in(client, complaint), complaint)
    assert "Ask for a Managing Director review" in page
    assert "ISPA" in page
    response = client.post(
        reverse("escalation:md_review", args=[complaint.reference]), {"reason": "Still broken"}
    )
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.escalation.stage == Stage.MANAGING_DIRECTOR


def test_without_ispa_membership_the_isp_association_is_not_mentioned(client, agent, settings):
    settings.ISPA_MEMBER = False
    complaint = filed_complaint()
    assert "ISPA" not in detail_page(signed_in(client, complaint), complaint)


def test_at_deadlock_the_page_gives_the_ombudsmans_details_and_the_window(client, agent, settings):
    complaint = filed_complaint(days_ago=3)
    services.declare_deadlock(complaint=complaint, by=agent, final_position="No more.")
    enforce_deadlines()
    deliver_message(message_id=OutboundMessage.objects.get(template_key="adr_letter").pk)
    window_ends = Escalation.objects.get(pk=complaint.pk).adr_window_ends
    page = detail_page(signed_in(client, complaint), complaint)
    scheme = settings.ADR_SCHEME
    assert f"You can now take your complaint to the {scheme['name']}" in page
    assert "free and independent" in page
    for detail in (scheme["phone"], scheme["email"], scheme["web"], *scheme["cannot_deal_with"][:1]):
        assert detail in page
    assert f"{window_ends:%-d %B %Y}" in page


def test_the_complaint_page_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    complaint = filed_complaint()
    signed_in(client, complaint)
    with django_assert_max_num_queries(7):
        client.get(reverse("complaints:detail", args=[complaint.reference]))


def test_a_referral_post_locks_the_complaint_and_its_clocks_once_and_saves_the_clocks_once(
    client, agent, django_assert_max_num_queries
):
    """39 queries before the clocks were written once per service (4 locks, 3 saves); now at most 20."""
    complaint = filed_complaint()
    services.propose_resolution(complaint=complaint, by=agent, resolution="A £10 credit.")
    signed_in(client, complaint)
    with django_assert_max_num_queries(20) as queries:
        response = client.post(
            reverse("escalation:refer", args=[complaint.reference]),
            {
                "customer_name": complaint.customer_name,
                "postal_address": "3 Mill Lane\nCambridge",
                "postcode": "cb2 1rx",
                "reply_preference": Complaint.ReplyPreference.LETTER,
                "reason": "A credit is not enough.",
            },
        )
    assert response.status_code == 302
    statements = [query["sql"] for query in queries.captured_queries]
    clocks = [sql for sql in statements if '"escalation_escalation"' in sql]
    assert sum(sql.startswith("UPDATE") for sql in clocks) == 1
    if connection.vendor == "postgresql":  # SQLite has no row locks
        assert sum("FOR" in sql and "UPDATE" in sql for sql in clocks) == 1
    assert Escalation.objects.get(pk=complaint.pk).stage == Stage.COMPLAINTS_MANAGER


@pytest.mark.parametrize("url_name", ["complaints:detail", "escalation:refer", "escalation:md_review"])
def test_another_customers_complaint_looks_exactly_like_one_that_does_not_exist(client, url_name):
    mine, theirs = filed_complaint(), filed_complaint()
    signed_in(client, mine)
    someone_elses = client.get(reverse(url_name, args=[theirs.reference]))
    made_up = client.get(reverse(url_name, args=["NS-0000-0000"]))
    malformed = client.get(reverse(url_name, args=["NS-!!!!"]))
    assert someone_elses.status_code == made_up.status_code == malformed.status_code == 404
    assert without_csrf_token(someone_elses) == without_csrf_token(made_up) == without_csrf_token(malformed)


def test_another_customers_file_is_refused_like_a_missing_one(client):
    mine = filed_complaint()
    theirs = filed_complaint(attachments=[png_upload()])
    signed_in(client, mine)
    attachment = theirs.attachments.get()
    response = client.get(reverse("complaints:attachment", args=[theirs.reference, attachment.pk]))
    missing = client.get(reverse("complaints:attachment", args=["NS-0000-0000", attachment.pk]))
    assert response.status_code == missing.status_code == 404
    assert without_csrf_token(response) == without_csrf_token(missing)


def without_csrf_token(response) -> str:
    """The page, its CSRF token (the language switch's form; a new mask on every response) blanked."""
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_what_the_customer_reads_agrees_with_itself_at_the_ombudsman(client, agent):
    complaint = filed_complaint(days_ago=50)
    services.propose_resolution(complaint=complaint, by=agent, resolution="A £10 credit.")
    ombudsman_case = ombudsman.record_ombudsman_referral(
        complaint=complaint, by=agent, scheme_reference="CO-1", referred_on=timezone.localdate()
    )
    page = detail_page(signed_in(client, complaint), complaint)
    assert "With the ombudsman" in page
    assert "Resolution proposed" not in page
    ombudsman.record_ombudsman_decision(
        complaint=complaint,
        by=agent,
        decision_on=timezone.localdate(),
        customer_response="accepted",
        customer_responded_on=timezone.localdate(),
        apology=True,
    )
    page = detail_page(client, complaint)
    assert "Putting the ombudsman&#x27;s decision into effect" in page
    assert (
        f"We will do what the ombudsman decided by {ombudsman_case.referred_on + timedelta(days=28):%A %-d %B %Y}"
        in page
    )
    assert "Resolution proposed" not in page


@pytest.fixture
def missing_variables_shown(settings):
    """Every template variable that resolves to nothing is printed as MISSING[name]: a sentence
    like "They reply in writing within ." cannot pass unseen."""
    settings.TEMPLATES = [
        {**engine, "OPTIONS": {**engine.get("OPTIONS", {}), "string_if_invalid": "MISSING[%s]"}}
        for engine in settings.TEMPLATES
    ]


def test_no_customer_page_or_message_in_any_state_prints_a_missing_value(
    client, agent, missing_variables_shown
):
    from tests.escalation.states import STATES, complaint_in

    pages = {
        name: reverse(name) for name in ("home", "complaints:new", "complaints:track", "complaints_code")
    }
    for state in STATES:
        complaint = complaint_in(state, by=agent)
        signed_in(client, complaint)
        pages[f"complaint page: {state}"] = reverse("complaints:detail", args=[complaint.reference])
        pages[f"referral: {state}"] = reverse("escalation:refer", args=[complaint.reference])
        pages[f"MD review: {state}"] = reverse("escalation:md_review", args=[complaint.reference])
    missing = {}
    for name, url in pages.items():
        response = client.get(url)
        found = sorted(set(re.findall(r"MISSING\[[^\]]*\]", response.content.decode())))
        if found:
            missing[name] = found
    # The messages those states queued were rendered with the same setting.
    for message in OutboundMessage.objects.all():
        text = f"{message.subject} {message.body_text} {message.body_html}"
        found = sorted(set(re.findall(r"MISSING\[[^\]]*\]", text)))
        if found:
            missing[f"{message.template_key} ({message.channel})"] = found
    assert not missing
