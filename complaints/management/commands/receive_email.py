"""`manage.py receive_email < message.eml`: one message from the mail server (a Postfix `pipe`
transport or a `.forward`), with the exit codes of sysexits(3) so the mail server knows what to do:
0 stored; 65 refused for good (too large, empty); 75 not stored now, keep it and try again."""

import sys

from django.core.management.base import BaseCommand

from complaints.inbound.receiving import MessageTooLarge, receive_email
from complaints.models import InboundEmail

EX_DATAERR = 65
EX_TEMPFAIL = 75


class Command(BaseCommand):
    help = "Receive one e-mail (RFC 5322) on standard input, as a mail server's pipe delivers it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--recipient", action="append", default=[], help="The envelope recipient (Postfix: ${recipient})."
        )

    def handle(self, *args, recipient, **options):
        raw = sys.stdin.buffer.read()
        if not raw.strip():
            self.stderr.write("No message on standard input.")
            sys.exit(EX_DATAERR)
        try:
            received = receive_email(raw, received_via=InboundEmail.Via.PIPE, recipients=tuple(recipient))
        except MessageTooLarge as error:
            self.stderr.write(str(error))
            sys.exit(EX_DATAERR)
        except Exception as error:  # the database or the disk: the mail server keeps it and retries
            self.stderr.write(f"Not stored now ({type(error).__name__}: {error}); try again later.")
            sys.exit(EX_TEMPFAIL)
        self.stdout.write(f"Stored as e-mail {received.pk}: {received.get_outcome_display()}.")
