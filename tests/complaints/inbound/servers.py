"""Our SMTP server for mail in, run as `manage.py run_inbound_smtp` on a free port against the test database."""

import os
import smtplib
import subprocess
import sys
from contextlib import contextmanager

from django.conf import settings

from tests.conftest import free_port, wait_for


def run_environment(database_url) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        # Mail is queued in the outbox (the test reads its rows); the process sends none.
        "EMAIL_URL": "dummymail://",
        "CELERY_TASK_ALWAYS_EAGER": "0",
    }


@contextmanager
def inbound_smtp(database_url, env=None):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_inbound_smtp", "--port", str(port)],
        cwd=settings.BASE_DIR,
        env={**run_environment(database_url), **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(lambda: _answers(port) or process.poll() is not None, timeout=30)
        assert process.poll() is None, process.stdout.read().decode()
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _answers(port) -> bool:
    try:
        with smtplib.SMTP("127.0.0.1", port, timeout=2) as client:
            client.noop()
    except OSError:
        return False
    return True
