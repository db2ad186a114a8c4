"""What axe cannot see: where focus goes after a failed submit, the error summary's links, the tab
order, focus that can be seen (3:1 at least), no text the browser cuts without a word, and pages that
reflow at 320 px without scrolling sideways (WCAG 2.4.3, 2.4.7, 2.4.11, 1.4.10, 1.4.11, 3.3.1)."""

import pytest
from django.urls import reverse

from complaints.models import Complaint
from complaints.tracking_links import make_tracking_token
from escalation.roles import COMPLAINTS_MANAGERS
from tests.escalation.factories import filed_complaint, staff_member
from tests.escalation.states import STATES, complaint_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The relative luminance contrast of two "rgb(r, g, b)" colours, as WCAG defines it.
CONTRAST = """([a, b]) => {
  const lum = (c) => {
    const [r, g, bl] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
      v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}"""

FOCUS_RING = """() => {
  const el = document.activeElement, style = getComputedStyle(el);
  let bg = "rgb(255, 255, 255)";
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = getComputedStyle(node).backgroundColor;
    if (colour && !colour.startsWith("rgba(0, 0, 0, 0)") && colour !== "transparent") { bg = colour; break; }
  }
  return {tag: el.tagName, id: el.id, text: el.innerText, outline: style.outlineStyle,
          width: parseFloat(style.outlineWidth), colour: style.outlineColor, background: bg};
}"""


def assert_focus_seen_tabbing_through(page, *, presses: int):
    """Tab through the page: every element reached shows a ring of 2 px or more at 3:1 or more."""
    seen = set()
    for _ in range(presses):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring["tag"] == "BODY" or (ring["tag"], ring["id"], ring["text"]) in seen:
            continue
        seen.add((ring["tag"], ring["id"], ring["text"]))
        assert ring["outline"] != "none", ring
        assert ring["width"] >= 2, ring
        assert page.evaluate(CONTRAST, [ring["colour"], ring["background"]]) >= 3, ring
    assert len(seen) >= 5


def test_after_a_failed_submit_focus_is_on_the_error_summary_and_each_link_reaches_its_field(
    live_server, page
):
    page.goto(live_server.url + reverse("complaints:new"))
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    links = page.locator("#error-summary a")
    hrefs = links.evaluate_all("links => links.map(link => link.getAttribute('href'))")
    assert hrefs
    assert all(href.startswith("#id_") for href in hrefs), hrefs  # none is "#"
    for index, href in enumerate(hrefs):
        links.nth(index).click()
        assert page.evaluate("document.activeElement.id") == href[1:], href


def test_the_filing_form_is_tabbed_through_in_the_order_it_reads(live_server, page):
    page.goto(live_server.url + reverse("complaints:new"))
    assert page.locator("[tabindex]:not([tabindex='-1']):not([tabindex='0'])").count() == 0
    page.get_by_label("Full name").focus()
    order = []
    for _ in range(8):
        order.append(page.evaluate("document.activeElement.name"))
        page.keyboard.press("Tab")
    assert order == [
        "customer_name",
        "email",
        "phone",
        "postal_address",
        "postcode",
        "account_number",
        "customer_type",
        "category",
    ]


@pytest.mark.parametrize("path_name", ["home", "complaints:new", "complaints:track"])
def test_focus_can_be_seen_on_everything_a_keyboard_reaches(live_server, page, path_name):
    page.goto(live_server.url + reverse(path_name))
    assert_focus_seen_tabbing_through(page, presses=60)


def test_form_fields_have_borders_that_can_be_seen(live_server, page):
    page.goto(live_server.url + reverse("complaints:new"))
    for selector in ("#id_customer_name", "#id_category", "#id_reply_preference_0"):
        border = page.locator(selector).evaluate("el => getComputedStyle(el).borderTopColor")
        assert page.evaluate(CONTRAST, [border, "rgb(255, 255, 255)"]) >= 3, (selector, border)


def test_a_description_over_the_limit_is_never_cut_by_the_browser_but_refused_with_a_message(
    live_server, page
):
    page.goto(live_server.url + reverse("complaints:new"))
    description = page.get_by_label("Tell us what happened")
    assert description.get_attribute("maxlength") is None
    description.fill("x" * 10_050)
    assert len(description.input_value()) == 10_050  # nothing cut
    page.get_by_text("50 characters too many").wait_for()
    page.get_by_role("button", name="Send my complaint").click()
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert len(page.get_by_label("Tell us what happened").input_value()) == 10_050  # kept to shorten
    assert Complaint.objects.count() == 0


def pages_wider_than(width: int, page, base_url: str, paths) -> dict[str, int]:
    """{path: its width} for the pages that scroll sideways in a window `width` pixels wide."""
    wide = {}
    for path in paths:
        page.goto(base_url + path)
        if (scroll_width := page.evaluate("document.documentElement.scrollWidth")) > width:
            wide[path] = scroll_width
    return wide


def test_customer_pages_reflow_at_320_pixels_without_scrolling_sideways(live_server, browser):
    """Every customer page, and the complaint's page in every state (each has its own status line)."""
    agent = staff_member(COMPLAINTS_MANAGERS)
    complaints = [filed_complaint(days_ago=50), *(complaint_in(state, by=agent) for state in STATES)]
    context = browser.new_context(viewport={"width": 320, "height": 640})
    page = context.new_page()
    paths = (
        reverse("home"),
        reverse("complaints_code"),
        reverse("complaints:new"),
        reverse("complaints:track"),
        *(
            reverse(
                "complaints:tracking_link",
                args=[make_tracking_token(reference=c.reference, tracking_key=c.tracking_key)],
            )
            for c in complaints
        ),
    )
    wide = pages_wider_than(320, page, live_server.url, paths)
    context.close()
    assert wide == {}


def test_staff_pages_fit_a_phone_wide_tables_scroll_in_their_own_region(live_server, browser):
    from escalation.roles import COMPLAINTS_MANAGERS
    from tests.browser.test_staff_journeys import log_in
    from tests.escalation.factories import staff_member

    complaint = filed_complaint(days_ago=50)
    manager = staff_member(COMPLAINTS_MANAGERS)
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    log_in(page, live_server, manager)
    paths = (
        reverse("admin:index"),
        reverse("admin:complaints_complaint_changelist"),
        reverse("admin:complaints_complaint_change", args=[complaint.pk]),
        reverse("staff:escalations"),
        reverse("staff:reports"),
    )
    wide = pages_wider_than(390, page, live_server.url, paths)
    context.close()
    assert wide == {}


@pytest.mark.parametrize(
    "path_name", ["admin:index", "admin:complaints_complaint_changelist", "staff:escalations"]
)
def test_focus_can_be_seen_on_staff_pages_too(live_server, browser, path_name):
    from escalation.roles import COMPLAINTS_MANAGERS
    from tests.browser.test_staff_journeys import log_in
    from tests.escalation.factories import staff_member

    filed_complaint(days_ago=9)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    log_in(page, live_server, staff_member(COMPLAINTS_MANAGERS))
    page.goto(live_server.url + reverse(path_name))
    assert_focus_seen_tabbing_through(page, presses=40)
    context.close()
