"""Celery tasks of the API. Thin: each calls one function."""

from celery import shared_task

from integrations.idempotency import forget_old_answers


@shared_task
def forget_idempotent_answers_task() -> int:
    return forget_old_answers()
