"""Demo complaints at every stage and age (see escalation/demo.py), for `make demo` and the benchmarks."""

import time

from django.core.management.base import BaseCommand

from escalation.demo import seed_demo


class Command(BaseCommand):
    help = "Create realistic demo complaints across every stage and age, dated relative to today."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=300, help="how many (default 300)")
        parser.add_argument("--seed", type=int, default=None, help="a random seed, for the same data again")
        parser.add_argument(
            "--processes",
            type=int,
            default=None,
            help="how many processes write a large demo on PostgreSQL (default: one per core)",
        )

    def handle(self, *args, complaints, seed, processes, **options):
        began = time.perf_counter()
        report = seed_demo(complaints=complaints, seed=seed, processes=processes)
        elapsed = time.perf_counter() - began
        self.stdout.write(
            self.style.SUCCESS(f"Created {report.complaints:,} demo complaints in {elapsed:.1f} s:")
        )
        for situation, count in report.by_situation.items():
            self.stdout.write(f"  {situation.replace('_', ' ')}: {count:,}")
