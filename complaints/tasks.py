"""Celery tasks of complaints. Thin: each calls one function."""

from celery import shared_task
from django.conf import settings

from complaints.inbound.imap import poll_mailbox


@shared_task(ignore_result=True)
def poll_inbound_mailbox_task() -> dict:
    """Read new messages from the IMAP mailbox (INBOUND_IMAP_URL), if there is one."""
    if not settings.INBOUND_IMAP_URL:
        return {}
    report = poll_mailbox(url=settings.INBOUND_IMAP_URL, ca_file=settings.INBOUND_IMAP_CA_FILE)
    return {"read": report.read, "too_large": report.too_large}
