"""Run the deadline sweep now, in this process, and print what it did (for operators and cron)."""

from django.core.management.base import BaseCommand, CommandError

from escalation.sweep import run_deadline_sweep


class Command(BaseCommand):
    help = (
        "Send the reminders, overdue alerts and ADR letters that are due (the same code as the beat "
        "task). Exits 1 with a summary, never a traceback, when a step failed."
    )

    def handle(self, *args, **options):
        report = run_deadline_sweep()
        for line in report.lines():
            style = self.style.ERROR if line.startswith("PROBLEM") else self.style.SUCCESS
            self.stdout.write(style(line))
        if report.problems:
            raise CommandError(
                f"the deadline sweep had {len(report.problems)} problem(s); what did not run is "
                "left for the next sweep: " + " | ".join(report.problems)
            )
