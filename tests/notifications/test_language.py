"""Every message is written in the language it was queued in, whoever queues it; letters too."""

import io
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation
from pypdf import PdfReader

from notifications.letters import render_letters_pdf
from notifications.models import OutboundMessage
from notifications.services import queue_notification

pytestmark = pytest.mark.django_db

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "cy" / "LC_MESSAGES" / "django.po"


def letter(language: str, **overrides) -> OutboundMessage:
    message = {
        "idempotency_key": f"test:{language}",
        "reference": "NS-TEST-0001",
        "template_key": "complaint_acknowledgement",
        "context": {
            "reference": "NS-TEST-0001",
            "customer_name": "Siân Jones",
            "category": "Broadband fault",
            "received_on": "1 June 2026",
            "reply_preference": "Letter",
            "rules": {},
            "company": {"name": "Netservers Ltd.", "address_lines": ["21 Signet Court"]},
        },
        "channel": OutboundMessage.Channel.LETTER,
        "recipient_name": "Siân Jones",
        "recipient_postal_address": "1 Stryd Fawr\nAberystwyth\nSY23 1AA",
        "language": language,
        **overrides,
    }
    return queue_notification(**message)


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_message_is_rendered_in_its_language_not_the_active_one():
    with translation.override("en-gb"):
        welsh = letter("cy")
    with translation.override("cy"):
        english = letter("en-gb")
    assert welsh.language == "cy"
    assert welsh.subject == "Mae eich cwyn wedi dod i law – cyfeirnod NS-TEST-0001"
    assert welsh.body_text.startswith("Annwyl Siân Jones,")
    assert english.language == "en-gb"
    assert english.subject == "We've received your complaint – reference NS-TEST-0001"
    assert english.body_text.startswith("Dear Siân Jones,")


def test_the_language_defaults_to_the_sites():
    message = letter("en-gb")
    message.delete()
    message = queue_notification(
        idempotency_key="test:default",
        reference="NS-TEST-0002",
        template_key="staff_reply",
        context={"reference": "NS-TEST-0002", "customer_name": "Bob", "reply": "Hello"},
        channel=OutboundMessage.Channel.EMAIL,
        recipient_email="bob@example.com",
    )
    assert message.language == settings.LANGUAGE_CODE


def test_each_letter_in_one_pdf_has_its_frame_in_its_own_language():
    with translation.override("en-gb"):
        pdf = render_letters_pdf([letter("cy"), letter("en-gb", idempotency_key="test:en")])
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    welsh, english = pages[0], pages[-1]
    assert "Ein cyfeirnod: NS-TEST-0001" in welsh
    assert "Our reference" not in welsh
    months_cy = ["Ionawr", "Chwefror", "Mawrth", "Ebrill", "Mai", "Mehefin", "Gorffennaf", "Awst", "Medi"]
    months_cy += ["Hydref", "Tachwedd", "Rhagfyr"]
    assert any(month in welsh for month in months_cy)
    assert "Our reference: NS-TEST-0001" in english


def test_the_welsh_catalogue_is_complete_and_compiles(tmp_path):
    catalogue = polib.pofile(str(CATALOGUE))
    assert len(catalogue) > 100
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    assert [entry.msgid for entry in catalogue if entry.obsolete] == []
    for entry in catalogue.translated_entries():
        for placeholder in _placeholders(entry.msgid):
            translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
            assert all(placeholder in text for text in translations), (entry.msgid, placeholder)
    compiled = tmp_path / "django.mo"
    catalogue.save_as_mofile(str(compiled))
    assert polib.mofile(str(compiled)).percent_translated() == 100


def test_the_compiled_catalogue_is_the_one_django_reads():
    with translation.override("cy"):
        assert translation.gettext("Our complaints code") == "Ein cod cwynion"


def _placeholders(text: str) -> set[str]:
    import re

    return set(re.findall(r"%\((\w+)\)[sd]", text))
