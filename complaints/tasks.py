"""Celery tasks of complaints. Thin: each calls one function."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from complaints.inbound.imap import poll_mailbox
from complaints.inbound.receiving import forget_old_emails_on_no_complaint
from complaints.needs_register import send_reviews_due


@shared_task(ignore_result=True)
def poll_inbound_mailbox_task() -> dict:
    """Read new messages from the IMAP mailbox (INBOUND_IMAP_URL), if there is one."""
    if not settings.INBOUND_IMAP_URL:
        return {}
    report = poll_mailbox(url=settings.INBOUND_IMAP_URL, ca_file=settings.INBOUND_IMAP_CA_FILE)
    return {"read": report.read, "too_large": report.too_large}


@shared_task(ignore_result=True)
def forget_old_emails_task() -> dict:
    """Dropped and discarded e-mails on no complaint are emptied after INBOUND_KEEP_UNMATCHED_DAYS."""
    cutoff = timezone.now() - timedelta(days=settings.INBOUND_KEEP_UNMATCHED_DAYS)
    return {"emptied": forget_old_emails_on_no_complaint(received_before=cutoff)}


@shared_task(ignore_result=True)
def list_needs_reviews_due_task() -> dict:
    """Send the team the needs records due for review (once a day, whatever the schedule)."""
    return {"due": send_reviews_due(timezone.localdate())}
