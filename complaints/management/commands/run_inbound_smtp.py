"""`manage.py run_inbound_smtp`: our SMTP server for mail in, until Ctrl-C or SIGTERM."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from complaints.inbound.smtp import inbound_smtp_server


class Command(BaseCommand):
    help = "Receive e-mail for the complaints mailbox over SMTP (default 127.0.0.1:2525)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=settings.INBOUND_SMTP_HOST)
        parser.add_argument("--port", type=int, default=settings.INBOUND_SMTP_PORT)

    def handle(self, *args, host, port, **options):
        stop = threading.Event()
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, lambda *_: stop.set())
        server = inbound_smtp_server(host=host, port=port)
        server.start()
        self.stdout.write(
            f"Receiving e-mail for {settings.INBOUND_EMAIL_ADDRESS} on {host}:{port}", ending="\n"
        )
        self.stdout.flush()
        try:
            stop.wait()
        finally:
            server.stop()
