"""Writing a great many rows at once, for the demo data and the benchmarks (a million complaints).

On PostgreSQL rows go through COPY, with ids taken from the table's sequence beforehand (so that rows
that point at them can be written too), and the secondary indexes can be set aside while loading and
built once at the end, as pg_restore does: building a trigram index over a million names takes
seconds, updating it a million times takes many minutes. Elsewhere (SQLite) it is `bulk_create`.
"""

import io
import json
import multiprocessing
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal

from django.db import connection, connections
from django.db.models import Model
from django.utils import timezone

COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def by_copy() -> bool:
    return connection.vendor == "postgresql"


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` fresh ids of `model`'s table, for rows written with `write_rows` (PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def write_rows(model: type[Model], rows: Sequence[Model | dict]) -> None:
    """Insert `rows`, model instances or dicts of field values by attname (their ids set, when given,
    from `reserve_ids`): COPY on PostgreSQL, else bulk_create. A dict leaves out the fields it keeps
    at their defaults; dicts save building a model instance per row, most of the cost of a million."""
    if not rows:
        return
    if not by_copy():
        model.objects.bulk_create([row if isinstance(row, Model) else model(**row) for row in rows])
        return
    first = rows[0] if isinstance(rows[0], dict) else rows[0].__dict__
    # Without ids (nothing points at these rows), the table's identity gives them.
    fields = [
        field for field in model._meta.concrete_fields if not field.primary_key or first.get(field.attname)
    ]
    now = timezone.now()
    stamped = {
        field.attname
        for field in fields
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
    }
    # A callable default (list, dict) gives a new object each time; COPY writes it out at once.
    defaults = {field.attname: now if field.attname in stamped else field.get_default() for field in fields}
    buffer = io.StringIO()
    for row in rows:
        values = row if isinstance(row, dict) else row.__dict__
        line = []
        for attname, default in defaults.items():
            value = values.get(attname, default)
            line.append(_copy_value(now if value is None and attname in stamped else value))
        buffer.write("\t".join(line))
        buffer.write("\n")
    buffer.seek(0)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer)


def _copy_value(value) -> str:
    """A Python value as COPY's text format writes it."""
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float | Decimal):
        return str(value)
    if isinstance(value, list | dict):
        value = json.dumps(value)
    return str(value).translate(COPY_ESCAPES)


def run_in_processes(function: Callable, items: Sequence, *, processes: int) -> None:
    """`function(item)` for every item, in `processes` forked processes, each with its own connection."""
    if processes <= 1:
        for item in items:
            function(item)
        return
    connections.close_all()  # a forked child must not share its parent's socket
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for _ in pool.imap_unordered(function, items):
            pass


@contextmanager
def secondary_indexes_set_aside(models: Sequence[type[Model]], *, processes: int = 1) -> Iterator[None]:
    """Drop the tables' indexes that no constraint needs, and build them again on the way out (even
    after an error), `processes` at a time. PostgreSQL only; for loading into a database nobody else
    is using."""
    tables = [model._meta.db_table for model in models]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT index_class.relname, pg_get_indexdef(pg_index.indexrelid)
              FROM pg_index
              JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid
              JOIN pg_class table_class ON table_class.oid = pg_index.indrelid
             WHERE table_class.relname = ANY(%s)
               AND NOT pg_index.indisunique AND NOT pg_index.indisprimary
               AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE pg_constraint.conindid = pg_index.indexrelid)
            """,
            [tables],
        )
        set_aside = cursor.fetchall()
        for name, _ in set_aside:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        # The inverted (GIN) indexes take longest: started first, the rest fill in beside them.
        definitions = sorted(
            (definition for _, definition in set_aside), key=lambda d: " USING gin " not in d
        )
        with ThreadPoolExecutor(max_workers=processes) as pool:
            list(pool.map(_build_index, definitions))
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def _build_index(definition: str) -> None:
    """In a thread, so on the thread's own connection, closed after."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET maintenance_work_mem = '256MB'")
            cursor.execute(definition)
    finally:
        connection.close()
