"""Delivery of one webhook: the work of the delivery task, kept apart so the task stays thin.

As the e-mail outbox (notifications/delivery.py) does it, in three short steps, none holding a lock
while the receiver is asked:

1. claim: lock the row, check it is waiting and due, mark it SENDING with the attempt's number, commit;
2. POST, outside any transaction, signed afresh (integrations/webhooks.py), with a timeout, following
   no redirect, to an address checked to be public (a webhook must not reach into our own network);
3. record: DELIVERED on a 2xx answer; otherwise WAITING with the next try's time (exponential
   backoff), and FAILED after WEBHOOK_ATTEMPTS tries, for a manager to send again from the admin.

A worker killed between the receiver's answer and step 3 leaves the row SENDING; after
WEBHOOK_SENDING_STALE the requeue takes it back and it is sent again with the same event id. That
is the only way an event is delivered twice once answered with a 2xx: delivery is at least once.
"""

import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

import urllib3
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations.models import WebhookDelivery
from integrations.webhooks import signed_headers

logger = logging.getLogger(__name__)


class DeliveryFailed(Exception):
    """The receiver did not take the event; the task tries again when it is due."""

    def __init__(self, error: str, *, retry_at: datetime):
        super().__init__(error)
        self.retry_at = retry_at


class AddressRefused(Exception):
    """The endpoint's address is not one a webhook may reach: a mistake, not a passing failure."""


def retry_gap(attempts: int) -> timedelta:
    """WEBHOOK_FIRST_RETRY, then twice as long after each failure, at most WEBHOOK_LONGEST_RETRY."""
    doublings = min(max(attempts - 1, 0), 64)  # in floating seconds: no overflow, however set
    seconds = settings.WEBHOOK_FIRST_RETRY.total_seconds() * 2.0**doublings
    return timedelta(seconds=min(seconds, settings.WEBHOOK_LONGEST_RETRY.total_seconds()))


@dataclass(frozen=True)
class Claim:
    delivery: WebhookDelivery | None
    send: bool


def deliver(*, delivery_id: int) -> WebhookDelivery | None:
    claim = _claim(delivery_id)
    if not claim.send:
        return claim.delivery
    delivery = claim.delivery
    try:
        status = post(delivery.endpoint.url, delivery.body.encode(), signed_headers(delivery))
    except AddressRefused as refused:
        return _record(delivery, status=None, error=str(refused), give_up=True)
    except Exception as error:  # a refused connection, a timeout, a TLS failure: try again later
        return _record(delivery, status=None, error=f"{type(error).__name__}: {error}")
    if 200 <= status < 300:
        return _record(delivery, status=status)
    return _record(delivery, status=status, error=f"The receiver answered HTTP {status}.")


@transaction.atomic
def _claim(delivery_id: int) -> Claim:
    delivery = (
        WebhookDelivery.objects.select_for_update(of=("self",))
        .select_related("endpoint")
        .filter(pk=delivery_id)
        .first()
    )
    now = timezone.now()
    if delivery is None or delivery.status != WebhookDelivery.Status.PENDING:
        return Claim(delivery, send=False)
    if delivery.next_attempt_at and delivery.next_attempt_at > now + timedelta(seconds=1):
        return Claim(delivery, send=False)  # an early task: the row's own retry is still to come
    if not delivery.endpoint.active:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.last_error = "The endpoint is switched off."
        delivery.next_attempt_at = None
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
        return Claim(delivery, send=False)
    delivery.status = WebhookDelivery.Status.SENDING
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.save(update_fields=["status", "attempts", "last_attempt_at"])
    return Claim(delivery, send=True)


def _record(delivery: WebhookDelivery, *, status: int | None, error: str = "", give_up: bool = False):
    now = timezone.now()
    with transaction.atomic():
        delivery = WebhookDelivery.objects.select_for_update().select_related("endpoint").get(pk=delivery.pk)
        delivery.last_status_code = status
        delivery.last_error = error[:2000]
        if not error:
            delivery.status = WebhookDelivery.Status.DELIVERED
            delivery.delivered_at = now
            delivery.next_attempt_at = None
        elif give_up or delivery.attempts >= settings.WEBHOOK_ATTEMPTS:
            delivery.status = WebhookDelivery.Status.FAILED
            delivery.next_attempt_at = None
        else:
            delivery.status = WebhookDelivery.Status.PENDING
            delivery.next_attempt_at = now + retry_gap(delivery.attempts)
        delivery.save(
            update_fields=["status", "last_status_code", "last_error", "delivered_at", "next_attempt_at"]
        )
    if error:
        # A delivery given up on is an error (error reporting hears of it); a retry to come is not.
        failed = delivery.status == WebhookDelivery.Status.FAILED
        logger.log(
            logging.ERROR if failed else logging.WARNING,
            "Webhook %s (%s for %s) to endpoint %s failed, attempt %s%s: %s",
            delivery.event_id,
            delivery.event_type,
            delivery.reference,
            delivery.endpoint_id,
            delivery.attempts,
            ", given up: a manager can send it again" if failed else "",
            delivery.last_error,
        )
    if delivery.status == WebhookDelivery.Status.PENDING:
        raise DeliveryFailed(delivery.last_error, retry_at=delivery.next_attempt_at)
    return delivery


# --- The POST ----------------------------------------------------------------------------------------


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST to `url` at an address checked first and connected to as checked (a name that resolves
    elsewhere a moment later cannot redirect it), following no redirect; the answer's status."""
    parts = urllib3.util.parse_url(url)
    host = (parts.host or "").strip("[]")
    https = parts.scheme == "https"
    if not https and not (parts.scheme == "http" and settings.WEBHOOK_ALLOW_HTTP):
        raise AddressRefused("Only https:// addresses are reached (WEBHOOK_ALLOW_HTTP is off).")
    port = parts.port or (443 if https else 80)
    address = public_address(host, port)
    timeout = urllib3.Timeout(connect=settings.WEBHOOK_TIMEOUT_SECONDS, read=settings.WEBHOOK_TIMEOUT_SECONDS)
    options = {"timeout": timeout, "retries": False, "maxsize": 1}
    if https:
        pool = urllib3.HTTPSConnectionPool(
            address, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", **options
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, **options)
    named = f"[{host}]" if ":" in host else host  # an IPv6 address is bracketed in a Host header
    default_port = port == (443 if https else 80)
    headers = {**headers, "Host": named if default_port else f"{named}:{port}"}
    with pool:  # closed after the answer's status: its body is never read
        response = pool.urlopen(
            "POST",
            parts.request_uri,
            body=body,
            headers=headers,
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
    return response.status


def public_address(host: str, port: int) -> str:
    """The address to connect to; AddressRefused if any of the name's addresses is not public (our own network, loopback, link-local cloud metadata), unless settings allow it."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)  # a failure is tried again later
    addresses = [info[4][0] for info in found]
    for address in addresses:
        if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and not is_public(address):
            raise AddressRefused(f"{host} resolves to {address}, which is not a public address.")
    return addresses[0]


# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64, IPv4-compatible and
# IPv4-translated): through a gateway they reach that IPv4 address, which is what is checked.
NAT64 = ipaddress.ip_network("64:ff9b::/96")
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if ip.version == 6:
        if ip.is_site_local or ip in LOCAL_NAT64 or ip.teredo:
            return False
        carried = ip.ipv4_mapped or ip.sixtofour
        if carried is None and any(ip in prefix for prefix in (NAT64, IPV4_COMPATIBLE, IPV4_TRANSLATED)):
            carried = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if carried is not None:
            ip = carried
    return ip.is_global and not ip.is_multicast


# --- Upkeep --------------------------------------------------------------------------------------


def take_back_interrupted_sends(*, now: datetime | None = None) -> int:
    """Rows left SENDING longer than an attempt can take: their worker died mid-send. They wait
    again, and the requeue sends them (again, if the receiver had answered: same event id)."""
    stale = (now or timezone.now()) - settings.WEBHOOK_SENDING_STALE
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, last_attempt_at__lt=stale
    ).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=None)


def forget_old_deliveries(*, now: datetime | None = None) -> int:
    """Delivered and failed rows older than WEBHOOK_KEEP_DAYS (their bodies are references and states)."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.WEBHOOK_KEEP_DAYS)
    deleted, _ = WebhookDelivery.objects.filter(
        status__in=(WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED), created_at__lt=cutoff
    ).delete()
    return deleted
