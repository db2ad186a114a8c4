"""Customer journeys in a real headless browser: Playwright driving Debian's Chromium."""

import re

import pytest
from django.core import mail

from complaints.models import TimelineEntry
from tests.browser.support import fill_in_the_complaint_form, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_files_a_complaint_tracks_it_and_adds_a_message(live_server, page, tmp_path):
    page.goto(live_server.url)
    page.get_by_role("link", name="Make a complaint").first.click()

    fill_in_the_complaint_form(
        page,
        name="Siân O'Brien",
        postcode="cb5 8la",
        description="My broadband drops every evening between 7 and 10pm.",
    )
    page.get_by_label("Phone number").fill("07700 900123")
    photo = tmp_path / "router-lights.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)
    page.get_by_label("Attach files").set_input_files(str(photo))
    screenshot(page, "complaint-form")
    page.get_by_role("button", name="Send my complaint").click()

    page.get_by_role("heading", name="We've received your complaint").wait_for()
    reference = page.get_by_test_id("reference").inner_text().strip()
    assert re.fullmatch(r"NS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}", reference)
    assert any(reference in message.subject for message in mail.outbox)

    # Later, on another device: reference and e-mail address open the complaint.
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/complaints/track/")
    page.get_by_label("Complaint reference").fill(reference.lower())
    page.get_by_label("Your e-mail address").fill("SIAN@example.com")
    page.get_by_role("button", name="Find my complaint").click()
    page.get_by_role("heading", name=reference).wait_for()
    assert page.get_by_text("router-lights.png").is_visible()

    page.get_by_label("Your message").fill("It dropped again last night at 8pm.")
    page.get_by_role("button", name="Send message").click()
    page.get_by_text("Your message has been added").wait_for()
    assert page.get_by_text("It dropped again last night at 8pm.").is_visible()
    assert TimelineEntry.objects.filter(
        kind=TimelineEntry.Kind.CUSTOMER_MESSAGE, complaint__reference=reference
    ).exists()
    screenshot(page, "complaint-page")


def test_a_wrong_email_gets_the_uniform_answer(live_server, page):
    page.goto(f"{live_server.url}/complaints/new/")
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.get_by_text("Enter your full name.").first.is_visible()
    screenshot(page, "complaint-form-errors")

    page.goto(f"{live_server.url}/complaints/track/")
    page.get_by_label("Complaint reference").fill("NS-7K2M-Q9XD")
    page.get_by_label("Your e-mail address").fill("someone@example.com")
    page.get_by_role("button", name="Find my complaint").click()
    page.get_by_text("We couldn't find a complaint with those details").wait_for()
