"""One transaction per service call, however deeply services call each other."""

import functools
from contextvars import ContextVar

from django.db import transaction

_inside_a_service: ContextVar[bool] = ContextVar("inside_a_service", default=False)


def one_transaction(service):
    """Run a service in a transaction: its own, or the one of the service that called it.

    A service called by another joins the caller's transaction without a savepoint of its own
    (two round trips saved per call). Services refuse before they write, and a refusal inside an
    action undoes the whole action, which is what a refused action needs: nothing written. The
    outermost service keeps a savepoint when its caller is already in a transaction (the admin's
    change form, a test), so a refusal there leaves the caller's transaction usable.
    """

    @functools.wraps(service)
    def run(*args, **kwargs):
        nested = _inside_a_service.get()
        with transaction.atomic(savepoint=not nested):
            token = _inside_a_service.set(True)
            try:
                return service(*args, **kwargs)
            finally:
                _inside_a_service.reset(token)

    return run
