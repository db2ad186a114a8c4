"""The customer pages' look, measured in the browser: a text logo in the header, one brand colour for the
header, the main buttons and the links with AA contrast, main buttons 44 by 44 px or more, room to breathe
on a phone, and each error message between its label and its field, with the field outlined."""

import pytest
from django.conf import settings
from django.urls import reverse

from complaints.tracking_links import make_tracking_token
from escalation.roles import COMPLAINTS_MANAGERS
from tests.browser.support import fill_in_the_complaint_form
from tests.browser.test_keyboard_and_reflow import CONTRAST
from tests.escalation.factories import staff_member
from tests.escalation.states import complaint_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
BOOTSTRAP_BLUE = "rgb(13, 110, 253)"
WHITE = "rgb(255, 255, 255)"

# The tap targets a customer uses to get on: every button in the page's main part (submit, send, track,
# refer, sign out, back) and the header's links.
TAP_TARGETS = """() => [...document.querySelectorAll("main .btn, main button, .site-header a")]
  .filter((el) => el.getClientRects().length)
  .map((el) => { const box = el.getBoundingClientRect();
                 return {text: el.innerText.trim(), width: box.width, height: box.height}; })"""

STYLE = """([selector, properties]) => {
  const style = getComputedStyle(document.querySelector(selector));
  return Object.fromEntries(properties.map((name) => [name, style[name]]));
}"""

# The background a text sits on: its own, or the first of its ancestors' that is not transparent.
BACKGROUND = """(selector) => {
  for (let node = document.querySelector(selector); node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && !colour.startsWith("rgba(0, 0, 0, 0)") && colour !== "transparent") return colour;
  }
  return "rgb(255, 255, 255)";
}"""

# For each field error: the boxes of its label (or legend), its message and its field, the field's
# border colour and whether the field (or its fieldset) points at the message with aria-describedby.
FIELD_ERRORS = """() => [...document.querySelectorAll("form .invalid-feedback[id$='_error']")].map((error) => {
  const id = error.id.replace(/_error$/, "");
  const field = document.getElementById(id) || document.getElementById(id + "_0");
  const fieldset = field.closest("fieldset");
  const grouped = !document.getElementById(id);
  const label = grouped ? fieldset.querySelector("legend") : document.querySelector(`label[for='${id}']`);
  const box = (el) => { const r = el.getBoundingClientRect(); return {top: r.top, bottom: r.bottom}; };
  const described = (grouped ? fieldset : field).getAttribute("aria-describedby") || "";
  return {id, text: error.innerText.trim(), visible: error.getClientRects().length > 0,
          single: field.type === "checkbox" && !grouped,
          label: box(label), message: box(error), field: box(field),
          border: getComputedStyle(field).borderTopColor, describedBy: described.split(/\\s+/).includes(error.id)};
})"""


def contrast(page, one: str, other: str) -> float:
    return page.evaluate(CONTRAST, [one, other])


def style(page, selector: str, *properties: str) -> dict:
    return page.evaluate(STYLE, [selector, list(properties)])


@pytest.fixture(params=sorted(VIEWPORTS))
def sized_page(request, browser):
    context = browser.new_context(viewport=VIEWPORTS[request.param], device_scale_factor=1)
    yield context.new_page()
    context.close()


def test_the_header_shows_the_text_logo(live_server, page):
    page.goto(live_server.url + reverse("home"))
    logo = page.locator(".site-header .site-name")
    assert " ".join(logo.inner_text().split()) == f"{settings.COMPANY['wordmark']} Complaints"
    assert logo.get_attribute("href") == reverse("home")
    assert page.locator(".site-header img, .site-header svg").count() == 0  # text, not a picture
    company = style(page, ".site-name .site-company", "fontWeight", "fontSize")
    assert int(company["fontWeight"]) >= 700
    assert float(company["fontSize"].removesuffix("px")) >= 20


def test_one_brand_colour_for_the_header_the_main_buttons_and_the_links_with_aa_contrast(live_server, page):
    page.goto(live_server.url + reverse("home"))
    brand = style(page, ".site-header", "backgroundColor")["backgroundColor"]
    primary = style(page, "main .btn-primary", "backgroundColor", "color", "borderTopColor")
    secondary = style(page, "main .btn-outline-primary", "color", "borderTopColor")
    link = style(page, "main p > a", "color")["color"]
    assert brand == primary["backgroundColor"] == link == secondary["color"] != BOOTSTRAP_BLUE
    page_background = page.evaluate(BACKGROUND, "main")

    for text in (".site-name .site-company", ".site-name .site-service", ".site-header .nav-link"):
        assert contrast(page, style(page, text, "color")["color"], brand) >= 4.5, text
    assert contrast(page, primary["color"], primary["backgroundColor"]) >= 4.5
    assert contrast(page, primary["borderTopColor"], page_background) >= 3  # the button's edge
    assert contrast(page, secondary["color"], page_background) >= 4.5
    assert contrast(page, secondary["borderTopColor"], page_background) >= 3
    assert contrast(page, link, page_background) >= 4.5

    page.emulate_media(reduced_motion="reduce")  # no transition: the hover colours at once
    page.locator("main .btn-primary").first.hover()
    hovered = style(page, "main .btn-primary:hover", "backgroundColor", "color")
    assert hovered["backgroundColor"] != primary["backgroundColor"]
    assert contrast(page, hovered["color"], hovered["backgroundColor"]) >= 4.5


def test_every_main_button_on_the_customer_pages_is_at_least_44_by_44_pixels(live_server, sized_page):
    page, base = sized_page, live_server.url
    manager = staff_member(COMPLAINTS_MANAGERS)
    proposed = complaint_in("proposed", by=manager)
    answered = complaint_in("answered by the Complaints Manager", by=manager)
    measured = {}

    def measure(name):
        page.wait_for_load_state("load")  # the styles too
        measured[name] = page.evaluate(TAP_TARGETS)

    page.goto(base + reverse("home"))
    measure("home")
    page.goto(base + reverse("complaints:track"))
    measure("tracking form")
    page.goto(base + reverse("complaints:detail", args=["NS-7K2M-Q9XD"]))
    measure("complaint not found")
    page.goto(base + reverse("complaints:new"))
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    measure("filing form with errors")
    fill_in_the_complaint_form(page)
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="We've received your complaint").wait_for()
    measure("complaint filed")
    for complaint in (proposed, answered):
        token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
        page.goto(base + reverse("complaints:tracking_link", args=[token]))
        measure(f"complaint page ({complaint.reference})")
    page.goto(base + reverse("escalation:refer", args=[proposed.reference]))
    measure("referral form")
    page.goto(base + reverse("escalation:md_review", args=[answered.reference]))
    measure("MD review form")

    buttons = [target["text"] for targets in measured.values() for target in targets]
    for expected in ("Make a complaint", "Track a complaint", "Find my complaint", "Send my complaint"):
        assert expected in buttons
    for expected in ("See your complaint", "Send message", "Refer my complaint", "Ask for the review"):
        assert expected in buttons
    small = {
        name: [
            f"{t['text']}: {t['width']:.0f}×{t['height']:.0f}"
            for t in targets
            if min(t["width"], t["height"]) < 44
        ]
        for name, targets in measured.items()
    }
    assert {name: targets for name, targets in small.items() if targets} == {}


def test_on_a_phone_the_form_has_room_to_breathe(live_server, page):
    page.goto(live_server.url + reverse("complaints:new"))
    field = page.locator("#id_customer_name").bounding_box()
    assert field["x"] >= 16  # margins a thumb can rest on
    assert 390 - (field["x"] + field["width"]) >= 16
    name, email = (
        page.locator("#div_id_customer_name").bounding_box(),
        page.locator("#div_id_email").bounding_box(),
    )
    assert email["y"] - (name["y"] + name["height"]) >= 24  # fields set well apart
    for selector in ("#id_customer_name", "#id_category", "#id_postal_address"):
        assert page.locator(selector).bounding_box()["height"] >= 44, selector
    send = page.get_by_role("button", name="Send my complaint").bounding_box()
    assert send["width"] >= field["width"]  # the main button across the screen, as on most phone forms


def test_after_a_failed_submit_each_message_is_between_its_label_and_its_field_which_is_outlined(
    live_server, sized_page
):
    page = sized_page
    page.goto(live_server.url + reverse("complaints:new"))
    page.get_by_label("E-mail address").fill("sian@example.com")
    page.get_by_label("Hearing").check()  # a need without the consent box: a single tick box's error
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    page.wait_for_load_state("load")
    normal_border = page.locator("#id_email").evaluate("el => getComputedStyle(el).borderTopColor")
    normal_radio_border = page.locator("#id_adjustments_0").evaluate(
        "el => getComputedStyle(el).borderTopColor"
    )

    errors = page.evaluate(FIELD_ERRORS)
    assert {error["id"] for error in errors} >= {
        "id_customer_name",
        "id_postal_address",
        "id_postcode",
        "id_category",
        "id_description",
        "id_reply_preference",
        "id_needs_consent",
    }
    for error in errors:
        assert error["visible"], error
        assert error["text"], error
        if error["single"]:  # a tick box has its label beside it: the message is above both
            assert error["message"]["bottom"] <= error["label"]["top"] + 1, error
        else:
            assert error["label"]["bottom"] <= error["message"]["top"] + 1, error  # below its label
        assert error["message"]["bottom"] <= error["field"]["top"] + 1, error  # above its field
        assert error["describedBy"], error
        normal = normal_radio_border if error["id"] == "id_reply_preference" else normal_border
        assert error["border"] != normal, error
        assert contrast(page, error["border"], WHITE) >= 3, error
