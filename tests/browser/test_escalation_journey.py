"""The customer's escalation in a real headless browser: referral to the Complaints Manager."""

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.tracking_links import make_tracking_token
from escalation import services
from escalation.models import Escalation
from escalation.stages import Stage
from escalation.working_days import add_working_days
from tests.browser.support import screenshot
from tests.complaints.factories import StaffUserFactory
from tests.escalation.factories import filed_complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_customer_refers_a_proposed_resolution_to_the_complaints_manager(live_server, page):
    complaint = filed_complaint(days_ago=2, customer_name="Gwen Ap Rhys")
    services.propose_resolution(
        complaint=complaint, by=StaffUserFactory(), resolution="We will credit £15 to your account."
    )
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    page.goto(live_server.url + reverse("complaints:tracking_link", args=[token]))

    page.get_by_role("heading", name="Where your complaint is").wait_for()
    assert page.locator("[aria-current=step]").inner_text().strip().endswith("Direct contact")
    page.get_by_role("link", name="Refer my complaint to the Complaints Manager").click()

    due = add_working_days(timezone.localdate(), 10)
    assert (
        page.get_by_label("Your full name").input_value() == "Gwen Ap Rhys"
    )  # pre-filled, as the letter asks
    assert page.locator(".due-if-sent-today").inner_text() == f"{due:%A %-d %B %Y}"
    page.get_by_label("Your postcode").fill("not a postcode")
    page.get_by_role("button", name="Refer my complaint").click()
    page.get_by_text("There is a problem").wait_for()  # the error, and nothing lost
    assert page.get_by_label("Your full name").input_value() == "Gwen Ap Rhys"

    page.get_by_label("Your postcode").fill("CB5 8LA")
    page.get_by_label("Letter").check()
    page.get_by_label("Why are you not satisfied? (optional)").fill("A credit does not fix the line.")
    page.get_by_role("button", name="Refer my complaint").click()

    page.get_by_text("Your complaint is now with the Complaints Manager.").wait_for()
    assert f"Their written response is due by {due:%A %-d %B %Y}" in page.content()
    assert page.locator(".next-deadline").inner_text() == (
        f"The Complaints Manager's written response is due by {due:%A %-d %B %Y}."
    )
    assert page.locator("[aria-current=step]").inner_text().strip().endswith("Complaints Manager")
    screenshot(page, "referred-to-complaints-manager")

    escalation = Escalation.objects.get(pk=complaint.pk)
    assert escalation.stage == Stage.COMPLAINTS_MANAGER
    assert escalation.stage_two_response_due == due
    assert escalation.referral_reply_preference == "letter"
