"""Shared fixtures: which services the run uses, a clean cache, files in a temporary folder."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from config.celery import app as celery_app


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


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield


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
    celery_app.conf.task_always_eager = False
    yield settings.CELERY_BROKER_URL


@pytest.fixture
def database_url() -> str:
    """A URL for the test database, for processes the test starts (a Celery worker)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"
