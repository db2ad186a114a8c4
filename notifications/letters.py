"""Letters as PDF for staff to print and post, rendered from an HTML template by xhtml2pdf (pure Python)."""

import io
from collections.abc import Iterable
from pathlib import Path

from django.template.loader import render_to_string
from django.utils import timezone
from xhtml2pdf import pisa
from xhtml2pdf.default import DEFAULT_CSS

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


# Helvetica, the PDF standard font, has no ŵ or ŷ (Welsh prints them as boxes): Liberation Sans,
# Arial's metrics, embedded. Templates name it "Portal Sans".
FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FACES = f"""
@font-face {{ font-family: "Portal Sans"; src: url("{FONTS / "LiberationSans-Regular.ttf"}"); }}
@font-face {{ font-family: "Portal Sans"; src: url("{FONTS / "LiberationSans-Bold.ttf"}"); font-weight: bold; }}
"""


def html_to_pdf(html: str, *, what: str = "the document") -> bytes:
    """A printable PDF of a self-contained HTML page (inline styles, no external files but our fonts)."""
    output = io.BytesIO()
    result = pisa.CreatePDF(html, dest=output, encoding="utf-8", default_css=DEFAULT_CSS + FONT_FACES)
    if result.err:
        raise LetterRenderingFailed(f"{result.err} error(s) rendering {what}")
    return output.getvalue()
