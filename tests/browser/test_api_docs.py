"""The API's documentation in a real browser, under the portal's CSP: Redoc from our own static
files, nothing loaded from another site, no inline script."""

import pytest
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_docs_render_the_schema_with_nothing_from_another_site(live_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    loaded, refused = [], []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.goto(live_server.url + reverse("api:docs"))
    page.get_by_role("heading", name="Netservers complaints portal API").first.wait_for()
    page.get_by_text("/api/v1/complaints/").first.wait_for()
    # Redoc's "powered by" logo is on its makers' site: the CSP refuses it, and nothing else is asked.
    assert all(url.startswith((live_server.url, "blob:", "data:")) for url in loaded), loaded
    assert not [text for text in refused if "script" in text.lower()], refused
    context.close()
