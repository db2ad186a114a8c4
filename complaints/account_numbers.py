"""Account numbers as compared: a customer copies one from a bill with its spaces ("AC 100 200"), an
agent types it from a call without them ("ac100200"); both are the same account.

The number is kept as it was given; comparisons use its key, in Python and in SQL alike (the index
`complaint_account_key` is on the SQL expression, so on PostgreSQL equality on it reads the index).
The forms take only ASCII letters, digits and the separators below (`ACCOUNT_NUMBER`): upper case
beyond ASCII differs between Python, PostgreSQL and SQLite ("ß", "é"), and no bill prints it."""

import re

from django.db.models import Value
from django.db.models.functions import Replace, Upper

IGNORED = (" ", "-", ".", "/")
ACCOUNT_NUMBER = re.compile(r"[A-Za-z0-9 ./-]*")
# What a copy from a PDF bill brings instead of a plain space or hyphen.
AS_TYPED_ON_A_KEYBOARD = str.maketrans(
    {
        **dict.fromkeys("\u00a0\u2007\u202f\u2009", " "),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    }
)


def account_key(account_number: str) -> str:
    key = account_number.upper()
    for character in IGNORED:
        key = key.replace(character, "")
    return key


def account_key_expression():
    """account_key() in SQL, on every database: UPPER and REPLACE."""
    key = Upper("account_number")
    for character in IGNORED:
        key = Replace(key, Value(character), Value(""))
    return key
