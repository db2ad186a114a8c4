"""Letters as PDF for staff to print and post, rendered from an HTML template by xhtml2pdf (pure Python)."""

import io
from collections.abc import Iterable

from django.template.loader import render_to_string
from django.utils import timezone
from xhtml2pdf import pisa

from notifications.models import OutboundMessage

# A context key: what staff must do before posting a letter in another format (Braille, easy read);
# shown in the outbox and when the letters are printed.
FORMAT_NOTE = "format_note"


class LetterRenderingFailed(Exception):
    pass


def render_letters_pdf(messages: Iterable[OutboundMessage]) -> bytes:
    """One PDF with each letter on its own pages, in the order given."""
    letters = [
        {
            "message": message,
            "sender": message.context.get("company", {}),
            "address_lines": [line for line in message.recipient_postal_address.splitlines() if line.strip()],
            "dated": timezone.localtime(message.created_at),
            "paragraphs": [part.strip() for part in message.body_text.split("\n\n") if part.strip()],
            # The frame (date, "Our reference") in the letter's own language, like its body.
            "language": message.language,
        }
        for message in messages
    ]
    html = render_to_string("notifications/letter.html", {"letters": letters})
    return html_to_pdf(html, what=f"{len(letters)} letter(s)")


def html_to_pdf(html: str, *, what: str = "the document") -> bytes:
    """A printable PDF of a self-contained HTML page (inline styles, no external files)."""
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8")
    if result.err:
        raise LetterRenderingFailed(f"{result.err} error(s) rendering {what}")
    return output.getvalue()
