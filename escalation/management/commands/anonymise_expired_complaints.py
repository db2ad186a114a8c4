"""The retention job, now: anonymise complaints past retention (or list them with --dry-run)."""

from django.core.management.base import BaseCommand

from escalation.retention import anonymise_expired_complaints


class Command(BaseCommand):
    help = "Remove the personal data of complaints closed longer than COMPLAINT_RETENTION_DAYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="list what would be anonymised, change nothing"
        )

    def handle(self, *args, dry_run, **options):
        report = anonymise_expired_complaints(dry_run=dry_run)
        verb = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(report.anonymised)} complaint(s)."))
        for reference in report.anonymised:
            self.stdout.write(f"  {reference}")
