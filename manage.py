#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
import traceback

# sysexits(3), as the mail server's pipe reads them (see complaints/management/commands/receive_email.py).
EX_DATAERR, EX_TEMPFAIL = 65, 75


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if sys.argv[1:2] == ["receive_email"]:
        _receive_email_or_ask_for_a_retry()
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


def _receive_email_or_ask_for_a_retry():
    """A mail server bounces a message to its sender on any exit code but 0 and the sysexits ones:
    a portal that cannot start (a missing setting, a broken install) must make it keep the message
    and try again later, never return the customer's e-mail to them."""
    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(sys.argv)
    except SystemExit as leaving:
        if leaving.code in (None, 0, EX_DATAERR, EX_TEMPFAIL):
            raise
        sys.exit(EX_TEMPFAIL)
    except BaseException:
        traceback.print_exc()
        print("Not stored now: the portal could not start; try again later.", file=sys.stderr)
        sys.exit(EX_TEMPFAIL)


if __name__ == "__main__":
    main()
