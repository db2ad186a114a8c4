"""What customers and staff receive, as they see it: the ADR letter's PDF and a reminder e-mail.

The pictures go to the screenshot folder (the README shows them); the assertions check that the
letter carries everything C4-05 requires, read back from the PDF itself.
"""

import io

import pypdfium2
import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from complaints.models import Complaint
from escalation.clocks import add_months
from escalation.models import Escalation
from escalation.sweep import enforce_deadlines
from notifications.letters import render_letters_pdf
from notifications.models import OutboundMessage
from notifications.services import mark_letter_posted
from tests.browser.support import SCREENSHOT_DIR, screenshot
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import filed_complaint, referral_with_a_reminder_due_today

pytestmark = [pytest.mark.browser, pytest.mark.django_db]


def test_the_adr_letter_pdf_carries_every_required_detail():
    complaint = filed_complaint(
        days_ago=42, reply_preference=Complaint.ReplyPreference.LETTER, customer_name="Eilidh Fraser"
    )
    enforce_deadlines()
    letter = OutboundMessage.objects.get(template_key="adr_letter")
    assert letter.channel == OutboundMessage.Channel.LETTER
    pdf = render_letters_pdf([letter])

    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    scheme = settings.ADR_SCHEME
    window_ends = add_months(timezone.localdate(), 12)  # from the date printed on the letter
    for required in (
        scheme["name"],
        scheme["phone"],
        scheme["email"],
        scheme["web"],
        ", ".join(scheme["address_lines"]),
        "free and independent",
        complaint.reference,
        f"until {window_ends:%-d %B %Y}",
        "12 months",
        "Eilidh Fraser",
        "that is 6 weeks ago",
    ):
        assert required in text, required
    escalation = Escalation.objects.get(pk=complaint.pk)
    assert escalation.adr_letter_sent_at is None  # printed is not posted
    mark_letter_posted(message=letter, posted_on=timezone.localdate())
    escalation.refresh_from_db()
    assert escalation.adr_letter_sent_at is not None
    assert escalation.adr_letter_channel == "letter"
    assert escalation.adr_window_ends == window_ends

    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page = pypdfium2.PdfDocument(pdf)[0]
    page.render(scale=1.4).to_pil().save(SCREENSHOT_DIR / "adr-letter.png")


def test_a_reminder_email_as_the_agent_sees_it(page):
    agent = StaffUserFactory(email="agent@netservers.example")
    for name in ("Priya Patel", "Owen Hughes"):
        referral_with_a_reminder_due_today(assigned_to=agent, customer_name=name)
    enforce_deadlines()
    [reminder] = OutboundMessage.objects.filter(template_key="deadline_reminder")
    assert reminder.recipient_email == "agent@netservers.example"
    page.set_viewport_size({"width": 820, "height": 600})
    page.set_content(reminder.body_html)
    assert page.get_by_text("Priya Patel").is_visible()
    screenshot(page, "reminder-email")
