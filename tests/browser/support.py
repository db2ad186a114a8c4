"""What the browser tests share: Debian's Chromium and where screenshots go."""

import os
from pathlib import Path

from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOT_DIR = Path(os.environ.get("SCREENSHOT_DIR") or settings.BASE_DIR / "var" / "screenshots")


def screenshot(page, name):
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)


def fill_in_the_complaint_form(
    page, *, name="Siân Evans", postcode="CB5 8LA", description="My broadband drops every evening."
):
    """The filing form's required answers, as a customer gives them (replies by e-mail)."""
    page.get_by_label("Full name").fill(name)
    page.get_by_label("E-mail address").fill("sian@example.com")
    page.get_by_label("Postal address").fill("1 High Street\nCambridge")
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_label("What is your complaint about?").select_option(label="Broadband fault or speed")
    page.get_by_label("Tell us what happened").fill(description)
    page.get_by_label("E-mail", exact=True).check()
