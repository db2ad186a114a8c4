"""Turn a template key and a context into a subject, a plain-text body and an HTML body."""

from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

# A context key callers set for customers who asked for plain-text e-mail: no HTML part is made.
PLAIN_TEXT_ONLY = "plain_text_only"


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body_text: str
    body_html: str


def render_message(
    *, template_key: str, context: dict, language: str = settings.LANGUAGE_CODE
) -> RenderedMessage:
    """Render `templates/notifications/<template_key>/{subject.txt,body.txt,body.html}` in `language`.

    The recipient's language, never that of whoever (or whatever job) caused the message.
    """
    folder = f"notifications/{template_key}"
    with translation.override(language):
        subject = render_to_string(f"{folder}/subject.txt", context)
        return RenderedMessage(
            # A header must be one line, whatever the template's whitespace.
            subject=" ".join(subject.split())[:300],
            body_text=render_to_string(f"{folder}/body.txt", context).strip() + "\n",
            body_html=""
            if context.get(PLAIN_TEXT_ONLY)
            else render_to_string(f"{folder}/body.html", context),
        )
