"""The benchmarks' own database: PostgreSQL `complaints_bench` when 127.0.0.1:5432 answers, else SQLite in var/.

Imported before Django is set up: it points DATABASE_URL at that database and keeps every message
on the machine (an in-memory broker and mailbox).
"""

import os
import secrets
import socket
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SQLITE_PATH = BASE_DIR / "var" / "bench.sqlite3"


def use_benchmark_database(*, fresh: bool) -> str:
    """Point this process at the benchmark database (emptied first when `fresh`); returns its URL."""
    url = os.environ.get("BENCH_DATABASE_URL") or _default_url(fresh=fresh)
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ["EMAIL_URL"] = "memorymail://"
    os.environ.setdefault(
        "DJANGO_DEBUG", "0"
    )  # production settings: cached templates, no debug toolbar of queries
    os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")  # the test client speaks plain HTTP
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Production settings refuse to start without a real key; a benchmark run makes its own.
    os.environ.setdefault("DJANGO_SECRET_KEY", "bench-only-" + secrets.token_urlsafe(50))
    return url


def _default_url(*, fresh: bool) -> str:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        if fresh:
            for leftover in SQLITE_PATH.parent.glob("bench.sqlite3*"):
                leftover.unlink()
        return f"sqlite:///{SQLITE_PATH}"
    name = os.environ.get("BENCH_DATABASE_NAME", "complaints_bench")  # the million has its own
    if fresh:
        import psycopg2
        from psycopg2 import sql

        connection = psycopg2.connect(host="127.0.0.1", port=5432, user="postgres", dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        connection.close()
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def refresh_statistics() -> None:
    """What autovacuum does a little after a bulk load: planner statistics for the new rows and, on
    PostgreSQL, the visibility map (without it an index-only scan still reads every row)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
