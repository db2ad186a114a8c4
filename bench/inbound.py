"""Benchmark: e-mail in. 1,000 realistic messages through `receive_email` on the benchmark database:
replies that quote our message (Gmail, Outlook, Apple Mail, with photos and a PDF), new complaints
by e-mail, HTML-only mail, auto-replies and bounces. Reports messages a second and the queries each
kind of message costs (constant: they do not grow with the number of complaints or of e-mails).

In this process, without a network: the time is parsing, matching and writing (and queueing the
acknowledgements in the outbox), as a mail server's pipe, the SMTP server or the IMAP poller pay it.
"""

import os
import random
import secrets
import statistics
import time
from collections import defaultdict

from bench.database import use_benchmark_database

MESSAGES = int(os.environ.get("BENCH_EMAILS", "1000"))
use_benchmark_database(fresh=False)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from complaints.inbound.receiving import receive_email  # noqa: E402
from complaints.models import Complaint, InboundEmail  # noqa: E402
from complaints.reply_addresses import reply_address  # noqa: E402
from notifications.models import OutboundMessage  # noqa: E402
from tests.complaints.inbound import corpus  # noqa: E402


def main():
    call_command("migrate", verbosity=0)
    complaints = list(
        Complaint.objects.exclude(email="").filter(anonymised_at__isnull=True).order_by("?")[:300]
    )
    if len(complaints) < 10:
        raise SystemExit("Run `make bench` (it seeds the benchmark database) first.")
    acknowledgements = {
        message.reference: message
        for message in OutboundMessage.objects.filter(reference__in=[c.reference for c in complaints])
    }
    randomness = random.Random(12)
    # New senders each run: the same ones again within the hour would meet the per-sender limit.
    run = secrets.token_hex(4)

    def reply_to_some_complaint():
        complaint = randomness.choice(complaints)
        kind = randomness.choice(["gmail", "outlook", "apple", "attachments"])
        sender, address = complaint.email, reply_address(complaint.reference)
        thread = (
            acknowledgements[complaint.reference].message_id
            if complaint.reference in acknowledgements
            else ""
        )
        if kind == "gmail":
            return "reply (Gmail, quoting)", corpus.gmail_reply(sender=sender, to=address, in_reply_to=thread)
        if kind == "outlook":
            return "reply (Outlook, quoting)", corpus.outlook_reply(
                sender=sender, to=address, in_reply_to=thread
            )
        if kind == "apple":
            return "reply (Apple Mail, Welsh)", corpus.apple_mail_reply(
                sender=sender, to=address, in_reply_to=thread
            )
        return "reply with a photo and a PDF", corpus.with_attachments(
            sender=sender, to=address, in_reply_to=thread
        )

    makers = [
        (55, reply_to_some_complaint),
        (
            20,
            lambda: (
                "new complaint",
                corpus.new_complaint(sender=f"new{randomness.randrange(10**9)}.{run}@example.com"),
            ),
        ),
        (
            10,
            lambda: (
                "HTML-only new complaint",
                corpus.html_only(sender=f"html{randomness.randrange(10**9)}.{run}@example.com"),
            ),
        ),
        (10, lambda: ("auto-reply", corpus.auto_reply())),
        (5, lambda: ("bounce", corpus.bounce())),
    ]
    weights = [weight for weight, _ in makers]
    messages = [randomness.choices(makers, weights)[0][1]() for _ in range(MESSAGES)]

    times, queries = defaultdict(list), defaultdict(list)
    counted = [0]

    def count(execute, sql, params, many, context):
        counted[0] += 1
        return execute(sql, params, many, context)

    elapsed = 0.0
    with connection.execute_wrapper(count):
        for kind, raw in messages:
            counted[0] = 0
            start = time.perf_counter()
            receive_email(raw, received_via=InboundEmail.Via.PIPE)
            took = time.perf_counter() - start
            elapsed += took
            times[kind].append(took)
            queries[kind].append(counted[0])

    print(
        f"E-mail in: {MESSAGES:,} messages through receive_email on {Complaint.objects.count():,} complaints"
    )
    print(f"  {MESSAGES / elapsed:,.0f} messages a second ({elapsed:.1f} s in all; target ≥ 100)")
    print("  (queries: every statement sent, savepoints included; one commit a message besides)")
    for kind in sorted(times):
        counts = queries[kind]
        print(
            f"  {kind:<32} {len(counts):5}  median {statistics.median(times[kind]) * 1000:6.1f} ms"
            f"  queries {min(counts)}–{max(counts)}"
        )


if __name__ == "__main__":
    main()
