"""Mail in from a mailbox: poll an IMAP mailbox over TLS and hand each new message to `receive_email`.

Nothing is read twice: the mailbox's UIDs are tracked (the last one read, under the mailbox's
UIDVALIDITY), so a message a person opened in a mail client is still read, and a message read
once is not read again; each is flagged \\Seen once stored, for anyone looking at the mailbox.
A message stored but not yet recorded as read (a crash in between) comes again and is stored
once, by its Message-ID.
"""

import imaplib
import logging
import re
import ssl
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote, urlsplit

from django.utils import timezone

from complaints.inbound.receiving import MessageTooLarge, receive_email
from complaints.models import InboundEmail, MailboxCursor

logger = logging.getLogger(__name__)

_INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')


@dataclass
class PollReport:
    read: int = 0
    too_large: int = 0


@dataclass(frozen=True)
class MailboxAddress:
    host: str
    port: int
    user: str
    password: str
    mailbox: str

    @classmethod
    def from_url(cls, url: str) -> "MailboxAddress":
        """`imaps://user:password@host:993/INBOX` (user and password URL-encoded)."""
        parts = urlsplit(url)
        if parts.scheme != "imaps":
            raise ValueError("INBOUND_IMAP_URL must start with imaps:// (IMAP over TLS).")
        return cls(
            host=parts.hostname or "",
            port=parts.port or 993,
            user=unquote(parts.username or ""),
            password=unquote(parts.password or ""),
            mailbox=unquote(parts.path.lstrip("/")) or "INBOX",
        )

    @property
    def name(self) -> str:
        return f"{self.user}@{self.host}:{self.port}/{self.mailbox}"


def poll_mailbox(*, url: str, ca_file: str | None = None, limit: int = 200) -> PollReport:
    """Read up to `limit` new messages from the mailbox, oldest first."""
    address = MailboxAddress.from_url(url)
    context = ssl.create_default_context(cafile=ca_file or None)
    report = PollReport()
    with imaplib.IMAP4_SSL(address.host, address.port, ssl_context=context, timeout=60) as client:
        client.login(address.user, address.password)
        _check(client.select(_quoted(address.mailbox)))
        uid_validity = int(client.response("UIDVALIDITY")[1][0])
        cursor, _ = MailboxCursor.objects.get_or_create(mailbox=address.name)
        if cursor.uid_validity != uid_validity:  # the mailbox was rebuilt: its UIDs start again
            cursor.uid_validity, cursor.last_uid = uid_validity, 0
        found = _check(client.uid("SEARCH", None, f"UID {cursor.last_uid + 1}:*"))
        # "n:*" always matches the newest message, even one below n: only the new ones.
        uids = sorted(uid for uid in map(int, found[0].split()) if uid > cursor.last_uid)[:limit]
        for uid in uids:
            raw, arrived = _fetch(client, uid)
            try:
                receive_email(raw, received_via=InboundEmail.Via.IMAP, received_at=arrived)
            except MessageTooLarge:
                # Left in the mailbox, flagged, for staff to read there.
                logger.warning("An e-mail in the mailbox is too large to take in", extra={"uid": uid})
                client.uid("STORE", str(uid), "+FLAGS", "(\\Flagged)")
                report.too_large += 1
            else:
                client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
                report.read += 1
            cursor.last_uid = uid
            cursor.save()
        cursor.polled_at = timezone.now()
        cursor.save()
    return report


def _fetch(client: imaplib.IMAP4, uid: int) -> tuple[bytes, datetime | None]:
    data = _check(client.uid("FETCH", str(uid), "(INTERNALDATE BODY.PEEK[])"))
    envelope, raw = next((item for item in data if isinstance(item, tuple)), (b"", b""))
    found = _INTERNALDATE.search(envelope)
    arrived = None
    if found:
        # When the mailbox received it: the moment the message reached us.
        arrived = datetime.strptime(found.group(1).decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    return raw, arrived


def _check(response):
    status, data = response
    if status != "OK":
        raise imaplib.IMAP4.error(f"The mail server answered {status}: {data!r}")
    return data


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'
