"""Run the deadline sweep now, in this process, and print what it did (for operators and cron)."""

from django.core.management.base import BaseCommand

from escalation.sweep import enforce_deadlines


class Command(BaseCommand):
    help = "Send the reminders, overdue alerts and ADR letters that are due (the same code as the beat task)."

    def handle(self, *args, **options):
        report = enforce_deadlines()
        for line in report.lines():
            style = self.style.ERROR if line.startswith("PROBLEM") else self.style.SUCCESS
            self.stdout.write(style(line))
