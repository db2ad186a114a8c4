"""The README's "What it looks like" pictures: the home page, the filing form after a failed submit and
a complaint's page, on a phone and on a desktop. Written only when LOOK_PICTURES names a prefix
(`LOOK_PICTURES=after pytest tests/browser/test_look_pictures.py` writes docs/screenshots/after-*.png);
otherwise the pages are still visited, so the test keeps the journey working."""

import io
import os

import pytest
from django.conf import settings
from django.urls import reverse
from PIL import Image

from complaints.tracking_links import make_tracking_token
from escalation.roles import COMPLAINTS_MANAGERS
from tests.escalation.factories import staff_member
from tests.escalation.states import complaint_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PICTURES = settings.BASE_DIR / "docs" / "screenshots"
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


def picture(page, name: str):
    if prefix := os.environ.get("LOOK_PICTURES"):
        page.wait_for_load_state("load")
        PICTURES.mkdir(parents=True, exist_ok=True)
        # The first screen and a little more: what a customer sees first, at a size a README can carry.
        width = page.viewport_size["width"]
        height = min(page.evaluate("document.documentElement.scrollHeight"), 1400 if width < 576 else 1000)
        shot = page.screenshot(clip={"x": 0, "y": 0, "width": width, "height": height}, full_page=True)
        # 256 colours are plenty for a page of text and keep each picture small.
        Image.open(io.BytesIO(shot)).quantize(256).save(PICTURES / f"{prefix}-{name}.png", optimize=True)


@pytest.mark.parametrize("size", sorted(VIEWPORTS))
def test_the_pictures_of_the_customer_pages(live_server, browser, size):
    complaint = complaint_in("proposed", by=staff_member(COMPLAINTS_MANAGERS))
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    context = browser.new_context(viewport=VIEWPORTS[size], device_scale_factor=1)
    page = context.new_page()

    page.goto(live_server.url + reverse("home"))
    picture(page, f"home-{size}")
    page.goto(live_server.url + reverse("complaints:new"))
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    picture(page, f"form-errors-{size}")
    page.goto(live_server.url + reverse("complaints:tracking_link", args=[token]))
    page.get_by_role("heading", name=complaint.reference).wait_for()
    picture(page, f"complaint-{size}")
    context.close()
