"""What complaints tells notifications: who gets a message, by which channel, with what context."""

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _

from complaints.models import Complaint
from complaints.reply_addresses import reply_address
from complaints.tracking_links import tracking_url
from notifications.letters import FORMAT_NOTE
from notifications.models import OutboundMessage
from notifications.rendering import PLAIN_TEXT_ONLY
from notifications.services import queue_notification

NoticeContext = Callable[[Complaint], dict]
_notice_context: list[NoticeContext] = []


def add_notice_context(provider: NoticeContext) -> None:
    """Let another app add values every customer notice may use: (complaint) -> dict of plain values.

    Escalation adds the procedure's rules (the periods and promises the texts quote), set once at
    start-up in its AppConfig.ready, so that this app needs no import of it.
    """
    if provider not in _notice_context:
        _notice_context.append(provider)


def notify_customer(
    *, complaint: Complaint, template_key: str, event_id: str, extra: dict | None = None
) -> list[OutboundMessage]:
    """Queue a notice to the customer by the channel they chose (see `customer_messages`)."""
    return [
        queue_notification(**message)
        for message in customer_messages(
            complaint=complaint, template_key=template_key, event_id=event_id, extra=extra
        )
    ]


def customer_messages(
    *, complaint: Complaint, template_key: str, event_id: str, extra: dict | None = None
) -> list[dict]:
    """The outbox messages of one notice to the customer, always in writing.

    E-mail for those who chose it (by post when we have no address), a letter for those who
    chose letters, and for those who chose phone the written notice (e-mail, else post) plus a
    call for staff to make.
    """
    preference = complaint.reply_preference
    wants_letter = preference == Complaint.ReplyPreference.LETTER or not complaint.email
    key = f"{complaint.reference}:{template_key}:{event_id}"
    message = _customer_message(complaint=complaint, template_key=template_key, extra=extra)
    written = OutboundMessage.Channel.LETTER if wants_letter else OutboundMessage.Channel.EMAIL
    messages = [{**message, "idempotency_key": key, "channel": written}]
    if wants_letter:
        # On paper a private link is too long to type and unsafe to leave lying about: the
        # tracking page with the reference filled in instead (the customer adds their e-mail address or postcode).
        track = settings.PORTAL_BASE_URL + reverse("complaints:track") + f"?reference={complaint.reference}"
        with translation.override(complaint.language):
            on_paper = (
                _("your reference and the e-mail address you gave us")
                if complaint.email
                else _("your reference and your postcode")
            )
        messages[0]["context"] = {**message["context"], "tracking_url": track, "on_paper": on_paper}
    if preference == Complaint.ReplyPreference.PHONE and complaint.phone:
        messages.append(
            {**message, "idempotency_key": f"{key}:call", "channel": OutboundMessage.Channel.CALL}
        )
    return messages


def email_customer(
    *, complaint: Complaint, template_key: str, event_id: str, extra: dict | None = None
) -> OutboundMessage | None:
    """Queue an e-mail to the customer whichever way they asked us to reply: the answer to an
    e-mail they sent us. None when we have no e-mail address for them."""
    if not complaint.email:
        return None
    return queue_notification(
        **_customer_message(complaint=complaint, template_key=template_key, extra=extra),
        idempotency_key=f"{complaint.reference}:{template_key}:{event_id}",
        channel=OutboundMessage.Channel.EMAIL,
    )


def _customer_message(*, complaint: Complaint, template_key: str, extra: dict | None) -> dict:
    return {
        "reference": complaint.reference,
        "template_key": template_key,
        # Written in the customer's language, whoever or whatever sends it.
        "language": complaint.language,
        "context": {**customer_context(complaint), **(extra or {})},
        "recipient_name": complaint.customer_name,
        "recipient_email": complaint.email,
        "recipient_postal_address": f"{complaint.postal_address}\n{complaint.postcode}",
        "recipient_phone": complaint.phone,
        # A reply lands on this complaint: the address carries its reference, signed.
        "reply_to": reply_address(complaint.reference),
    }


def notify_team(*, complaint: Complaint, template_key: str, event_id: str):
    """Queue a message to the complaints team's shared inbox, in English whichever language the
    customer whose action caused it is using."""
    with translation.override(settings.LANGUAGE_CODE):
        category = str(complaint.get_category_display())
    return queue_notification(
        idempotency_key=f"{complaint.reference}:{template_key}:{event_id}",
        reference=complaint.reference,
        template_key=template_key,
        context={
            "reference": complaint.reference,
            "category": category,
            "admin_url": settings.PORTAL_BASE_URL
            + reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        },
        channel=OutboundMessage.Channel.EMAIL,
        recipient_name="Complaints team",
        recipient_email=settings.COMPLAINTS_TEAM_EMAIL,
    )


# What staff do before a letter goes to a customer who asked for another format.
LETTER_FORMAT_NOTES = {
    Complaint.Adjustment.BRAILLE: "Braille: have it transcribed and post the Braille copy",
    Complaint.Adjustment.EASY_READ: "Easy read: send the easy-read version",
}


def customer_context(complaint: Complaint) -> dict:
    """Plain values (the outbox stores them as JSON) every customer message may use, with the words
    and dates in them (a category, "1 Mehefin 2026") in the customer's language."""
    with translation.override(complaint.language):
        return _customer_context(complaint)


def _customer_context(complaint: Complaint) -> dict:
    received = timezone.localtime(complaint.first_received_at)
    added = {key: value for provider in _notice_context for key, value in provider(complaint).items()}
    return {
        **added,
        "reference": complaint.reference,
        "customer_name": complaint.customer_name,
        "category": str(complaint.get_category_display()),
        "received_on": dateformat.format(received, "j F Y"),
        "reply_preference": str(complaint.get_reply_preference_display()),
        "reply_by": str(complaint.reply_by),
        "large_print": Complaint.Adjustment.LARGE_PRINT in complaint.adjustments,
        PLAIN_TEXT_ONLY: Complaint.Adjustment.PLAIN_TEXT_EMAIL in complaint.adjustments,
        FORMAT_NOTE: "; ".join(
            note for adjustment, note in LETTER_FORMAT_NOTES.items() if adjustment in complaint.adjustments
        ),
        "tracking_url": tracking_url(reference=complaint.reference, tracking_key=complaint.tracking_key),
        "portal_url": settings.PORTAL_BASE_URL,
        "complaints_code_url": settings.PORTAL_BASE_URL + reverse("complaints_code"),
        "company": settings.COMPANY,
        "scheme": settings.ADR_SCHEME,
    }
