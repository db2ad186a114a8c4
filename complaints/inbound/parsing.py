"""Reading one e-mail (RFC 5322 bytes) into what the portal needs of it. Pure: no database.

Mail in the wild is malformed often enough that nothing here may raise: a header that cannot be
parsed is read raw, a charset Python does not know is read as UTF-8 with replacements, and
what could not be read is listed in `problems` for the staff who look at it.
"""

import base64
import binascii
import contextlib
import email
import email.errors
import email.parser
import email.policy
import email.utils
import functools
import quopri
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage, Message
from html.parser import HTMLParser

from mailparser_reply import EmailReplyParser


class _EmailPolicy(email.policy.EmailPolicy):
    """The standard policy, reading each part's MIME headers once: the standard library asks for a
    part's Content-Type thirty-odd times a message (each a full parse: half of reading a message)."""

    def header_fetch_parse(self, name, value):
        if name.lower() in _MIME_HEADERS and isinstance(value, str):
            return _mime_header(self, name, value)
        return super().header_fetch_parse(name, value)


_MIME_HEADERS = {"content-type", "content-disposition", "content-transfer-encoding"}


@functools.lru_cache(maxsize=256)  # MIME headers only: no personal data kept between messages
def _mime_header(policy, name, value):
    return email.policy.EmailPolicy.header_fetch_parse(policy, name, value)


_POLICY = _EmailPolicy()

# Languages whose "On … wrote:" and "From: … Sent: …" lines the quote remover knows.
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl"]
_REPLY_PARSER = EmailReplyParser(languages=REPLY_LANGUAGES)

_MESSAGE_ID = re.compile(r"<[^<>\s]+>")
_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_SYSTEM_SENDERS = {"mailer-daemon", "postmaster", "noreply", "no-reply", "donotreply", "do-not-reply"}


@dataclass(frozen=True)
class EmailFile:
    """A part of the message that is a file: an attachment, an inline image, a forwarded e-mail."""

    name: str
    declared_type: str
    content: bytes


@dataclass
class ParsedEmail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    sender: str = ""
    sender_name: str = ""
    subject: str = ""
    recipients: list[str] = field(default_factory=list)
    sent_at: datetime | None = None
    automatic: str = ""  # why this is an automatic message (auto-reply, bounce, list), or ""
    # (server, DMARC result) from each Authentication-Results header: which server's to trust is
    # the receiver's choice (only our own mail server's, which removes any the sender wrote)
    dmarc_results: list[tuple[str, str]] = field(default_factory=list)
    text: str = ""  # the whole text, as sent
    reply_text: str = ""  # the new text only: quoted history and signature removed
    files: list[EmailFile] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # everything the parser noticed, for staff
    doubts: list[str] = field(default_factory=list)  # what may have been read wrongly: staff look first

    def doubt(self, problem: str) -> None:
        self.problems.append(problem)
        self.doubts.append(problem)

    @property
    def thread_ids(self) -> list[str]:
        """The Message-IDs this message answers, nearest first (the nearest 20: a thread's
        References can be long, and what it answers is at its end)."""
        return [*self.in_reply_to, *reversed(self.references)][:20]


def parse_email(raw: bytes) -> ParsedEmail:
    """Everything the portal reads from one message; never raises for a malformed one."""
    try:
        return _parse(email.message_from_bytes(raw, policy=_POLICY))
    except RecursionError:  # parts nested thousands deep: the headers, and the rest as text
        parsed = _parse(email.parser.BytesHeaderParser(policy=_POLICY).parsebytes(raw))
        parsed.doubt("Its parts are nested too deeply to follow; the text is shown as sent.")
        return parsed


def _parse(message: Message) -> ParsedEmail:
    parsed = ParsedEmail()
    defects = _defects(message)
    parsed.problems.extend(text for _, text in defects)
    parsed.doubts.extend(text for defect, text in defects if isinstance(defect, _STRUCTURE_DEFECTS))
    parsed.message_id = _first_message_id(_header(message, "Message-ID", parsed))
    parsed.in_reply_to = _MESSAGE_ID.findall(_header(message, "In-Reply-To", parsed))
    parsed.references = _MESSAGE_ID.findall(_header(message, "References", parsed))
    parsed.sender_name, parsed.sender = _sender(message, parsed)
    parsed.subject = " ".join(_header(message, "Subject", parsed).split())[:300]
    parsed.recipients = [
        address
        for name in ("To", "Cc", "Delivered-To", "X-Original-To")
        for _, address in _addresses(_header(message, name, parsed), name, parsed)
        if address
    ]
    parsed.sent_at = _date(_header(message, "Date", parsed))
    parsed.automatic = _automatic(message, parsed)
    parsed.dmarc_results = [
        _dmarc_result(str(value))
        for key, value in message.raw_items()
        if key.lower() == "authentication-results"
    ][:10]
    body, parsed.files = _body_and_files(message, parsed)
    parsed.text = body.strip()
    parsed.reply_text = _new_text(parsed.text)
    return parsed


MAX_HEADER_CHARACTERS = 8_000  # Python's header parser slows down faster than a header grows


def _header(message: Message, name: str, parsed: ParsedEmail) -> str:
    return _header_text(message, name, parsed).replace("\x00", "")  # PostgreSQL stores no NUL


def _header_text(message: Message, name: str, parsed: ParsedEmail) -> str:
    as_sent = next((str(value) for key, value in message.raw_items() if key.lower() == name.lower()), "")
    try:
        if len(as_sent) > MAX_HEADER_CHARACTERS:
            parsed.doubt(
                f"The {name} header is too long ({len(as_sent):,} characters); only its start is read."
            )
            text = str(message.policy.header_fetch_parse(name, as_sent[:MAX_HEADER_CHARACTERS]))
        else:
            text = str(message.get(name, "") or "")
    except Exception:  # a header the parser cannot read is read raw instead
        parsed.doubt(f"The {name} header could not be read; it is kept as sent.")
        return as_sent.encode("ascii", "replace").decode()
    if "\ufffd" in text and _has_undeclared_8_bit(as_sent):
        # Bytes outside ASCII that are not UTF-8 (Latin-1, say): the name or subject is not as sent.
        parsed.doubt(f"The {name} header has characters in an undeclared character set.")
    return text


def _has_undeclared_8_bit(as_sent: str) -> bool:
    return any("\udc80" <= character <= "\udcff" for character in as_sent)


def _addresses(value: str, name: str, parsed: ParsedEmail) -> list[tuple[str, str]]:
    try:
        return email.utils.getaddresses([value])
    except RecursionError:  # comments nested thousands deep
        parsed.doubt(f"The {name} header is nested too deeply to read.")
        return []


def _defects(message: Message) -> list[tuple[Exception, str]]:
    return [
        (defect, f"{type(defect).__name__}: {defect}".rstrip(": "))
        for part in _walk(message)
        for defect in part.defects
    ][:20]


# Defects after which the parts, and so the text, may not be what the sender wrote (others, such as
# base64 padding, are mended by the parser without loss).
_STRUCTURE_DEFECTS = (
    email.errors.NoBoundaryInMultipartDefect,
    email.errors.StartBoundaryNotFoundDefect,
    email.errors.CloseBoundaryNotFoundDefect,
    email.errors.MultipartInvariantViolationDefect,
    email.errors.MissingHeaderBodySeparatorDefect,
    email.errors.FirstHeaderLineIsContinuationDefect,
)


def _first_message_id(value: str) -> str:
    found = _MESSAGE_ID.search(value)
    return found.group(0)[:500] if found else ""


def _sender(message: Message, parsed: ParsedEmail) -> tuple[str, str]:
    try:
        return _one_sender(message, parsed)
    except RecursionError:  # comments nested thousands deep
        parsed.doubt("The From header is nested too deeply to read.")
        return "", ""


def _one_sender(message: Message, parsed: ParsedEmail) -> tuple[str, str]:
    # The header as sent and as the policy read it (names decoded) must agree: the policy mends a
    # header it cannot parse, so its reading alone could hide a second address.
    as_sent = [str(value) for key, value in message.raw_items() if key.lower() == "from"]
    if len(as_sent) != 1:
        return "", ""  # none, or two From headers: which one a mail server checked is anyone's guess
    name, address = sender_of(_header(message, "From", parsed))
    if address and sender_of(" ".join(as_sent[0].split()))[1] != address:
        return "", ""
    return name, address


def sender_of(from_header: str) -> tuple[str, str]:
    """The sender's name and address, or ("", "") unless the header names one address that every
    reader agrees on. Mail servers check a sender's domain (SPF, DMARC) on their own reading of From:
    a header one parser reads as `jane@example.com` and another as `mallory@evil.example`
    (`jane@example.com <mallory@evil.example>`, two addresses, stray brackets) is how a check of
    "is this the customer's address?" is fooled, so it names no one."""
    pairs = [(name, address) for name, address in email.utils.getaddresses([from_header]) if name or address]
    if len(pairs) != 1:
        return "", ""
    name, address = pairs[0]
    if not _PLAIN_ADDRESS.fullmatch(address) or email.utils.parseaddr(from_header)[1] != address:
        return "", ""
    if "@" in name:
        name = ""  # an address shown as the name is a disguise, not a name
    # Lower case: one sender however they write it (no provider tells JANE@ from jane@).
    return " ".join(name.split())[:200], address[:254].lower()


_PLAIN_ADDRESS = re.compile(r"[^\s@<>()\[\],;:\\\"]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def _dmarc_result(header: str) -> tuple[str, str]:
    """RFC 8601: `authserv-id [version]; method=result [properties]; …`: the server's name and the
    result of its "dmarc" method ("" if none). Only a clause's method counts: `dmarc=pass` written in
    a property or a comment (smtp.mailfrom=dmarc=pass@…) is the sender's text, not a result."""
    text = _without_comments(" ".join(header.split()))
    server_part, *clauses = text.split(";")
    server = (server_part.split() or [""])[0].lower()
    if "(" in text or ")" in text:
        return server, ""  # comments nested too deep to tell from results: no result read
    for clause in clauses:
        method, _, rest = clause.strip().partition("=")
        if method.strip().lower() == "dmarc":
            return server, (rest.split() or [""])[0].lower()
    return server, ""


_COMMENT = re.compile(r"\([^()]*\)")


def _without_comments(text: str) -> str:
    for _ in range(20):  # nested comments, innermost first; deeper nesting is left (and distrusted)
        text, found = _COMMENT.subn(" ", text)
        if not found:
            break
    return text


def _date(value: str) -> datetime | None:
    try:
        sent = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return sent if sent.tzinfo else None


def _automatic(message: Message, parsed: ParsedEmail) -> str:
    """Why this message was sent by a machine (RFC 3834, DSN, mailing lists), or ""."""
    auto_submitted = _header(message, "Auto-Submitted", parsed).strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _header(message, "Precedence", parsed).strip().lower()
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Reply"):
        if _header(message, name, parsed):
            return f"{name} header"
    if _header(message, "List-Id", parsed) or _header(message, "List-Unsubscribe", parsed):
        return "sent through a mailing list"
    content_type = message.get_content_type()
    if content_type == "multipart/report" or any(
        part.get_content_type() in ("message/delivery-status", "message/disposition-notification")
        for part in _walk(message)
    ):
        return "a delivery or read report"
    if parsed.sender.partition("@")[0].lower() in _SYSTEM_SENDERS:
        return f"sent by a system address ({parsed.sender})"
    return ""


def _walk(message: Message):
    """Every part, without descending into forwarded messages (those are files of their own)."""
    yield message
    if message.get_content_type() == "message/rfc822":
        return
    if message.is_multipart():
        for part in message.get_payload():
            if isinstance(part, Message):
                yield from _walk(part)


def _body_and_files(message: Message, parsed: ParsedEmail) -> tuple[str, list[EmailFile]]:
    body_part = _body_part(message)
    text = ""
    if body_part is not None:
        text = _text_of(body_part, parsed)
        if body_part.get_content_type() == "text/html":
            text = html_to_text(text)
    if body_part is None and isinstance(message.get_payload(), str):
        # A multipart whose boundary is missing or wrong: its body is what can be read of it.
        parsed.doubt("Its parts could not be told apart; the text is shown as sent.")
        text = (message.get_payload(decode=True) or b"").decode("utf-8", errors="replace")
        return text, []
    files = []
    for part in _walk(message):
        if part is body_part or part.get_content_maintype() == "multipart":
            continue
        content_type = part.get_content_type()
        filename = _filename(part, parsed)
        if content_type in ("text/plain", "text/html") and not filename:
            continue  # another version of the body (the HTML beside the plain text)
        if content_type in ("message/delivery-status", "message/disposition-notification"):
            continue
        files.append(
            EmailFile(
                name=filename or _made_up_name(content_type, len(files) + 1),
                declared_type=content_type,
                content=_bytes_of(part),
            )
        )
    return text, files


def _body_part(message: Message) -> Message | None:
    if isinstance(message, EmailMessage):
        with contextlib.suppress(Exception):  # a structure get_body cannot follow: the first text part
            return message.get_body(preferencelist=("plain", "html"))
    return next((part for part in _walk(message) if part.get_content_maintype() == "text"), None)


def _text_of(part: Message, parsed: ParsedEmail) -> str:
    try:
        text = part.get_content()
    except Exception:  # an unknown or lying charset: read as UTF-8, keeping every character we can
        parsed.doubt(
            f"The text's character set ({part.get_content_charset()}) could not be used; read as UTF-8."
        )
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")
    if "\ufffd" in text and b"\xef\xbf\xbd" not in (part.get_payload(decode=True) or b""):
        # Bytes the declared charset has no character for (Latin-1 sent as UTF-8): not as written.
        parsed.doubt(
            f"The text is not in the character set it declares ({part.get_content_charset()}); "
            "some characters could not be read."
        )
    return text


def _bytes_of(part: Message) -> bytes:
    if part.get_content_type() != "message/rfc822":
        return part.get_payload(decode=True) or b""
    inner = part.get_payload()
    inner = inner[0] if isinstance(inner, list) and inner else inner
    if not isinstance(inner, Message):
        return b""
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if encoding in ("base64", "quoted-printable"):
        # Encoded against the rules for a forwarded message (some programs do): the parser took
        # the encoded text for the message; decode it back.
        encoded = inner.as_bytes().strip()
        with contextlib.suppress(ValueError, binascii.Error):
            return base64.b64decode(encoded) if encoding == "base64" else quopri.decodestring(encoded)
    return inner.as_bytes()


def _filename(part: Message, parsed: ParsedEmail) -> str:
    try:
        name = part.get_filename() or ""
    except Exception:  # an undecodable file name: the file is kept, under a made-up name
        parsed.doubt("A file name could not be read.")
        return ""
    if "\ufffd" in name:
        parsed.doubt("A file name is not in the character set it declares.")
    return name


def _made_up_name(content_type: str, number: int) -> str:
    extension = {
        "image/png": "png",
        "image/jpeg": "jpg",
        "application/pdf": "pdf",
        "message/rfc822": "eml",
    }.get(content_type, "bin")
    return f"part-{number}.{extension}"


QUOTE_REMOVER_CHARACTERS = 20_000  # the new text is at the top; the history it quotes, below
QUOTE_REMOVER_LINES = 400
QUOTE_REMOVER_LINE = 1_000  # its patterns take time growing with the square of a line's length
_BROKEN = "\ue000"  # marks a line broken for the quote remover (a private-use character), joined after


def _new_text(text: str) -> str:
    """The reply without the history it quotes or the signature under it (the whole text if
    nothing is left, so a reply is never empty because the parser took too much).

    mail-parser-reply takes time growing with the square of a line's length and of the number of
    blank lines, so it reads a bounded text: trailing spaces and runs of blank lines removed, the
    first 400 lines, long lines broken (and joined again in what it returns)."""
    try:
        replies = _REPLY_PARSER.read(text=_for_the_quote_remover(text)).replies
    except Exception:  # the parser is a heuristic: its failure is not the message's
        return text
    newest = replies[0] if replies else None
    reply = (
        ((newest.body or newest.content) if newest else "").replace(_BROKEN + "\n", "").replace(_BROKEN, "")
    )
    return reply.strip() or text


def _for_the_quote_remover(text: str) -> str:
    lines, blank = [], False
    for line in text[: QUOTE_REMOVER_CHARACTERS * 2].split("\n"):
        line = line.rstrip()
        if not line and blank:
            continue
        blank = not line
        while len(line) > QUOTE_REMOVER_LINE:
            cut = line.rfind(" ", 0, QUOTE_REMOVER_LINE - 1) + 1 or QUOTE_REMOVER_LINE - 1
            lines.append(line[:cut] + _BROKEN)
            line = line[cut:]
        lines.append(line)
        if len(lines) >= QUOTE_REMOVER_LINES:
            break
    return "\n".join(lines[:QUOTE_REMOVER_LINES])[:QUOTE_REMOVER_CHARACTERS]


class _TextExtractor(HTMLParser):
    """HTML to plain text: the words and line breaks only; scripts, styles and markup dropped."""

    BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "hr"}
    HIDDEN = {"script", "style", "head", "title"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        elif tag in self.BLOCKS:
            self.pieces.append("\n")

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag in self.BLOCKS:
            self.pieces.append("\n")

    def handle_data(self, data):
        if not self.hidden_depth:
            self.pieces.append(re.sub(r"\s+", " ", data))


_UNCLOSED_TAG = re.compile(r"<(?![^<>]*>)")


def html_to_text(html: str) -> str:
    """The text of an HTML-only e-mail, never its markup: what staff and the customer see is text."""
    extractor = _TextExtractor()
    with contextlib.suppress(Exception):  # broken markup: what was read so far
        # A "<" that opens no tag is text: the standard parser looks ahead for each unclosed one
        # (time growing with the square of their number: 8 s for 10,000).
        extractor.feed(_UNCLOSED_TAG.sub("&lt;", html))
        extractor.close()
    text = "".join(extractor.pieces)
    lines = [line.strip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
