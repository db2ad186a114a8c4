"""`make run` calls this: a staff login for trying the admin on a laptop (DEBUG only), shown in one
block at the end of the start-up, every time (`--banner`); `--reset` (or `make demo-login`) makes a
new password."""

import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

DEMO_USERNAME = "demo"
PORTAL_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Create the demo staff account (DEBUG only) and print where to go and how to log in."

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Give the demo account a new password.")
        parser.add_argument("--banner", action="store_true", help="Print the start-up block.")

    def handle(self, *args, reset, banner, **options):
        if not settings.DEBUG:
            raise CommandError("The demo staff account is only for development (DJANGO_DEBUG=1).")
        password = None if reset else _saved_password()
        user = get_user_model().objects.filter(username=DEMO_USERNAME).first()
        if user is None or password is None or not user.check_password(password):
            password = _new_password(user)
        if banner or reset:
            self.stdout.write(_block(password))


def _saved_password() -> str | None:
    try:
        return settings.DEMO_LOGIN_FILE.read_text().strip() or None
    except FileNotFoundError:
        return None


def _new_password(user) -> str:
    password = secrets.token_urlsafe(12)
    if user is None:
        get_user_model().objects.create_superuser(
            username=DEMO_USERNAME, email="demo@example.com", password=password
        )
    else:
        user.set_password(password)
        user.save(update_fields=["password"])
    path = settings.DEMO_LOGIN_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created for its owner only (0600), then written: never readable by others, even for a moment.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(password + "\n")
    os.chmod(path, 0o600)
    return password


def _block(password: str) -> str:
    lines = [
        "The complaints portal is running.",
        "",
        f"  Customers:  {PORTAL_URL}",
        f"  Staff:      {PORTAL_URL}admin/",
        f"  Login:      {DEMO_USERNAME}",
        f"  Password:   {password}",
        "",
        "  Mail in:    complaints@localhost on port 2525",
        "  New password: make demo-login     Stop: Ctrl-C",
    ]
    width = max(len(line) for line in lines) + 2
    return "\n".join(
        [
            "┌" + "─" * width + "┐",
            *(f"│ {line.ljust(width - 2)} │" for line in lines),
            "└" + "─" * width + "┘",
        ]
    )
