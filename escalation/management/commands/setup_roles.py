"""Create or refresh the staff roles (groups and their permissions); also runs after every migrate."""

from django.core.management.base import BaseCommand

from escalation.roles import setup_roles


class Command(BaseCommand):
    help = "Create the Support agent, Complaints manager, Managing director and Auditor groups with their permissions."

    def handle(self, *args, **options):
        for name, count in setup_roles().items():
            self.stdout.write(self.style.SUCCESS(f"{name}: {count} permissions"))
