"""`make run` calls this: a staff login for trying the admin on a laptop (DEBUG only)."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "demo"


class Command(BaseCommand):
    help = "Create the demo staff account (DEBUG only) and print its password once."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("The demo staff account is only for development (DJANGO_DEBUG=1).")
        user_model = get_user_model()
        if user_model.objects.filter(username=DEMO_USERNAME).exists():
            self.stdout.write(
                f"Demo staff account '{DEMO_USERNAME}' exists (its password was printed when created)."
            )
            return
        password = secrets.token_urlsafe(12)
        user_model.objects.create_superuser(
            username=DEMO_USERNAME, email="demo@example.com", password=password
        )
        self.stdout.write(
            self.style.SUCCESS(f"Demo staff account: username '{DEMO_USERNAME}', password '{password}'")
        )
        self.stdout.write("Log in at http://127.0.0.1:8000/admin/ — this is shown only once.")
