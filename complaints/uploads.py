"""What a customer may attach, judged by a file's content, never by its name."""

import os
import unicodedata

from django.utils.translation import gettext, gettext_noop

MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ALLOWED_TYPES_LABEL = gettext_noop("PDF, PNG or JPEG")  # translated where shown

# The first bytes of each accepted format.
_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
)
_HEAD_BYTES = max(len(signature) for signature, _ in _SIGNATURES)


def sniff_content_type(uploaded_file) -> str | None:
    """The content type the file's first bytes prove, or None for anything we don't accept."""
    uploaded_file.seek(0)
    head = uploaded_file.read(_HEAD_BYTES)
    uploaded_file.seek(0)
    for signature, content_type in _SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def display_name(raw_name: str) -> str:
    """A file name safe to show and to offer as a download name: no path, no control characters."""
    name = os.path.basename((raw_name or "").replace("\\", "/"))
    name = "".join(char for char in name if unicodedata.category(char)[0] != "C").strip()
    return name[-150:] or "attachment"


def attachment_problems(files) -> list[str]:
    """Every reason the given files can't be accepted, each naming its file; empty when all is well."""
    problems = []
    if len(files) > MAX_ATTACHMENTS:
        problems.append(
            gettext("You can attach up to %(limit)d files; you chose %(count)d.")
            % {"limit": MAX_ATTACHMENTS, "count": len(files)}
        )
    for uploaded_file in files:
        name = display_name(uploaded_file.name)
        if uploaded_file.size > MAX_ATTACHMENT_BYTES:
            problems.append(
                gettext("“%(name)s” is larger than %(megabytes)d MB.")
                % {"name": name, "megabytes": MAX_ATTACHMENT_BYTES // (1024 * 1024)}
            )
        elif uploaded_file.size == 0:
            problems.append(gettext("“%(name)s” is empty.") % {"name": name})
        elif sniff_content_type(uploaded_file) is None:
            problems.append(
                gettext("“%(name)s” is not a %(types)s file.")
                % {"name": name, "types": gettext(ALLOWED_TYPES_LABEL)}
            )
    return problems
