"""Reading PDFs back, as a customer's printer would get them."""

import io

from pypdf import PdfReader


def font_sizes(pdf: bytes) -> set[float]:
    """The size of every piece of text on every page, as the PDF draws it (font size times the text matrix)."""
    sizes = set()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.add(round(size * abs(tm[3] or 1) * abs(cm[3] or 1), 1))

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return sizes


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
