"""Welsh (Cymraeg) for everything the customer sees: the switch, the pages, and the choice kept on
the complaint so that every later message is written in it, whoever sends it."""

import pytest
from django.contrib.auth.models import Permission
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from complaints import services
from complaints.models import Complaint, TimelineEntry
from complaints.tracking_links import make_tracking_token
from notifications.models import OutboundMessage
from tests.complaints.factories import StaffUserFactory, complaint_form_data

pytestmark = pytest.mark.django_db

SWITCH = reverse("set_language")
CUSTOMER_PAGES = ["/", "/complaints-code/", reverse("complaints:new"), reverse("complaints:track")]


def choose_welsh(client, on_page="/"):
    """Press the "Cymraeg" button, as a visitor without JavaScript would."""
    return client.post(SWITCH, {"language": "cy", "next": on_page})


def test_the_switch_keeps_the_visitor_on_the_same_page(client):
    response = choose_welsh(client, on_page=reverse("complaints:track"))
    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:track")
    page = client.get(reverse("complaints:track")).content.decode()
    assert '<html lang="cy">' in page
    assert "Dod o hyd i fy nghwyn" in page  # "Find my complaint"


@pytest.mark.parametrize("url", CUSTOMER_PAGES)
def test_every_customer_page_offers_the_other_language(client, url):
    english = client.get(url).content.decode()
    assert '<html lang="en-gb">' in english
    assert (
        'value="cy" lang="cy">Cymraeg<' in english
    )  # named in its own language (no hreflang: a button is no link)
    assert ">Cymraeg</button>" in english
    choose_welsh(client, on_page=url)
    welsh = client.get(url).content.decode()
    assert '<html lang="cy">' in welsh
    assert 'value="en-gb" lang="en-gb">English<' in welsh
    assert ">English</button>" in welsh
    assert "Ein cod cwynion" in welsh  # the footer's "Our complaints code", in Welsh


def test_a_customer_who_chose_welsh_files_and_is_acknowledged_in_welsh(client, mailoutbox):
    choose_welsh(client, on_page=reverse("complaints:new"))
    response = client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    assert "Mae eich cwyn wedi dod i law" in response.content.decode()
    complaint = Complaint.objects.get()
    assert complaint.language == "cy"
    acknowledgement = OutboundMessage.objects.get(
        reference=complaint.reference, template_key="complaint_acknowledgement"
    )
    assert acknowledgement.language == "cy"
    assert acknowledgement.subject == f"Mae eich cwyn wedi dod i law – cyfeirnod {complaint.reference}"
    for body in (acknowledgement.body_text, acknowledgement.body_html):
        assert "Annwyl Zoë O" in body
        assert "Diolch am roi gwybod i ni am eich cwyn (Nam ar y band eang neu ei gyflymder)" in body
        assert "Thank you for telling us" not in body
        assert "Dear " not in body


def test_a_customer_in_english_files_in_english(client):
    client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    complaint = Complaint.objects.get()
    assert complaint.language == "en-gb"
    acknowledgement = OutboundMessage.objects.get(template_key="complaint_acknowledgement")
    assert acknowledgement.subject.startswith("We've received your complaint")
    assert (
        "Thank you for telling us about your complaint (Broadband fault or speed)"
        in acknowledgement.body_text
    )


def test_a_welsh_form_with_errors_says_so_in_welsh(client):
    choose_welsh(client)
    page = client.post(reverse("complaints:new"), complaint_form_data(postcode="nowhere")).content.decode()
    assert "Mae problem" in page  # "There is a problem"
    assert "Rhowch god post yn y DU" in page


def test_a_staff_reply_in_english_reaches_a_welsh_customer_in_welsh(client):
    choose_welsh(client)
    client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    complaint = Complaint.objects.get()
    staff = StaffUserFactory()
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="complaints"))
    client.cookies.clear()  # an English browser: the agent's own
    client.force_login(staff)
    client.post(
        reverse("admin:complaints_complaint_entry", args=[complaint.pk]),
        {"kind": "reply", "body": "An engineer visits on Tuesday."},
    )
    reply = OutboundMessage.objects.get(template_key="staff_reply")
    assert reply.language == "cy"
    assert reply.subject == f"Eich cwyn {complaint.reference}: rydym wedi ateb"
    assert "Annwyl Zoë O" in reply.body_text
    assert "An engineer visits on Tuesday." in reply.body_text  # the reply itself, as written


@pytest.mark.parametrize("url", ["/admin/", "/admin/complaints/complaint/", "/staff/"])
def test_staff_pages_stay_english_with_a_welsh_cookie(client, url):
    staff = StaffUserFactory(is_superuser=True)
    client.force_login(staff)
    choose_welsh(client)
    response = client.get(url, follow=True)
    page = response.content.decode()
    assert '<html lang="cy"' not in page
    assert 'lang="en-gb"' in page or 'lang="en"' in page
    assert "Gweinyddu" not in page  # Django admin's own Welsh
    assert "Cymraeg</button>" not in page


def test_a_customer_who_changes_language_on_their_complaint_changes_their_letters(client):
    client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    complaint = Complaint.objects.get()
    assert complaint.language == "en-gb"
    detail = reverse("complaints:detail", args=[complaint.reference])
    response = choose_welsh(client, on_page=detail)
    assert response["Location"] == detail
    complaint.refresh_from_db()
    assert complaint.language == "cy"


def test_a_welsh_visitor_without_access_to_a_complaint_changes_nothing(client):
    client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    complaint = Complaint.objects.get()
    client.session.flush()
    stranger = client.__class__()
    choose_welsh(stranger, on_page=reverse("complaints:detail", args=[complaint.reference]))
    complaint.refresh_from_db()
    assert complaint.language == "en-gb"


def test_staff_logging_a_welsh_speakers_phone_complaint_choose_welsh_for_the_letters(client):
    staff = StaffUserFactory()
    staff.user_permissions.set(Permission.objects.filter(content_type__app_label="complaints"))
    client.force_login(staff)
    data = complaint_form_data(channel="phone", first_received_at=_now_typed(), language="cy")
    response = client.post(reverse("admin:complaints_complaint_add"), data)
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.language == "cy"
    acknowledgement = OutboundMessage.objects.get(template_key="complaint_acknowledgement")
    assert acknowledgement.subject.startswith("Mae eich cwyn wedi dod i law")
    assert (
        '<html lang="cy"' not in client.get(reverse("admin:complaints_complaint_changelist")).content.decode()
    )


def _now_typed() -> str:
    return f"{timezone.localtime():%Y-%m-%dT%H:%M}"


def test_the_team_hears_of_a_welsh_customers_message_in_english(client):
    choose_welsh(client)
    client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    complaint = Complaint.objects.get()
    client.post(reverse("complaints:detail", args=[complaint.reference]), {"body": "Dal yn torri."})
    alert = OutboundMessage.objects.get(template_key="customer_message_received")
    assert alert.language == "en-gb"
    assert "(Broadband fault or speed)" in alert.body_text
    assert "The customer has added a message" in alert.body_text


def test_the_record_stays_in_english_when_a_welsh_page_causes_a_change():
    with translation.override("cy"), TestCase.captureOnCommitCallbacks(execute=True):
        complaint = services.file_complaint(**complaint_form_data(postcode="CB5 8LA"), language="cy")
        services.change_complaint_status(
            complaint=complaint, new_status=Complaint.Status.IN_PROGRESS, by=None
        )
    entry = complaint.timeline.get(kind=TimelineEntry.Kind.STATUS_CHANGED)
    assert entry.body == "Status changed to “Being looked into”."


def test_a_welsh_customers_complaint_page_is_welsh_throughout(client):
    choose_welsh(client)
    client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    complaint = Complaint.objects.get()
    page = client.get(reverse("complaints:detail", args=[complaint.reference])).content.decode()
    assert "Byddwn yn cydnabod eich cwyn erbyn Dydd " in page  # the next step, from the clocks
    assert "Ble mae eich cwyn" in page
    assert "Nam ar y band eang neu ei gyflymder" in page
    assert "PDF, PNG neu JPEG" in page
    for english in ("We will acknowledge", "Where your complaint is", "Send message", "PNG or JPEG"):
        assert english not in page
    form = client.get(reverse("complaints:new")).content.decode()
    assert "Cod post<span" in form


def test_the_character_count_under_a_long_text_is_in_welsh_too(client):
    """static/js/portal.js writes the count with the words the page gives it."""
    choose_welsh(client, on_page=reverse("complaints:new"))
    page = client.get(reverse("complaints:new")).content.decode()
    assert 'data-count-left-many="Mae gennych {count} nod ar ôl"' in page
    assert 'data-count-over-many="Mae gennych {count} nod yn ormod"' in page


@pytest.mark.parametrize(
    "page",
    [
        lambda complaint: reverse("complaints:filed"),
        lambda complaint: reverse("escalation:refer", args=[complaint.reference]),
        lambda complaint: reverse("escalation:md_review", args=[complaint.reference]),
    ],
    ids=["after filing", "the referral", "the MD review"],
)
def test_switching_on_the_complaints_other_pages_changes_its_letters_too(client, page):
    client.post(reverse("complaints:new"), complaint_form_data(), follow=True)
    complaint = Complaint.objects.get()
    choose_welsh(client, on_page=page(complaint))
    complaint.refresh_from_db()
    assert complaint.language == "cy"


def test_a_welsh_customers_private_link_opens_in_welsh_unless_the_browser_chose_otherwise(client):
    complaint = services.file_complaint(**complaint_form_data(postcode="CB5 8LA"), language="cy")
    link = reverse(
        "complaints:tracking_link",
        args=[make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)],
    )
    page = client.get(link, follow=True).content.decode()
    assert '<html lang="cy">' in page
    assert "Cymraeg" in page  # "We write to you in Cymraeg"
    other = client.__class__()
    other.post(SWITCH, {"language": "en-gb", "next": "/"})
    assert '<html lang="en-gb">' in other.get(link, follow=True).content.decode()


@pytest.mark.parametrize(
    ("preference", "welsh", "english"),
    [
        (Complaint.ReplyPreference.LETTER, "Byddwn yn ateb drwy lythyr", "We will reply by letter"),
        (Complaint.ReplyPreference.PHONE, "Byddwn yn ateb dros y ffôn", "We will reply by phone"),
    ],
)
def test_how_we_reply_is_said_whole_in_each_language(preference, welsh, english):
    """Not "drwy llythyr": Welsh mutates the noun after its preposition, so the phrase is translated whole."""
    for language, expected in (("cy", welsh), ("en-gb", english)):
        complaint = services.file_complaint(
            **complaint_form_data(postcode="CB5 8LA", reply_preference=preference), language=language
        )
        message = OutboundMessage.objects.filter(reference=complaint.reference).first()
        assert expected in message.body_text


def test_staff_replying_to_a_welsh_customer_are_told_to_write_in_welsh(client):
    complaint = services.file_complaint(**complaint_form_data(postcode="CB5 8LA"), language="cy")
    client.force_login(StaffUserFactory(is_superuser=True))
    page = client.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])).content.decode()
    assert "Writes in Cymraeg" in page
    listed = client.get(reverse("admin:complaints_complaint_changelist"), {"language__exact": "cy"})
    assert complaint.reference in listed.content.decode()
