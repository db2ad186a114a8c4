"""Compile the translation catalogues (locale/<language>/LC_MESSAGES/django.po → django.mo) with
polib, pure Python: a fresh machine or the Docker image has no GNU gettext `msgfmt`.

`python -m config.compile_messages` (run by `make`, the Dockerfile and the test session). The .mo
files are build output, never committed: a .po edited and not compiled cannot go unnoticed.
"""

from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_catalogues(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write each catalogue's .mo when it is missing or older than its .po; return those written."""
    written = []
    for source in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        target = source.with_suffix(".mo")
        if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
            continue
        catalogue = polib.pofile(str(source))
        # Fuzzy entries are guesses gettext would skip; polib would not, so they are refused here.
        if fuzzy := catalogue.fuzzy_entries():
            raise ValueError(f"{source}: {len(fuzzy)} fuzzy entries, first {fuzzy[0].msgid!r}")
        catalogue.save_as_mofile(str(target))
        written.append(target)
    return written


if __name__ == "__main__":
    for path in compile_catalogues():
        print(f"Compiled {path.relative_to(LOCALE_DIR.parent)}")
