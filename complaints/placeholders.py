"""The placeholders staff may use in reply templates, and filling them in for one complaint.

Not Django's template engine: staff text is never run as a template. A placeholder is exactly
`{{ name }}` with a name from the list; anything else that looks like template code stops the
template being saved. Values are put in once, so what a customer wrote (a name like
"{{ reference }}") is never read as a placeholder. No import of the models: they check templates
against this list.
"""

import re
from collections.abc import Callable

from django.conf import settings
from django.utils import dateformat, timezone

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+)\s*\}\}")
TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
STRAY_MARKERS = ("{{", "}}", "{%", "%}", "{#", "#}")

Placeholder = Callable[[object], str]  # (a complaint) -> its value
_placeholders: dict[str, Placeholder] = {
    "reference": lambda complaint: complaint.reference,
    "customer_name": lambda complaint: complaint.customer_name,
    "first_received": lambda complaint: dateformat.format(
        timezone.localtime(complaint.first_received_at), "j F Y"
    ),
    "category": lambda complaint: str(complaint.get_category_display()),
    "company_name": lambda complaint: settings.COMPANY["name"],
    "company_phone": lambda complaint: settings.COMPANY["phone"],
}


def add_placeholders(**providers: Placeholder) -> None:
    """Let another app offer placeholders (escalation: the dates we owe), set once at start-up in its
    AppConfig.ready, so that this app needs no import of it."""
    _placeholders.update(providers)


def known_placeholders() -> list[str]:
    return sorted(_placeholders)


def unknown_placeholders(text: str) -> list[str]:
    """What in `text` is template code but no known placeholder, or half of one ("{{ reference }"),
    which would otherwise reach the customer as it was typed."""
    text = text or ""
    unknown = [
        code
        for code in TEMPLATE_CODE.findall(text)
        if not ((match := PLACEHOLDER.fullmatch(code)) and match.group(1) in _placeholders)
    ]
    leftover = TEMPLATE_CODE.sub("", text)
    return unknown + [marker for marker in STRAY_MARKERS if marker in leftover]


def fill_in(text: str, complaint) -> str:
    """`text` with each known placeholder replaced by its value for `complaint`, in one pass."""

    def value(match):
        provider = _placeholders.get(match.group(1))
        return provider(complaint) if provider else match.group(0)

    return PLACEHOLDER.sub(value, text)
