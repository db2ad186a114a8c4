"""Idempotency-Key on writes (as Stripe has it): the same key and request again within
IDEMPOTENCY_HOURS gets the first answer, not a second complaint; the same key with another request
is a 422. Keys are each API key's own."""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from integrations.models import ApiKey, IdempotentRequest

IDEMPOTENCY_HOURS = 24


class KeyReused(Exception):
    """The Idempotency-Key was sent before with another request."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict
    location: str = ""


def fingerprint(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


def earlier_answer(api_key: ApiKey, key: str, print_: str) -> Answer | None:
    """The answer already given to this request, None if there is none (or it is over a day old:
    then forgotten); KeyReused if the key came with another request."""
    earlier = IdempotentRequest.objects.filter(api_key=api_key, key=key).first()
    if earlier is None:
        return None
    if earlier.created_at < timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS):
        earlier.delete()
        return None
    if earlier.fingerprint != print_:
        raise KeyReused
    return Answer(earlier.status, earlier.body, earlier.location)


def answer_once(api_key: ApiKey, key: str, print_: str, act) -> tuple[Answer, bool]:
    """`act()` (which returns an Answer) and the record of its answer, in one transaction; if the
    same request raced this one and recorded first, this one's work is undone and that answer
    given. Returns the answer and whether it was replayed."""
    try:
        with transaction.atomic():
            answer = act()
            if 200 <= answer.status < 300:
                IdempotentRequest.objects.create(
                    api_key=api_key,
                    key=key,
                    fingerprint=print_,
                    status=answer.status,
                    body=json.loads(json.dumps(answer.body, default=str)),
                    location=answer.location,
                )
            return answer, False
    except IntegrityError:
        replayed = earlier_answer(api_key, key, print_)
        if replayed is None:
            raise
        return replayed, True


def forget_old_answers() -> int:
    """Answers past the retry window (they hold what was answered: the customer's details); hourly, by beat."""
    deleted, _ = IdempotentRequest.objects.filter(
        created_at__lt=timezone.now() - timedelta(hours=IDEMPOTENCY_HOURS)
    ).delete()
    return deleted
