"""Complaint references: `NS-XXXX-XXXX`, eight random characters of Crockford's base32.

Crockford's alphabet has no I, L, O or U, so a reference read aloud on the phone cannot be
misheard as another; 32**8 (about 10**12) values make a reference impractical to guess.
"""

import re
import secrets

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
REFERENCE_PREFIX = "NS"
REFERENCE_REGEX = r"^NS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$"
REFERENCE_LENGTH = len("NS-XXXX-XXXX")

# Characters a caller may say or type for a Crockford digit.
_LOOKALIKES = str.maketrans({"I": "1", "L": "1", "O": "0"})
_SEPARATORS = re.compile(r"[\s\-_.]")


def generate_reference() -> str:
    """A new random reference; uniqueness is the database's job (a unique constraint)."""
    body = "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{body[:4]}-{body[4:]}"


def normalise_reference(raw: str) -> str | None:
    """The canonical form of what a customer typed ("ns abcd efgh", "NSABCDEFGH", "abcd-efgh"), or None."""
    compact = _SEPARATORS.sub("", (raw or "").upper())
    if compact.startswith(REFERENCE_PREFIX) and len(compact) == 10:
        compact = compact[2:]
    compact = compact.translate(_LOOKALIKES)
    if len(compact) != 8 or any(char not in CROCKFORD_ALPHABET for char in compact):
        return None
    return f"{REFERENCE_PREFIX}-{compact[:4]}-{compact[4:]}"
