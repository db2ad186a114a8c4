import re

import pytest
from django.db import IntegrityError

from complaints import services
from complaints.references import (
    CROCKFORD_ALPHABET,
    REFERENCE_REGEX,
    generate_reference,
    normalise_reference,
)
from tests.complaints.factories import ComplaintFactory, complaint_form_data


def test_reference_has_the_published_format_and_only_unambiguous_characters():
    references = {generate_reference() for _ in range(2000)}
    assert all(re.fullmatch(REFERENCE_REGEX, reference) for reference in references)
    used = set("".join(reference[3:].replace("-", "") for reference in references))
    assert used <= set(CROCKFORD_ALPHABET)
    assert not used & set("ILOU")
    assert len(references) == 2000  # 40 random bits: no repeats in a small sample


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("NS-7K2M-Q9XD", "NS-7K2M-Q9XD"),
        ("ns-7k2m-q9xd", "NS-7K2M-Q9XD"),
        (" NS 7K2M Q9XD ", "NS-7K2M-Q9XD"),
        ("NS7K2MQ9XD", "NS-7K2M-Q9XD"),
        ("7K2M-Q9XD", "NS-7K2M-Q9XD"),
        ("NS-7K2M-O9XL", "NS-7K2M-09X1"),  # O and L read as 0 and 1
        ("NS-7K2M-Q9X", None),
        ("NS-7K2M-Q9XU", None),  # U is not a Crockford digit
        ("", None),
        ("<script>", None),
    ],
)
def test_normalise_reference_accepts_what_callers_type(typed, expected):
    assert normalise_reference(typed) == expected


@pytest.mark.django_db
def test_references_are_unique_by_constraint():
    existing = ComplaintFactory()
    with pytest.raises(IntegrityError):
        ComplaintFactory(reference=existing.reference)


@pytest.mark.django_db
def test_filing_retries_with_a_new_reference_on_collision(monkeypatch):
    taken = ComplaintFactory().reference
    fresh = "NS-ABCD-EFGH"
    candidates = iter([taken, taken, fresh])
    monkeypatch.setattr(services, "generate_reference", lambda: next(candidates))

    complaint = services.file_complaint(**complaint_form_data(postcode="CB5 8LA"))

    assert complaint.reference == fresh


@pytest.mark.django_db
def test_filing_gives_up_after_a_run_of_collisions(monkeypatch):
    taken = ComplaintFactory().reference
    monkeypatch.setattr(services, "generate_reference", lambda: taken)

    with pytest.raises(IntegrityError):
        services.file_complaint(**complaint_form_data(postcode="CB5 8LA"))
