"""Our SMTP server for mail in (aiosmtpd): accepts mail for the complaints mailbox and hands each
message to `receive_email`, answering only once it is stored.

The answer is the mail server's instruction: 250 when the message is stored, 552 when it is too
large (never retried), 451 when it could not be stored now (the sender keeps it and retries), so
a message we have said yes to is never lost.
"""

import logging

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from complaints.inbound.receiving import MessageTooLarge, receive_email
from complaints.models import InboundEmail
from complaints.reply_addresses import is_inbound_address

logger = logging.getLogger(__name__)


class InboundHandler:
    async def handle_RCPT(self, server: SMTP, session: Session, envelope: Envelope, address: str, options):
        if not is_inbound_address(address):
            return "550 5.1.1 No such mailbox here: this server only takes mail for the complaints team"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope):
        try:
            received = await sync_to_async(_receive, thread_sensitive=True)(
                envelope.original_content or envelope.content, tuple(envelope.rcpt_tos)
            )
        except MessageTooLarge as error:
            return f"552 5.3.4 {error}"
        except Exception:
            logger.exception("An e-mail could not be stored; the sender was asked to try again")
            return "451 4.3.0 We could not take your message just now; please try again later"
        return f"250 2.0.0 Received (e-mail {received.pk})"


def _receive(raw: bytes, recipients: tuple[str, ...]) -> InboundEmail:
    close_old_connections()  # a connection the database dropped since the last message is replaced
    try:
        return receive_email(raw, received_via=InboundEmail.Via.SMTP, recipients=recipients)
    finally:
        close_old_connections()


def inbound_smtp_server(*, host: str, port: int) -> Controller:
    """A started-on-demand server (`.start()`, `.stop()`) on host:port."""
    return Controller(
        InboundHandler(),
        hostname=host,
        port=port,
        # Larger messages are refused with a 552 while they are sent, before we store a byte. The
        # count is of the data as sent, where each line's leading dot is doubled (a third more at
        # most): the exact limit is `receive_email`'s, on the message itself, also a 552.
        data_size_limit=settings.INBOUND_MAX_BYTES * 4 // 3 + 1024,
        server_hostname=settings.INBOUND_SMTP_HOSTNAME,
        ready_timeout=10,
    )
