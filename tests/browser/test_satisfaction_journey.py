"""A customer answers the satisfaction survey from the e-mail's link, on a phone."""

import re

import pytest
from django.core import mail

from escalation.models import SatisfactionSurvey
from escalation.roles import COMPLAINTS_MANAGERS
from tests.browser.support import screenshot
from tests.escalation.factories import staff_member
from tests.escalation.states import complaint_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_customer_answers_from_the_emails_link_on_a_phone(live_server, page):
    complaint = complaint_in("resolved", by=staff_member(COMPLAINTS_MANAGERS))
    [invitation] = [message for message in mail.outbox if "how did we handle it?" in message.subject]
    link = re.search(r"^4: (\S+)$", invitation.body, re.MULTILINE).group(1)
    assert page.viewport_size == {"width": 390, "height": 844}

    page.goto(link.replace("http://127.0.0.1:8000", live_server.url))
    assert page.get_by_label("4 – satisfied").is_checked()  # chosen in the e-mail; nothing sent yet
    assert SatisfactionSurvey.objects.get(pk=complaint.pk).score is None
    page.get_by_label("Anything to tell us? (optional)").fill("Quick once I got through.")
    send = page.get_by_role("button", name="Send", exact=True)
    box = send.bounding_box()
    assert box["height"] >= 44  # one tap, across the screen
    assert box["width"] >= 300
    screenshot(page, "satisfaction-survey")
    send.click()
    page.get_by_text("Thank you. We have your answer.").wait_for()
    assert page.get_by_text("You gave us 4 out of 5.").is_visible()
    survey = SatisfactionSurvey.objects.get(pk=complaint.pk)
    assert (survey.score, survey.comment) == (4, "Quick once I got through.")
