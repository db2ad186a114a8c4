"""CSV downloads that are safe to open in a spreadsheet.

A cell starting with = + - @, a tab or a carriage return is run as a formula by Excel, LibreOffice
and Google Sheets; a customer can choose their own name, so every text cell is neutralised with
a leading apostrophe (OWASP "CSV injection"). Numbers stay numbers.
"""

import csv

from django.http import HttpResponse
from django.utils import timezone

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_response(name: str, header: list[str], rows) -> HttpResponse:
    """A dated CSV attachment; every cell, header included, through `spreadsheet_safe`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{timezone.localdate():%Y-%m-%d}.csv"'
    response["Cache-Control"] = "private, no-store"
    writer = csv.writer(response)
    writer.writerow([spreadsheet_safe(value) for value in header])
    for row in rows:
        writer.writerow([spreadsheet_safe(value) for value in row])
    return response
