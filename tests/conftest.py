"""Shared fixtures: which services the run uses, a clean cache, files in a temporary folder."""

import email
import email.policy
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from config.celery import app as celery_app
from config.compile_messages import compile_catalogues
from escalation.working_days import forget_working_calendars
from tests.detect_services import REDIS_BROKER_URL


def pytest_configure(config):
    """`make test` compiles the Welsh catalogue; a bare `pytest` on a fresh clone does it here, before
    any page asks Django for a translation."""
    compile_catalogues()


def pytest_report_header(config):
    database = settings.DATABASES["default"]
    broker = settings.CELERY_BROKER_URL
    kind = "the real PostgreSQL" if database["ENGINE"].endswith("postgresql") else "SQLite (fallback)"
    broker_kind = "the real Redis" if broker.startswith("redis") else "the filesystem transport (fallback)"
    return [
        f"database: {kind} – {database['ENGINE'].rsplit('.', 1)[-1]} {database.get('HOST') or database['NAME']}",
        f"broker: {broker_kind} – {broker}",
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}",
    ]


@pytest.fixture(scope="session", autouse=True)
def _plain_http_for_the_test_servers():
    """The test client and live server speak plain HTTP. Production's redirect to HTTPS (and HSTS)
    is checked by `manage.py check --deploy` in tests/test_deployment.py instead."""
    previous = settings.SECURE_SSL_REDIRECT
    settings.SECURE_SSL_REDIRECT = False
    yield
    settings.SECURE_SSL_REDIRECT = previous


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()


@pytest.fixture(autouse=True)
def _fresh_working_calendars():
    """Calendar adjustments a test writes are rolled back; so is the calendar cached from them."""
    forget_working_calendars()
    yield
    forget_working_calendars()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run in-process unless a test asks for the broker (see `real_broker`)."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def real_broker():
    """Send tasks to the configured broker (Redis, or the filesystem transport) instead of running them inline."""
    celery_app.conf.task_always_eager = False  # the autouse `_celery_eager` fixture restores it
    return settings.CELERY_BROKER_URL


@pytest.fixture
def database_url() -> str:
    """A URL for the test database, for processes the test starts (a Celery worker)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return (
        f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
    )


@dataclass
class WorkerProcess:
    mail_dir: Path
    log_path: Path
    process: subprocess.Popen

    def sent_mail(self) -> list[EmailMessage]:
        """The messages the worker wrote through Django's file-based e-mail backend, parsed."""
        separator = "-" * 79
        raw = "".join(path.read_text() for path in sorted(self.mail_dir.glob("*")))
        chunks = [chunk.strip() for chunk in raw.split(separator) if chunk.strip()]
        return [email.message_from_string(chunk, policy=email.policy.default) for chunk in chunks]


@pytest.fixture
def celery_worker_process(transactional_db, real_broker, database_url, tmp_path):
    """A real `celery worker` process on the configured broker and the test database.

    E-mail goes to files (EMAIL_URL=filemail://…) so a test can read what the worker sent.
    """
    with _celery_worker(database_url=database_url, tmp_path=tmp_path) as worker:
        yield worker


@pytest.fixture
def celery_worker_with_beat(transactional_db, real_broker, database_url, tmp_path):
    """A real worker with an embedded beat that runs the deadline sweep every second."""
    with _celery_worker(
        database_url=database_url,
        tmp_path=tmp_path,
        beat=True,
        env={"DEADLINE_SWEEP_SECONDS": "1", "DEADLINE_DIGEST_HOUR": "24"},  # no digest in the test
    ) as worker:
        yield worker


@pytest.fixture
def start_celery_worker(transactional_db, real_broker, database_url, tmp_path):
    """Start real workers with a test's own settings: `with start_celery_worker(env=…, pool=…):`."""

    def start(*, name="worker", **options):
        return _celery_worker(database_url=database_url, tmp_path=tmp_path / name, **options)

    return start


@contextmanager
def _celery_worker(*, database_url, tmp_path, beat=False, env=None, pool="solo", concurrency=1, purge=True):
    tmp_path.mkdir(parents=True, exist_ok=True)
    mail_dir = tmp_path / "mail"
    log_path = tmp_path / "worker.log"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "EMAIL_URL": f"filemail:///{mail_dir}",  # django-environ drops one leading slash
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": str(tmp_path / "media"),
        **(env or {}),
    }
    if purge:
        with celery_app.connection_for_write() as connection:
            channel = connection.default_channel
            channel.queue_purge(celery_app.conf.task_default_queue)  # no leftovers of other runs
            if celery_app.conf.broker_url == REDIS_BROKER_URL:
                # Also the tasks a killed worker left unacknowledged (Redis would redeliver them into
                # this run, against row ids this run reuses): the tests' own broker database only.
                channel.client.flushdb()
    beat_args = ["--beat", f"--schedule={tmp_path / 'beat-schedule'}"] if beat else []
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={pool}",
                f"--concurrency={concurrency}",
                "--loglevel=INFO",
                "--without-mingle",
                "--without-gossip",
                "--without-heartbeat",
                "-n",
                f"test-{uuid.uuid4().hex[:8]}@%h",
                *beat_args,
            ],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: "ready." in log_path.read_text() or process.poll() is not None, timeout=60)
        assert process.poll() is None, f"the worker exited:\n{log_path.read_text()}"
        yield WorkerProcess(mail_dir=mail_dir, log_path=log_path, process=process)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # warm shutdown; SIGTERM can hang a worker with beat
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def broker_unreachable():
    """Point this process's Celery app at a port where no broker listens, then back."""
    unreachable = "redis://127.0.0.1:1/0"
    real_url = celery_app.conf.broker_url
    real_environment = os.environ.get("CELERY_BROKER_URL")
    # Celery reads CELERY_BROKER_URL from the environment before its own configuration, so both.
    os.environ["CELERY_BROKER_URL"] = unreachable
    celery_app.conf.broker_url = unreachable
    celery_app._after_fork()  # drop pooled connections to the real broker
    assert celery_app.connection_for_write().as_uri().endswith("127.0.0.1:1/0")
    try:
        yield
    finally:
        if real_environment is None:
            os.environ.pop("CELERY_BROKER_URL", None)
        else:
            os.environ["CELERY_BROKER_URL"] = real_environment
        celery_app.conf.broker_url = real_url
        celery_app._after_fork()


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on now, for a server a test starts."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, *, timeout: float, interval: float = 0.2):
    """Poll until `condition()` is true; fail the test with a clear message at the timeout."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
