"""`receive_email`: each message becomes exactly one of a timeline entry, a new complaint, a message
for staff (quarantine) or a dropped automatic message; once, whatever arrives twice."""

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from complaints import services
from complaints.inbound.receiving import (
    MessageTooLarge,
    forget_old_emails_on_no_complaint,
    receive_email,
)
from complaints.models import Attachment, Complaint, InboundEmail, TimelineEntry
from complaints.reply_addresses import reference_in_address, reply_address
from notifications.models import OutboundMessage
from tests.complaints.factories import complaint_form_data
from tests.complaints.inbound import corpus
from tests.escalation.factories import conclude

pytestmark = pytest.mark.django_db
Outcome = InboundEmail.Outcome


@pytest.fixture
def complaint():
    return services.file_complaint(**{**complaint_form_data(email="jane@example.com"), "support_needs": ""})


def acknowledgement_of(complaint) -> OutboundMessage:
    return OutboundMessage.objects.get(
        reference=complaint.reference, template_key="complaint_acknowledgement"
    )


def customer_messages(complaint):
    return list(complaint.timeline.filter(kind=TimelineEntry.Kind.CUSTOMER_MESSAGE))


# --- Matching, in order -------------------------------------------------------------------------


def test_every_message_we_send_carries_the_complaints_signed_reply_address(complaint):
    acknowledgement = acknowledgement_of(complaint)
    assert acknowledgement.reply_to == reply_address(complaint.reference)
    assert acknowledgement.reply_to.startswith(f"complaints+{complaint.reference}.")
    assert reference_in_address(acknowledgement.reply_to) == complaint.reference


@pytest.mark.parametrize(
    "forged",
    [
        "complaints+{ref}.0000000000000000@netservers.co.uk",  # a guessed tag
        "complaints+{ref}@netservers.co.uk",  # no tag
        "someone+{ref}.{tag}@netservers.co.uk",  # another mailbox
    ],
)
def test_a_reply_address_cannot_be_made_up(complaint, forged):
    tag = reply_address(complaint.reference).split(".", 1)[1].split("@")[0]
    assert reference_in_address(forged.format(ref=complaint.reference, tag=tag)) is None


def test_a_reply_to_the_signed_address_lands_on_the_complaint_from_any_sender(complaint):
    received = receive_email(
        corpus.outlook_reply(sender="someone.else@example.org", to=reply_address(complaint.reference)),
        received_via=InboundEmail.Via.SMTP,
    )
    assert received.outcome == Outcome.ADDED
    assert received.complaint == complaint
    [entry] = customer_messages(complaint)
    assert entry.body == "It is still broken."  # the quoted history and the sign-off are gone
    assert received.timeline_entry == entry


def test_a_reply_quoting_our_message_id_lands_on_the_complaint(complaint):
    acknowledgement = acknowledgement_of(complaint)
    received = receive_email(
        corpus.gmail_reply(sender="jane@example.com", in_reply_to=acknowledgement.message_id),
        received_via=InboundEmail.Via.IMAP,
    )
    assert (received.outcome, received.complaint) == (Outcome.ADDED, complaint)
    assert "a reply to a message about the complaint" in received.reason
    [entry] = customer_messages(complaint)
    assert entry.body == "Thanks, but the line still drops every evening.\n\nJane"
    assert corpus.OUR_QUOTE not in entry.body


def test_a_reply_to_the_customers_own_earlier_email_lands_on_the_same_complaint(complaint):
    first = receive_email(
        corpus.gmail_reply(to=reply_address(complaint.reference)), received_via=InboundEmail.Via.SMTP
    )
    second = receive_email(
        corpus.apple_mail_reply(sender="jane@example.com", in_reply_to=first.message_id),
        received_via=InboundEmail.Via.SMTP,
    )
    assert second.complaint == complaint
    assert len(customer_messages(complaint)) == 2


def test_a_made_up_message_id_with_a_guessed_row_number_matches_nothing(complaint):
    acknowledgement = acknowledgement_of(complaint)
    forged = acknowledgement.message_id.replace(acknowledgement.message_id.split(".")[2][:16], "0" * 16)
    received = receive_email(
        corpus.gmail_reply(sender="stranger@example.org", in_reply_to=forged, subject="Re: hello"),
        received_via=InboundEmail.Via.SMTP,
    )
    assert received.complaint != complaint
    assert received.outcome == Outcome.OPENED  # a new complaint of the stranger's own


def test_a_reference_in_the_subject_is_accepted_from_the_complaints_own_address(complaint):
    received = receive_email(
        corpus.new_complaint(sender="JANE@example.com", subject=f"About {complaint.reference.lower()}"),
        received_via=InboundEmail.Via.SMTP,
    )
    assert (received.outcome, received.complaint) == (Outcome.ADDED, complaint)


def test_a_reference_from_another_address_waits_for_staff_because_a_reference_is_not_a_secret(complaint):
    received = receive_email(
        corpus.new_complaint(sender="stranger@example.org", subject=f"Complaint {complaint.reference}"),
        received_via=InboundEmail.Via.SMTP,
    )
    assert received.outcome == Outcome.QUARANTINED
    assert "is not that complaint's e-mail address" in received.reason
    assert received.complaint is None
    assert customer_messages(complaint) == []


def test_a_message_about_nothing_we_know_opens_a_new_complaint_acknowledged_as_usual():
    before = timezone.now()
    received = receive_email(
        corpus.new_complaint(sender="priya@example.com", name="Priya Patel"),
        received_via=InboundEmail.Via.SMTP,
    )
    assert received.outcome == Outcome.OPENED
    complaint = received.complaint
    assert complaint.channel == Complaint.Channel.EMAIL
    assert complaint.customer_name == "Priya Patel"
    assert complaint.email == "priya@example.com"
    assert complaint.reply_preference == Complaint.ReplyPreference.EMAIL
    assert complaint.postal_address == ""  # staff complete it
    assert complaint.postcode == ""
    assert complaint.description.startswith("Broadband down for a week\n\nMy broadband has not worked")
    assert before <= complaint.first_received_at == received.received_at <= timezone.now()
    assert complaint.escalation.stage == 1
    assert acknowledgement_of(complaint).recipient_email == "priya@example.com"


def test_a_new_complaints_first_received_time_is_when_it_reached_us_not_a_later_date_header():
    tomorrow = (timezone.now() + timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S +0000")
    received = receive_email(corpus.new_complaint(date=tomorrow), received_via=InboundEmail.Via.PIPE)
    assert received.complaint.first_received_at == received.received_at
    assert received.complaint.first_received_at <= timezone.now()


# --- What a reply becomes -------------------------------------------------------------------------


def test_html_only_mail_becomes_text_without_any_markup():
    received = receive_email(corpus.html_only(), received_via=InboundEmail.Via.SMTP)
    description = received.complaint.description
    assert "I was charged twice for November." in description
    assert "Please refund £30 & explain." in description
    for markup in ("<", "alert", "color"):
        assert markup not in description


def test_accepted_files_are_attached_and_others_listed_as_not_accepted(complaint):
    pngs = [(f"photo{n}.png", corpus.PNG_BYTES, "image", "png") for n in range(6)]
    files = [*pngs, ("notes.docx", b"PK\x03\x04 word", "application", "octet-stream")]
    receive_email(
        corpus.with_attachments(to=reply_address(complaint.reference), files=files),
        received_via=InboundEmail.Via.SMTP,
    )
    [entry] = customer_messages(complaint)
    assert [a.original_name for a in entry.attachments.all()] == [f"photo{n}.png" for n in range(5)]
    assert (
        "Files not accepted: photo5.png (more than 5 files); notes.docx (not a PDF, PNG or JPEG file)."
        in entry.body
    )
    told = OutboundMessage.objects.get(reference=complaint.reference, template_key="email_reply_received")
    assert "notes.docx (not a PDF, PNG or JPEG file)" in told.body_text
    assert told.recipient_email == complaint.email


def test_winmail_dat_is_not_accepted_and_the_inline_image_is(complaint):
    receive_email(corpus.outlook_with_winmail_dat(to=reply_address(complaint.reference)), received_via="smtp")
    receive_email(corpus.inline_image(to=reply_address(complaint.reference)), received_via="smtp")
    winmail, inline = customer_messages(complaint)
    assert "winmail.dat (not a PDF, PNG or JPEG file)" in winmail.body
    assert [a.content_type for a in inline.attachments.all()] == ["image/png"]


def test_welsh_and_emoji_arrive_intact(complaint):
    receive_email(corpus.apple_mail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    [entry] = customer_messages(complaint)
    assert entry.body == "Mae'r cysylltiad yn torri bob nos 😠 — still no fix."


def test_a_reply_flags_the_complaint_for_staff_and_tells_the_team_and_a_reply_clears_it(
    complaint, django_user_model
):
    conclude(complaint)
    services.change_complaint_status(complaint=complaint, new_status=Complaint.Status.RESOLVED, by=None)
    receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    complaint.refresh_from_db()
    assert complaint.status == Complaint.Status.RESOLVED  # nothing reopened by itself
    assert complaint.customer_replied_at is not None
    assert OutboundMessage.objects.filter(
        reference=complaint.reference, template_key="customer_message_received"
    ).exists()
    agent = django_user_model.objects.create(username="agent", is_staff=True)
    services.reply_to_customer(complaint=complaint, by=agent, body="We will look again.")
    complaint.refresh_from_db()
    assert complaint.customer_replied_at is None


def test_replies_on_one_day_are_acknowledged_once(complaint):
    for _ in range(3):
        receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    assert len(customer_messages(complaint)) == 3
    assert OutboundMessage.objects.filter(template_key="email_reply_received").count() == 1


# --- Never twice, never a loop, never lost --------------------------------------------------------


def test_the_same_message_delivered_twice_is_stored_and_added_once(complaint):
    raw = corpus.gmail_reply(to=reply_address(complaint.reference))
    first = receive_email(raw, received_via=InboundEmail.Via.SMTP)
    again = receive_email(raw, received_via=InboundEmail.Via.IMAP)
    assert again.pk == first.pk
    assert InboundEmail.objects.count() == 1
    assert len(customer_messages(complaint)) == 1


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(corpus.auto_reply(), id="auto-submitted"),
        pytest.param(corpus.auto_reply(header="Precedence: bulk"), id="precedence-bulk"),
        pytest.param(corpus.auto_reply(header="X-Autoreply: yes"), id="x-autoreply"),
        pytest.param(corpus.auto_reply(header="List-Id: <news.example.com>"), id="mailing-list"),
        pytest.param(corpus.bounce(), id="bounce"),
    ],
)
def test_automatic_mail_never_opens_a_complaint_or_gets_an_answer(raw):
    received = receive_email(raw, received_via=InboundEmail.Via.SMTP)
    assert received.outcome == Outcome.DROPPED
    assert received.reason.startswith("An automatic message")
    assert Complaint.objects.count() == 0
    assert OutboundMessage.objects.count() == 0


def test_an_auto_reply_to_the_signed_address_is_dropped_too(complaint):
    raw = corpus.auto_reply(to=reply_address(complaint.reference))
    assert receive_email(raw, received_via="smtp").outcome == Outcome.DROPPED
    assert customer_messages(complaint) == []


def test_our_own_message_coming_back_is_a_loop_and_dropped(complaint):
    acknowledgement = acknowledgement_of(complaint)
    raw = corpus.new_complaint(sender="complaints@netservers.co.uk", name="Netservers Complaints")
    assert (
        receive_email(raw, received_via="smtp").reason
        == "Sent from our own complaints address (a mail loop)."
    )
    looped = corpus.gmail_reply().replace(b"Message-ID: <", b"X-Old: <", 1)
    looped = looped.replace(b"From:", f"Message-ID: {acknowledgement.message_id}\r\nFrom:".encode(), 1)
    assert (
        receive_email(looped, received_via="smtp").reason
        == "One of our own messages came back (a mail loop)."
    )
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize(
    "raw", [corpus.malformed(), corpus.unknown_charset()], ids=["malformed", "unknown-charset"]
)
def test_broken_mail_never_crashes_the_receiver_and_keeps_the_raw_message(raw):
    received = receive_email(raw, received_via=InboundEmail.Via.PIPE)
    assert received.outcome in (Outcome.QUARANTINED, Outcome.OPENED)
    assert bytes(InboundEmail.objects.get(pk=received.pk).raw) == raw


def test_mail_without_a_sender_waits_for_staff():
    received = receive_email(corpus.malformed(), received_via=InboundEmail.Via.PIPE)
    assert received.outcome == Outcome.QUARANTINED
    assert received.reason == "It has no sender address we could read."


def test_an_oversized_message_is_refused_before_anything_is_stored(settings):
    settings.INBOUND_MAX_BYTES = 1000
    with pytest.raises(MessageTooLarge):
        receive_email(corpus.new_complaint(text="x" * 2000), received_via="smtp")
    assert InboundEmail.objects.count() == 0


def test_new_complaints_by_email_from_one_sender_are_limited_and_the_rest_wait_for_staff(settings):
    settings.INBOUND_NEW_COMPLAINTS_PER_HOUR = 3
    outcomes = [
        receive_email(
            corpus.new_complaint(
                sender="flood@example.com" if n % 2 else "Flood@Example.COM", subject=f"Complaint {n}"
            ),
            received_via="smtp",
        ).outcome
        for n in range(5)
    ]
    assert outcomes == [Outcome.OPENED] * 3 + [Outcome.QUARANTINED] * 2
    assert Complaint.objects.count() == 3


def test_when_the_database_fails_while_reading_nothing_is_kept_and_the_retry_is_read(complaint, monkeypatch):
    raw = corpus.gmail_reply(to=reply_address(complaint.reference))

    def database_gone(**kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(services, "add_customer_message", database_gone)
    with pytest.raises(OperationalError):  # the adapter answers "try later": the sender keeps it
        receive_email(raw, received_via="smtp")
    assert InboundEmail.objects.count() == 0
    monkeypatch.undo()
    again = receive_email(raw, received_via="smtp")  # the sender's retry
    assert again.outcome == Outcome.ADDED
    assert len(customer_messages(complaint)) == 1


def test_a_message_that_trips_a_bug_is_kept_for_staff_with_nothing_half_written(complaint, monkeypatch):
    raw = corpus.gmail_reply(to=reply_address(complaint.reference))

    def bug(**kwargs):
        TimelineEntry.objects.create(
            complaint=complaint, kind=TimelineEntry.Kind.CUSTOMER_MESSAGE, body="half"
        )
        raise ValueError("a bug")

    monkeypatch.setattr(services, "add_customer_message", bug)
    received = receive_email(raw, received_via="smtp", recipients=(reply_address(complaint.reference),))
    assert received.outcome == Outcome.QUARANTINED
    assert received.reason == "It could not be read (ValueError); the original is kept."
    assert bytes(InboundEmail.objects.get().raw) == raw
    assert InboundEmail.objects.get().envelope_recipients == [reply_address(complaint.reference)]
    assert customer_messages(complaint) == []  # what the failed reading wrote is gone


def test_a_long_new_complaint_is_cut_with_a_note_and_the_original_kept():
    raw = corpus.new_complaint(text="word " * 5000)
    received = receive_email(raw, received_via="smtp")
    assert len(received.complaint.description) <= 10_000
    assert received.complaint.description.endswith(
        "[…the rest is in the original e-mail, kept with the complaint.]"
    )
    assert bytes(received.raw) == raw


def test_a_reply_to_an_anonymised_complaint_waits_for_staff(complaint):
    Complaint.objects.filter(pk=complaint.pk).update(anonymised_at=timezone.now())
    received = receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    assert received.outcome == Outcome.QUARANTINED
    assert Attachment.objects.count() == 0


def test_anonymising_a_complaint_removes_the_emails_as_received_but_still_refuses_a_second_delivery(
    complaint,
):
    raw = corpus.gmail_reply(to=reply_address(complaint.reference))
    received = receive_email(raw, received_via="smtp")
    services.anonymise_complaint(complaint=complaint, reason="retention (test)")
    received.refresh_from_db()
    assert bytes(received.raw) == b""
    assert (received.sender, received.subject, received.message_id) == ("", "", "")
    assert receive_email(raw, received_via="smtp").pk == received.pk


def test_old_dropped_mail_on_no_complaint_is_emptied_and_mail_waiting_for_staff_kept():
    dropped = receive_email(corpus.bounce(), received_via="smtp")
    waiting = receive_email(corpus.malformed(), received_via="smtp")
    opened = receive_email(corpus.new_complaint(), received_via="smtp")
    assert forget_old_emails_on_no_complaint(received_before=timezone.now() - timedelta(days=1)) == 0
    assert forget_old_emails_on_no_complaint(received_before=timezone.now() + timedelta(seconds=1)) == 1
    for email in (dropped, waiting, opened):
        email.refresh_from_db()
    assert (bytes(dropped.raw), dropped.sender) == (b"", "")
    assert bytes(waiting.raw)
    assert bytes(opened.raw)


def test_our_message_id_cannot_be_made_from_a_guessable_idempotency_key(complaint):
    import hashlib

    acknowledgement = acknowledgement_of(complaint)
    guessed_digest = hashlib.sha256(acknowledgement.idempotency_key.encode()).hexdigest()[:16]
    domain = acknowledgement.message_id.rsplit("@", 1)[1]
    forged = f"<outbox.{acknowledgement.pk}.{guessed_digest}@{domain}"
    received = receive_email(
        corpus.gmail_reply(sender="mallory@evil.example", in_reply_to=forged, subject="Re: hi"),
        received_via="smtp",
    )
    assert received.complaint != complaint
    assert customer_messages(complaint) == []


def test_the_customers_own_message_id_counts_only_from_the_customer(complaint):
    first = receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    stranger = receive_email(
        corpus.gmail_reply(sender="mallory@evil.example", in_reply_to=first.message_id, subject="Re: hi"),
        received_via="smtp",
    )
    assert stranger.outcome == Outcome.QUARANTINED
    assert len(customer_messages(complaint)) == 1


def test_a_reply_to_header_naming_the_customer_does_not_make_a_stranger_the_customer(complaint):
    raw = corpus.new_complaint(sender="mallory@evil.example", subject=f"About {complaint.reference}")
    raw = raw.replace(
        b"To: complaints@localhost", b"Reply-To: jane@example.com\r\nTo: complaints@localhost", 1
    )
    received = receive_email(raw, received_via="smtp")
    assert received.outcome == Outcome.QUARANTINED
    assert customer_messages(complaint) == []


# --- Senders that are not what they seem ----------------------------------------------------------


@pytest.mark.parametrize(
    "from_header",
    [
        "jane@example.com <mallory@evil.example>",  # the customer's address as a display name
        "<jane@example.com>@evil.example",
        "jane@example.com, mallory@evil.example",  # two senders: whose is it?
        "Jane <jane@example.com>, <mallory@evil.example>",
        "jane@example.com)<mallory@evil.example>",  # read as Jane's by a lax parser
    ],
)
def test_a_from_header_read_two_ways_never_counts_as_the_customers_address(complaint, from_header):
    raw = corpus.new_complaint(sender="placeholder@example.org", subject=f"About {complaint.reference}")
    raw = raw.replace(b"From: Priya Patel <placeholder@example.org>", f"From: {from_header}".encode(), 1)
    received = receive_email(raw, received_via="smtp")
    assert received.outcome == Outcome.QUARANTINED
    assert customer_messages(complaint) == []
    assert Complaint.objects.count() == 1


def test_two_from_headers_name_no_sender(complaint):
    raw = corpus.new_complaint(sender="mallory@evil.example", subject=f"About {complaint.reference}")
    received = receive_email(b"From: jane@example.com\r\n" + raw, received_via="smtp")
    assert received.outcome == Outcome.QUARANTINED
    assert customer_messages(complaint) == []


def test_an_address_shown_as_the_name_is_not_taken_as_the_customers_name():
    raw = corpus.new_complaint(sender="mallory@evil.example", name='"jane@example.com"')
    received = receive_email(raw, received_via="smtp")
    assert received.sender == "mallory@evil.example"
    assert received.complaint.customer_name == "mallory"


def test_mail_from_our_own_complaints_address_is_a_loop_even_with_another_reply_to(settings):
    settings.INBOUND_EMAIL_ADDRESS = "complaints@netservers.co.uk"
    raw = corpus.new_complaint(sender="Complaints@Netservers.co.uk", name="Netservers Complaints")
    raw = raw.replace(
        b"To: complaints@localhost", b"Reply-To: someone@example.org\r\nTo: complaints@localhost"
    )
    received = receive_email(raw, received_via="smtp")
    assert received.outcome == Outcome.DROPPED
    assert Complaint.objects.count() == 0


@pytest.mark.parametrize("damage", ["wrong-tag", "cut-tag", "no-tag"])
def test_a_reply_address_of_ours_that_does_not_verify_waits_for_staff_instead_of_opening_a_complaint(
    complaint, damage
):
    address = reply_address(complaint.reference)
    local, domain = address.split("@")
    damaged = {
        "wrong-tag": f"{local[:-4]}0000@{domain}",
        "cut-tag": f"{local[:-6]}@{domain}",
        "no-tag": f"complaints+{complaint.reference}@{domain}",
    }[damage]
    received = receive_email(corpus.gmail_reply(sender="jane@example.com", to=damaged), received_via="smtp")
    assert received.outcome == Outcome.QUARANTINED
    assert "reply address" in received.reason
    assert Complaint.objects.count() == 1


@pytest.mark.parametrize("raw", [corpus.unknown_charset()], ids=["unknown-charset"])
def test_a_message_we_could_not_read_cleanly_waits_for_staff_with_what_went_wrong(raw):
    received = receive_email(raw, received_via=InboundEmail.Via.PIPE)
    assert received.outcome == Outcome.QUARANTINED
    assert "character set" in received.reason
    assert Complaint.objects.count() == 0


def test_the_same_message_is_stored_once_however_the_sender_is_written(complaint):
    raw = corpus.gmail_reply(to=reply_address(complaint.reference))
    plain = raw.replace(b"From: Jane Doe <jane@example.com>", b"From: JANE@example.com", 1)
    receive_email(raw, received_via=InboundEmail.Via.SMTP)
    again = receive_email(plain, received_via=InboundEmail.Via.IMAP)
    assert InboundEmail.objects.count() == 1
    assert again.outcome == Outcome.ADDED
    assert len(customer_messages(complaint)) == 1


# --- What a reply becomes -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Complaint.Status.RESOLVED, Complaint.Status.CLOSED])
def test_a_reply_to_a_finished_complaint_is_added_and_flagged_and_reopens_nothing(complaint, status):
    conclude(complaint)
    services.change_complaint_status(
        complaint=complaint, new_status=status, by=None, note="Our final position."
    )
    received = receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    complaint.refresh_from_db()
    assert (received.outcome, complaint.status) == (Outcome.ADDED, status)
    assert complaint.customer_replied_at is not None
    assert len(customer_messages(complaint)) == 1


def test_the_representatives_address_may_quote_the_reference():
    complaint = services.file_complaint(
        **{
            **complaint_form_data(email="jane@example.com"),
            "support_needs": "",
            "representative_name": "Carys Jones",
            "representative_relationship": "daughter",
            "representative_authority": Complaint.RepresentativeAuthority.CUSTOMER_CONSENT,
            "representative_email": "carys@example.org",
        }
    )
    received = receive_email(
        corpus.new_complaint(sender="Carys@example.org", subject=f"Re {complaint.reference}"),
        received_via="smtp",
    )
    assert (received.outcome, received.complaint) == (Outcome.ADDED, complaint)


def test_not_satisfied_by_email_after_a_proposed_resolution_is_for_staff_to_decide_not_a_referral(
    complaint, django_user_model
):
    from escalation import services as escalation_services
    from escalation.models import Escalation

    agent = django_user_model.objects.create(username="agent", is_staff=True)
    escalation_services.propose_resolution(complaint=complaint, by=agent, resolution="A refund of £40.")
    received = receive_email(
        corpus.gmail_reply(
            to=reply_address(complaint.reference),
            text="I am not satisfied with this. Please refer it to your complaints manager.",
        ),
        received_via="smtp",
    )
    complaint.refresh_from_db()
    assert received.outcome == Outcome.ADDED
    assert Escalation.objects.get(pk=complaint.pk).stage == 1  # no referral by itself
    assert complaint.status == Complaint.Status.RESOLUTION_PROPOSED
    assert complaint.customer_replied_at is not None  # "Customer replied" in the admin list
    assert OutboundMessage.objects.filter(
        reference=complaint.reference, template_key="customer_message_received"
    ).exists()  # the assignee or the team is told, as for a portal message


# --- From the third review ----------------------------------------------------------------------


def test_a_colleague_answering_a_notice_we_sent_staff_never_lands_on_the_customers_page(complaint):
    services.add_customer_message(complaint=complaint, body="Any news?")
    notice = OutboundMessage.objects.get(
        reference=complaint.reference, template_key="customer_message_received"
    )
    raw = corpus.gmail_reply(
        sender="alice@netservers.co.uk",
        in_reply_to=notice.message_id,
        text="Internal: ignore until Monday.",
    )
    received = receive_email(raw, received_via="smtp")
    assert received.outcome == Outcome.QUARANTINED
    assert "sent to staff" in received.reason
    assert [entry.body for entry in customer_messages(complaint)] == ["Any news?"]
    assert Complaint.objects.count() == 1


def test_refused_files_cannot_start_a_loop_at_most_two_acknowledgements_a_day(complaint):
    receive_email(corpus.gmail_reply(to=reply_address(complaint.reference)), received_via="smtp")
    for _ in range(3):
        receive_email(
            corpus.with_attachments(
                sender="jane@example.com",
                to=reply_address(complaint.reference),
                files=[("logo.gif", b"GIF89a" + b"\x00" * 20, "image", "gif")],
            ),
            received_via="smtp",
        )
    assert len(customer_messages(complaint)) == 4
    assert OutboundMessage.objects.filter(template_key="email_reply_received").count() == 2


def test_a_customer_whose_own_address_is_complaints_at_their_company_is_heard(settings):
    settings.INBOUND_EMAIL_ADDRESS = "complaints@netservers.co.uk"
    received = receive_email(
        corpus.new_complaint(sender="complaints@acme-business.co.uk", name="Acme Ltd Complaints"),
        received_via="smtp",
    )
    assert received.outcome == Outcome.OPENED


def test_a_long_reply_is_cut_with_a_note_and_a_flood_of_refused_files_is_summed_up(complaint):
    long_reply = receive_email(
        corpus.gmail_reply(to=reply_address(complaint.reference), text="word " * 5_000),
        received_via="smtp",
    )
    flood = receive_email(
        corpus.with_attachments(
            sender="jane@example.com",
            to=reply_address(complaint.reference),
            files=[(f"logo{n}.gif", b"GIF89a" + b"\x00" * 20, "image", "gif") for n in range(30)],
        ),
        received_via="smtp",
    )
    first, second = customer_messages(complaint)
    assert (long_reply.outcome, flood.outcome) == (Outcome.ADDED, Outcome.ADDED)
    assert len(first.body) <= 10_000
    assert first.body.endswith("[…the rest is in the original e-mail, kept with the complaint.]")
    assert "logo9.gif" in second.body
    assert "logo10.gif" not in second.body
    assert "and 20 more" in second.body
    told = OutboundMessage.objects.get(
        template_key="email_reply_received", idempotency_key__endswith="files-refused"
    )
    assert "logo9.gif" in told.body_text
    assert "and 20 more" in told.body_text


@pytest.mark.parametrize(
    ("results", "outcome"),
    [
        ("mx.netservers.co.uk; dmarc=pass header.from=example.com", Outcome.ADDED),
        ("mx.netservers.co.uk; dmarc=fail header.from=example.com", Outcome.QUARANTINED),
        ("attacker.example; dmarc=pass header.from=example.com", Outcome.QUARANTINED),  # not our server's
        ("", Outcome.QUARANTINED),
    ],
)
def test_with_our_mail_servers_name_set_the_customers_address_counts_only_when_it_passed_dmarc(
    complaint, settings, results, outcome
):
    settings.INBOUND_AUTHSERV_ID = "mx.netservers.co.uk"
    raw = corpus.new_complaint(sender="jane@example.com", subject=f"About {complaint.reference}")
    if results:
        raw = f"Authentication-Results: {results}\r\n".encode() + raw
    received = receive_email(raw, received_via="smtp")
    assert received.outcome == outcome
    if outcome == Outcome.QUARANTINED:
        assert "DMARC" in received.reason


@pytest.mark.parametrize(
    ("results", "outcome"),
    [
        # Only the result of the method "dmarc" counts, never text in another method's properties.
        ("mx.netservers.co.uk; spf=pass smtp.mailfrom=dmarc=pass@attacker.example", Outcome.QUARANTINED),
        ("mx.netservers.co.uk; dkim=pass header.i=dmarc=pass@attacker.example", Outcome.QUARANTINED),
        ("mx.netservers.co.uk; x-dmarc=pass", Outcome.QUARANTINED),
        ("mx.netservers.co.uk; arc=pass (dmarc=pass)", Outcome.QUARANTINED),
        ("mx.netservers.co.uk; arc=pass (x; dmarc=pass" + " (" * 25 + ")" * 25 + ")", Outcome.QUARANTINED),
        ("mx.netservers.co.uk 1; dmarc=pass header.from=example.com", Outcome.ADDED),
        ("mx.netservers.co.uk (postfix); dmarc=pass (p=reject) header.from=example.com", Outcome.ADDED),
        ("MX.Netservers.co.uk;\r\n\tDMARC=Pass header.from=example.com", Outcome.ADDED),
    ],
)
def test_only_our_servers_dmarc_result_counts(complaint, settings, results, outcome):
    settings.INBOUND_AUTHSERV_ID = "mx.netservers.co.uk"
    raw = corpus.new_complaint(sender="jane@example.com", subject=f"About {complaint.reference}")
    received = receive_email(f"Authentication-Results: {results}\r\n".encode() + raw, received_via="smtp")
    assert received.outcome == outcome


def test_a_pass_written_below_our_servers_own_result_does_not_count(complaint, settings):
    # Our server adds its header at the top; one further down came with the message.
    settings.INBOUND_AUTHSERV_ID = "mx.netservers.co.uk"
    raw = corpus.new_complaint(sender="jane@example.com", subject=f"About {complaint.reference}")
    raw = (
        b"Authentication-Results: mx.netservers.co.uk; dmarc=fail header.from=example.com\r\n"
        b"Authentication-Results: mx.netservers.co.uk; dmarc=pass header.from=example.com\r\n" + raw
    )
    assert receive_email(raw, received_via="smtp").outcome == Outcome.QUARANTINED


def test_a_reply_of_exactly_the_limit_is_kept_whole(complaint):
    text = ("word " * 2_000).strip()[:9_990]
    receive_email(corpus.gmail_reply(to=reply_address(complaint.reference), text=text), received_via="smtp")
    [entry] = customer_messages(complaint)
    assert "[…the rest is in the original" not in entry.body
