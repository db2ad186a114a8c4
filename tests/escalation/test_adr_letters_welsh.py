"""A customer who chose Welsh gets the ADR letter in Welsh, on paper: read back from the PDF."""

import io

import pytest
from pypdf import PdfReader

from complaints.models import Complaint
from escalation.sweep import enforce_deadlines
from notifications.letters import render_letters_pdf
from tests.escalation.test_adr_letters import day, file_on_first_day, letters, on

pytestmark = pytest.mark.django_db


def test_a_welsh_customers_adr_letter_is_in_welsh_on_paper():
    complaint = file_on_first_day(reply_preference=Complaint.ReplyPreference.LETTER, language="cy")
    with on(day(42)):
        assert enforce_deadlines().adr_letters == 1
    [letter] = letters(complaint)
    assert letter.language == "cy"
    pdf = render_letters_pdf([letter])
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)
    assert f"Ein cyfeirnod: {complaint.reference}" in text
    assert "13 Gorffennaf 2026" in text  # the letter's date, in Welsh
    assert "Annwyl Zoë O" in text
    assert "yn rhad ac am ddim ac yn annibynnol" in text
    assert "6 wythnos" in text  # how long since the first complaint, in Welsh
    assert "Yr eiddoch yn gywir" in text
    for english in ("Dear ", "Our reference", "free and independent", "Yours sincerely", "July"):
        assert english not in text


def test_an_english_customers_adr_letter_stays_english():
    complaint = file_on_first_day(reply_preference=Complaint.ReplyPreference.LETTER)
    with on(day(42)):
        enforce_deadlines()
    [letter] = letters(complaint)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(render_letters_pdf([letter]))).pages)
    assert "free and independent" in " ".join(text.split())
    assert "13 July 2026" in " ".join(text.split())
