import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, TimelineEntry
from complaints.tracking_links import make_tracking_token
from complaints.uploads import MAX_ATTACHMENT_BYTES
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory, complaint_form_data, pdf_upload, png_upload

pytestmark = pytest.mark.django_db

NEW_URL = reverse("complaints:new")
TRACK_URL = reverse("complaints:track")


def file_online(client, **overrides):
    """POST the filing form as a browser would and follow to the confirmation page."""
    return client.post(NEW_URL, complaint_form_data(**overrides), follow=True)


def page_reference(response) -> str:
    return re.search(r"NS-[0-9A-Z]{4}-[0-9A-Z]{4}", response.content.decode()).group(0)


@pytest.mark.parametrize("url", ["/", "/complaints-code/", NEW_URL, TRACK_URL])
def test_public_pages_render_and_link_the_complaints_code(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert 'href="/complaints-code/"' in response.content.decode()


def test_home_page_gives_the_ways_in_and_the_hours(client):
    page = client.get("/").content.decode()
    for text in [
        "Make a complaint",
        "Track a complaint",
        "09:00–18:00",
        "10:00–16:00",
        "01223 446000",
    ]:
        assert text in page


def test_complaints_code_page_has_the_procedure_and_the_ombudsman(client, settings):
    settings.ADR_SCHEME = {
        **settings.ADR_SCHEME,
        "name": "Test Scheme Name",
        "phone": "0000 111 2222",
    }
    page = client.get("/complaints-code/").content.decode()
    assert "Test Scheme Name" in page
    assert "0000 111 2222" in page
    assert "10 working days" in page
    assert "Attn: Complaints Manager" in page
    assert "6 weeks" in page
    for item in settings.ADR_SCHEME["cannot_deal_with"]:
        assert item in page
    assert "monitor or record" in page
    assert "ISPA" not in page


def test_ispa_is_mentioned_only_for_members(client, settings):
    settings.ISPA_MEMBER = True
    assert "ISPA" in client.get("/complaints-code/").content.decode()


def test_filing_shows_the_reference_and_a_private_link_and_emails_an_acknowledgement(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = file_online(client, attachments=[png_upload("router.png"), pdf_upload("bill.pdf")])

    assert response.status_code == 200
    reference = page_reference(response)
    complaint = Complaint.objects.get(reference=reference)
    assert complaint.postcode == "CB5 8LA"
    assert complaint.attachments.count() == 2
    assert "/complaints/link/" in response.content.decode()
    assert len(mail.outbox) == 1
    assert reference in mail.outbox[0].subject
    assert mail.outbox[0].to == ["zoe@example.com"]
    assert OutboundMessage.objects.get(reference=reference).status == OutboundMessage.Status.SENT


def test_filing_post_costs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    # Complaint, timeline entry, two attachments, outbox row, the clocks' row, the working
    # calendar's adjustments (once per process), session: 11 statements and their savepoints
    # (each nested atomic block costs two), whatever the size of the database.
    with django_assert_max_num_queries(26):
        response = client.post(NEW_URL, complaint_form_data(attachments=[png_upload(), pdf_upload()]))
    assert response.status_code == 302


def test_invalid_form_shows_field_errors_and_keeps_what_was_typed(client):
    response = client.post(NEW_URL, complaint_form_data(email="not-an-email", postcode="XYZ", description=""))

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "Enter an e-mail address like name@example.com." in page
    assert "Enter a UK postcode, like CB5 8LA." in page
    assert "Tell us what happened." in page
    assert 'value="Zoë O&#x27;Brien"' in page
    assert "1 High Street" in page
    assert not Complaint.objects.exists()


def test_reply_preference_needs_the_matching_contact_detail(client):
    page = client.post(NEW_URL, complaint_form_data(email="", reply_preference="email")).content.decode()
    assert "Give an e-mail address, or choose another way for us to reply." in page
    page = client.post(NEW_URL, complaint_form_data(phone="", reply_preference="phone")).content.decode()
    assert "Give a phone number, or choose another way for us to reply." in page


def test_html_is_shown_as_text(client):
    attack = '<script>alert("x")</script><b>bold</b>'
    response = file_online(client, customer_name=attack, description=attack)
    reference = page_reference(response)
    page = client.get(reverse("complaints:detail", args=[reference])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;bold&lt;/b&gt;" in page


def test_too_long_description_gets_a_clear_message(client):
    response = client.post(NEW_URL, complaint_form_data(description="x" * 10_001))
    assert response.status_code == 400
    assert (
        "Please keep your description to 10,000 characters or fewer (it has 10001)."
        in response.content.decode()
    )


def test_non_ascii_names_work(client):
    response = file_online(client, customer_name="Siân Ní Bhriain-Øverby 李")
    assert (
        Complaint.objects.get(reference=page_reference(response)).customer_name == "Siân Ní Bhriain-Øverby 李"
    )


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            [SimpleUploadedFile("virus.pdf", b"MZ\x90\x00 not a pdf")],
            "“virus.pdf” is not a PDF, PNG or JPEG file.",
        ),
        (
            [png_upload("huge.png", size=MAX_ATTACHMENT_BYTES + 1)],
            "“huge.png” is larger than 10 MB.",
        ),
        ([png_upload(f"p{i}.png") for i in range(6)], "You can attach up to 5 files; you chose 6."),
        ([SimpleUploadedFile("empty.png", b"")], "“empty.png” is empty."),
    ],
    ids=["wrong type", "too big", "too many", "empty"],
)
def test_bad_attachments_are_refused_naming_the_file(client, files, message):
    response = client.post(NEW_URL, complaint_form_data(attachments=files))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Complaint.objects.exists()


def test_lookup_with_reference_and_email_opens_the_complaint(client):
    reference = page_reference(file_online(client))
    client.cookies.clear()  # another day, another browser

    response = client.post(
        TRACK_URL, {"reference": reference.lower(), "email_or_postcode": "ZOE@example.com"}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[reference])


def test_every_failed_lookup_gets_the_same_answer(client):
    reference = page_reference(file_online(client))
    client.cookies.clear()
    answers = set()
    for typed_reference, secret in [
        (reference, "wrong@example.com"),
        ("NS-0000-0000", "zoe@example.com"),
        ("nonsense", "zoe@example.com"),
    ]:
        response = client.post(TRACK_URL, {"reference": typed_reference, "email_or_postcode": secret})
        page = response.content.decode()
        answers.add((response.status_code, re.sub(r'value="[^"]*"', "", page).replace(typed_reference, "")))
    assert len(answers) == 1
    assert "We couldn&#x27;t find a complaint with those details" in page


def test_lookups_are_rate_limited(client):
    for _ in range(10):
        client.post(TRACK_URL, {"reference": "NS-0000-0000", "email_or_postcode": "a@example.com"})
    response = client.post(TRACK_URL, {"reference": "NS-0000-0000", "email_or_postcode": "a@example.com"})
    assert response.status_code == 429
    assert "You have reached the most we accept online" in response.content.decode()


def test_failed_filings_do_not_use_up_the_filing_limit(client):
    for _ in range(12):
        refused = client.post(NEW_URL, complaint_form_data(description=""))
        assert refused.status_code == 400
    filed = file_online(client)
    assert filed.status_code == 200
    assert Complaint.objects.count() == 1


def test_the_filing_limit_counts_filed_complaints_and_says_when_to_try_again(client):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(10):
            file_online(client)
        assert Complaint.objects.count() == 10

        refused = client.post(NEW_URL, complaint_form_data())

        assert refused.status_code == 429
        assert int(refused["Retry-After"]) > 0
        page = refused.content.decode()
        again = timezone.localtime() + timedelta(seconds=int(refused["Retry-After"]))
        assert f"You can file another from {again:%H:%M}" in page
        assert "call us on 01223 446000" in page
        assert "wait a few minutes" not in page
        assert Complaint.objects.count() == 10
        assert "My broadband has dropped every evening for a week." in page  # what was typed is kept


def test_the_limit_message_on_look_ups_says_when_too(client):
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(11):
            response = client.post(TRACK_URL, {"reference": "NS-0000-0000", "email_or_postcode": "a@b.co"})
        assert response.status_code == 429
        assert "You can try again from " in response.content.decode()
        assert int(response["Retry-After"]) <= 60


def test_complaint_page_needs_a_granted_session(client):
    reference = page_reference(file_online(client))
    detail = reverse("complaints:detail", args=[reference])
    assert client.get(detail).status_code == 200
    client.cookies.clear()
    response = client.get(detail)
    assert response.status_code == 404
    assert reference not in response.content.decode().replace(detail, "")


def test_private_link_opens_the_complaint_and_a_bad_one_gets_the_uniform_page(client):
    reference = page_reference(file_online(client))
    complaint = Complaint.objects.get(reference=reference)
    client.cookies.clear()
    token = make_tracking_token(reference=reference, tracking_key=complaint.tracking_key)

    bad = client.get(reverse("complaints:tracking_link", args=[token[:-1] + "x"]))
    good = client.get(reverse("complaints:tracking_link", args=[token]), follow=True)

    assert bad.status_code == 404
    assert "We can't show that complaint" in bad.content.decode()
    assert good.status_code == 200
    assert reference in good.content.decode()


def test_complaint_page_shows_the_customer_timeline_never_internal_notes(
    client, django_assert_max_num_queries
):
    reference = page_reference(file_online(client))
    complaint = Complaint.objects.get(reference=reference)
    agent = StaffUserFactory()
    services.add_internal_note(complaint=complaint, by=agent, body="SECRET: customer sounds annoyed")
    services.reply_to_customer(complaint=complaint, by=agent, body="We have booked an engineer.")
    services.add_customer_message(complaint=complaint, body="Thanks", attachments=[png_upload("after.png")])

    with django_assert_max_num_queries(6):
        page = client.get(reverse("complaints:detail", args=[reference])).content.decode()

    assert "We have booked an engineer." in page
    assert "after.png" in page
    assert "Being looked into" in page
    assert "SECRET" not in page


def test_customer_adds_a_message_with_a_file(client):
    reference = page_reference(file_online(client))
    detail = reverse("complaints:detail", args=[reference])

    response = client.post(
        detail,
        {"body": "Still down tonight.", "attachments": [pdf_upload("speedtest.pdf")]},
        follow=True,
    )

    assert "Your message has been added" in response.content.decode()
    entry = TimelineEntry.objects.get(kind=TimelineEntry.Kind.CUSTOMER_MESSAGE)
    assert entry.body == "Still down tonight."
    assert entry.attachments.get().original_name == "speedtest.pdf"


def test_an_empty_message_is_refused_with_a_field_error(client):
    reference = page_reference(file_online(client))
    response = client.post(reverse("complaints:detail", args=[reference]), {"body": ""})
    assert response.status_code == 400
    assert "Write your message." in response.content.decode()


def test_attachments_download_only_with_access_and_as_attachments(client):
    reference = page_reference(file_online(client, attachments=[pdf_upload("bill.pdf")]))
    attachment = Complaint.objects.get(reference=reference).attachments.get()
    url = reverse("complaints:attachment", args=[reference, attachment.pk])

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="bill.pdf"')
    assert b"".join(response.streaming_content).startswith(b"%PDF-")

    client.cookies.clear()
    assert client.get(url).status_code == 404


def test_leaving_forgets_the_complaints_on_this_browser(client):
    reference = page_reference(file_online(client))
    client.post(reverse("complaints:leave"))
    assert client.get(reverse("complaints:detail", args=[reference])).status_code == 404


def test_someone_complaining_for_a_customer_records_their_authority(client):
    response = client.post(
        NEW_URL,
        complaint_form_data(
            representative_name="Carys Jones",
            representative_relationship="Daughter",
            representative_authority=Complaint.RepresentativeAuthority.POWER_OF_ATTORNEY,
            representative_email="carys@example.org",
        ),
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (
        complaint.representative_email == "carys@example.org"
    )  # their e-mail quoting the reference is taken in
    assert (complaint.representative_name, complaint.representative_relationship) == (
        "Carys Jones",
        "Daughter",
    )
    assert complaint.representative_authority == Complaint.RepresentativeAuthority.POWER_OF_ATTORNEY


def test_a_representative_must_say_how_they_may_act(client):
    response = client.post(NEW_URL, complaint_form_data(representative_name="Carys Jones"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Tell us how you are related to the customer." in page
    assert "Tell us what allows you to act for the customer." in page
    assert not Complaint.objects.exists()


def test_a_representatives_email_address_needs_their_name(client):
    response = client.post(NEW_URL, complaint_form_data(representative_email="carys@example.org"))
    assert response.status_code == 400
    assert "Give your name, as you are complaining for someone else." in response.content.decode()


def test_every_page_gives_text_relay_and_the_code_says_how_to_ask_for_another_format(client, settings):
    phone = settings.COMPANY["phone"]
    relay = f"18001 {phone}"
    assert relay in client.get("/").content.decode()  # the footer, on every customer page
    assert relay in client.get(NEW_URL).content.decode()  # and the contact box beside the form
    code = client.get("/complaints-code/").content.decode()
    for words in ("large print", "Braille", "easy read", "Relay UK"):
        assert words in code


def test_a_customer_says_what_would_help_and_it_is_kept(client):
    response = client.post(NEW_URL, complaint_form_data(adjustments=["large_print", "no_phone_calls"]))
    assert response.status_code == 302
    assert Complaint.objects.get().adjustments == ["large_print", "no_phone_calls"]


def test_what_would_help_takes_only_the_listed_choices(client):
    response = client.post(NEW_URL, complaint_form_data(adjustments=["telepathy"]))
    assert response.status_code == 400
    assert not Complaint.objects.exists()


def test_a_reply_by_phone_and_no_phone_calls_cannot_both_be_asked(client):
    response = client.post(
        NEW_URL,
        complaint_form_data(reply_preference="phone", phone="07700 900123", adjustments=["no_phone_calls"]),
    )
    assert response.status_code == 400
    assert "You asked us not to phone you" in response.content.decode()
