"""The reply address on every e-mail we send about a complaint: `complaints+NS-XXXX-XXXX.<tag>@…`.

The tag is an HMAC of the reference under the site's secret key, so an address cannot be made
up for someone else's complaint: a reference alone is not a secret (it is on letters and in
subject lines), the signed address is.
"""

import secrets
from email.utils import parseaddr

from django.conf import settings
from django.utils.crypto import salted_hmac

from complaints.references import normalise_reference

_SALT = "complaints.inbound.reply-address"
_TAG_LENGTH = 16  # hex digits: 64 bits


def reply_address(reference: str) -> str:
    """The address a reply about this complaint should go to."""
    local, domain = _inbound_mailbox()
    return f"{local}+{reference}.{_tag(reference)}@{domain}"


def reference_in_address(address: str) -> str | None:
    """The complaint reference a reply address carries, if its tag is ours; else None."""
    local, _, _domain = parseaddr(address)[1].rpartition("@")
    mailbox, plus, extension = local.partition("+")
    if not plus or mailbox.lower() != _inbound_mailbox()[0].lower():
        return None
    reference_text, _, tag = extension.rpartition(".")
    reference = normalise_reference(reference_text)
    if reference is None:
        return None
    # Addresses sent before the secret key was rotated still work while the old key is a fallback.
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    if not any(secrets.compare_digest(tag.lower().encode(), _tag(reference, key).encode()) for key in keys):
        return None
    return reference


def is_inbound_address(address: str) -> bool:
    """Whether mail to this address is for us: the complaints mailbox, with or without a tag, at any
    of our domains (a local test sends to complaints@localhost)."""
    local = parseaddr(address)[1].rpartition("@")[0]
    return local.partition("+")[0].lower() == _inbound_mailbox()[0].lower()


def is_our_own_address(address: str) -> bool:
    """Whether mail is from us: the complaints mailbox at its own domain (tagged or not), or the
    address we send from. A customer's complaints@their-company is theirs."""
    local, _, domain = parseaddr(address)[1].lower().rpartition("@")
    our_local, our_domain = (part.lower() for part in _inbound_mailbox())
    if local.partition("+")[0] == our_local and domain == our_domain:
        return True
    return parseaddr(address)[1].lower() == parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()


def is_reply_address(address: str) -> bool:
    """Whether this is meant as one of our reply addresses (the complaints mailbox with a tag),
    whether or not the tag verifies."""
    local = parseaddr(address)[1].rpartition("@")[0]
    mailbox, plus, _extension = local.partition("+")
    return bool(plus) and mailbox.lower() == _inbound_mailbox()[0].lower()


def _tag(reference: str, secret: str | None = None) -> str:
    return salted_hmac(_SALT, reference, secret=secret, algorithm="sha256").hexdigest()[:_TAG_LENGTH]


def _inbound_mailbox() -> tuple[str, str]:
    local, _, domain = parseaddr(settings.INBOUND_EMAIL_ADDRESS)[1].rpartition("@")
    return local, domain
