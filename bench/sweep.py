"""Benchmark: the deadline sweep over 100,000 open complaints with about 2,000 actions due.

Creates a fresh benchmark database (PostgreSQL `complaints_bench` when 127.0.0.1:5432 answers,
else SQLite in var/), seeds it with `seed_demo` (timed), then runs the sweep three times:
once inside a transaction that is rolled back, to measure peak memory with tracemalloc; once for
real, timed, counting its queries; and once more, which must find nothing left to do.
Messages go to an in-memory broker and mailbox: nothing leaves the machine.
Run with `make bench`.
"""

import os
import time
import tracemalloc

from bench.database import refresh_statistics, use_benchmark_database

COMPLAINTS = int(os.environ.get("BENCH_COMPLAINTS", "100000"))
use_benchmark_database(fresh=True)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from escalation.demo import seed_demo  # noqa: E402
from escalation.sweep import BATCH_SIZE, enforce_deadlines  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    database = f"{connection.vendor} ({connection.settings_dict['NAME']})"

    began = time.perf_counter()
    seed_demo(complaints=COMPLAINTS, seed=42)
    seeding = time.perf_counter() - began
    refresh_statistics()

    tracemalloc.start()
    with transaction.atomic():
        enforce_deadlines()
        transaction.set_rollback(True)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        report = enforce_deadlines()
        sweep_time = time.perf_counter() - began
    began = time.perf_counter()
    again = enforce_deadlines()
    second_time = time.perf_counter() - began

    actions = report.adr_letters + report.reminders + report.overdue_alerts + report.md_alerts
    print(f"deadline sweep over {COMPLAINTS:,} complaints on {database}")
    print(f"  seed_demo --complaints {COMPLAINTS}   {seeding:.1f} s")
    print(
        f"  sweep: {actions:,} notices ({report.adr_letters:,} ADR letters, {report.reminders:,} reminders, "
        f"{report.overdue_alerts:,} overdue, {report.md_alerts:,} to the MD), {report.staff_messages} staff messages"
    )
    print(f"  sweep time            {sweep_time:.2f} s")
    # Each batch starts by locking its complaints' rows: one SELECT … FOR UPDATE a batch.
    batches = sum("FOR UPDATE" in query["sql"] for query in queries.captured_queries) or 1
    print(
        f"  sweep queries         {len(queries.captured_queries)} "
        f"({batches} batches of up to {BATCH_SIZE}: {len(queries.captured_queries) / batches:.1f} a batch)"
    )
    print(f"  sweep peak memory     {peak / 1e6:.1f} MB (tracemalloc)")
    print(
        f"  next sweep            {second_time:.2f} s, {again.adr_letters + again.reminders + again.overdue_alerts} notices"
    )


if __name__ == "__main__":
    main()
