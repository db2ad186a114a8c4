"""Say which database and broker the test run uses: the real PostgreSQL and Redis when they answer.

Prints shell `export` lines for the Makefile. With REQUIRE_REAL_SERVICES=1 (CI) it fails instead
of falling back, so CI always tests on the real services.
"""

import os
import socket
import sys

POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/complaints"
REDIS_CACHE_URL = "redis://127.0.0.1:6379/15"
REDIS_BROKER_URL = "redis://127.0.0.1:6379/14"  # apart from the cache, which tests flush


def postgres_answers() -> bool:
    try:
        import psycopg2

        psycopg2.connect(
            host="127.0.0.1", port=5432, user="postgres", dbname="postgres", connect_timeout=2
        ).close()
        return True
    except Exception:
        return False


def redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def main() -> int:
    required = os.environ.get("REQUIRE_REAL_SERVICES") == "1"
    exports, notes, missing = {}, [], []
    if os.environ.get("DATABASE_URL"):
        notes.append(f"database: DATABASE_URL from the environment ({os.environ['DATABASE_URL']})")
    elif postgres_answers():
        exports["DATABASE_URL"] = POSTGRES_URL
        notes.append("database: PostgreSQL at 127.0.0.1:5432")
    else:
        missing.append("PostgreSQL at 127.0.0.1:5432")
        notes.append("database: FALLBACK to SQLite (PostgreSQL at 127.0.0.1:5432 did not answer)")
    if os.environ.get("REDIS_URL") or os.environ.get("CELERY_BROKER_URL"):
        notes.append("broker: REDIS_URL/CELERY_BROKER_URL from the environment")
    elif redis_answers():
        exports["REDIS_URL"] = REDIS_CACHE_URL
        exports["CELERY_BROKER_URL"] = REDIS_BROKER_URL
        notes.append("broker: Redis at 127.0.0.1:6379 (broker db 14, cache db 15)")
    else:
        missing.append("Redis at 127.0.0.1:6379")
        notes.append("broker: FALLBACK to the filesystem transport and a local cache (Redis did not answer)")
    for note in notes:
        print(f"echo '[services] {note}';")
    if required and missing:
        print(
            f"echo '[services] REQUIRE_REAL_SERVICES=1 but not reachable: {', '.join(missing)}' >&2; exit 1;"
        )
        return 0
    for name, value in exports.items():
        print(f"export {name}='{value}';")
    return 0


if __name__ == "__main__":
    sys.exit(main())
