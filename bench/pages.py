"""Benchmark: median server time and queries of the pages people use, on the benchmark database.

Run after bench/sweep.py (it reuses its 100,000 complaints; seeds them if the database is empty).
Each page is requested through Django's test client in this process, so the time is the
server's (routing, queries, templates), without a network. Run with `make bench`.
"""

import os
import re
import statistics
import time
from contextlib import contextmanager

from bench.database import refresh_statistics, use_benchmark_database

REPEAT = int(os.environ.get("BENCH_REPEAT", "15"))
COMPLAINTS = int(os.environ.get("BENCH_COMPLAINTS", "100000"))
use_benchmark_database(fresh=False)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from complaints.models import Complaint  # noqa: E402
from complaints.tracking_links import make_tracking_token  # noqa: E402
from escalation.demo import seed_demo  # noqa: E402
from escalation.reporting import refresh_report_figures  # noqa: E402
from escalation.roles import COMPLAINTS_MANAGERS  # noqa: E402

FORM = {
    "customer_name": "Bench Mark",
    "email": "bench@example.com",
    "phone": "07700 900123",
    "postal_address": "1 High Street\nCambridge",
    "postcode": "CB5 8LA",
    "customer_type": "residential",
    "category": "billing",
    "description": "Charged twice.",
    "reply_preference": "email",
}


def measure(name, request, *, expect=200):
    times, counts = [], []
    for _ in range(REPEAT):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = request()
            times.append(time.perf_counter() - began)
        counts.append(len(queries.captured_queries))
        assert response.status_code == expect, f"{name}: {response.status_code}"
    print(f"  {name:<44} {statistics.median(times) * 1000:7.1f} ms  {statistics.median(counts):4.0f} queries")


def api_key_for_bench(scope: str = "complaints:read") -> str:
    """A key for this run (each run makes its own: a key is shown once)."""
    from integrations.keys import make_key

    return make_key(name="Benchmark", scopes=[scope], expires_at=None, by=None).plain


@contextmanager
def webhooks_subscribed(count: int):
    """Endpoints subscribed to every event for the block (their deliveries, never sent, go after)."""
    from integrations.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
    from integrations.webhooks import make_endpoint

    made = [
        make_endpoint(
            name=f"Bench {n}", url="https://hooks.example.com/", events=WebhookEvent.values, by=None
        )
        for n in range(count)
    ]
    try:
        yield
    finally:
        endpoints = [each.endpoint.pk for each in made]
        WebhookDelivery.objects.filter(endpoint__in=endpoints).delete()
        WebhookEndpoint.objects.filter(pk__in=endpoints).delete()


def main() -> None:
    call_command("migrate", verbosity=0)
    if not Complaint.objects.exists():
        seed_demo(complaints=COMPLAINTS, seed=42)
    refresh_statistics()
    settings.RATELIMIT_ENABLE = False  # a benchmark files many complaints from one address
    settings.API_READS_PER_MINUTE = settings.API_WRITES_PER_MINUTE = (
        10**6
    )  # and uses the API faster than a key may
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    manager, _ = get_user_model().objects.get_or_create(username="bench-manager", defaults={"is_staff": True})
    manager.groups.add(Group.objects.get(name=COMPLAINTS_MANAGERS))
    staff = Client()
    staff.force_login(manager)
    customer = Client()
    # The newest of the demo's complaints: not one an earlier run filed (below), whose e-mail address
    # and name every later run's filings share.
    # (By id too: the demo files thousands at the same moment, and any of them would do otherwise.)
    complaint = Complaint.objects.exclude(email=FORM["email"]).order_by("-first_received_at", "-pk").first()
    token = make_tracking_token(reference=complaint.reference, tracking_key=complaint.tracking_key)
    customer.get(reverse("complaints:tracking_link", args=[token]))
    changelist = reverse("admin:complaints_complaint_changelist")

    print(f"pages over {Complaint.objects.count():,} complaints on {connection.vendor}, median of {REPEAT}")
    measure("admin changelist (a page: 50 rows)", lambda: staff.get(changelist))
    measure("admin changelist, page 50", lambda: staff.get(changelist, {"p": 50}))
    measure("admin changelist, sorted by next deadline", lambda: staff.get(changelist, {"o": "6"}))
    measure("admin changelist, rely on a landline", lambda: staff.get(changelist, {"landline": "yes"}))
    measure("admin changelist, overdue", lambda: staff.get(changelist, {"deadline": "overdue"}))
    measure(
        "admin changelist, stage 2, unassigned",
        lambda: staff.get(changelist, {"stage": 2, "assignee": "none"}),
    )
    surname = complaint.customer_name.split()[-1]
    for label, typed in [
        ("a whole reference", complaint.reference),
        ("a whole e-mail address", complaint.email or "nobody@example.com"),
        ("a full name", complaint.customer_name),
        ("a whole postcode", complaint.postcode),
        ("part of a postcode", complaint.postcode[:-1].lower()),
        ("part of a reference", complaint.reference[3:7]),
        ("a surname without its accent (~1 in 100)", "wojcik"),
        ("part of an e-mail address", complaint.email.split("@")[0][:12] or "example"),
        ("a word of the description (~1 in 30)", "zyxel"),
        ("surname and a word of the description", f"{surname} zyxel"),
        ("a common word (every fifth complaint)", "engineer"),
        ("a word on nearly every timeline (94 in 100)", "customer"),
    ]:
        measure(f"search: {label}", lambda typed=typed: staff.get(changelist, {"q": typed}))
    measure(
        "admin change page",
        lambda: staff.get(reverse("admin:complaints_complaint_change", args=[complaint.pk])),
    )
    measure("dashboard", lambda: staff.get(reverse("staff:escalations")))
    measure("monthly report page (the stored figures)", lambda: staff.get(reverse("staff:reports")))
    measure("root-cause report page (the stored figures)", lambda: staff.get(reverse("staff:root_causes")))
    began = time.perf_counter()
    stored = refresh_report_figures()
    print(
        f"  {'monthly figures recomputed (beat, 10 min)':<44} {(time.perf_counter() - began) * 1000:7.1f} ms  ({stored} rows)"
    )
    measure("public filing POST", lambda: Client().post(reverse("complaints:new"), FORM), expect=302)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {api_key_for_bench()}")
    measure("API: 100 complaints by cursor (first page)", lambda: api.get(reverse("api:complaints")))
    next_page = api.get(reverse("api:complaints")).json()["next"]
    measure("API: 100 complaints by cursor (next page)", lambda: api.get(next_page))
    measure(
        "API: one complaint by reference",
        lambda: api.get(reverse("api:complaint", args=[complaint.reference])),
    )
    writer = Client(HTTP_AUTHORIZATION=f"Bearer {api_key_for_bench('complaints:write')}")
    opened = {**FORM, "channel": "phone", "first_received_at": "2026-01-05T09:30:00+00:00"}
    measure(
        "API: open a complaint (POST)",
        lambda: writer.post(reverse("api:complaints"), opened, content_type="application/json"),
        expect=201,
    )
    measure(
        "API: a complaint's timeline",
        lambda: api.get(reverse("api:timeline", args=[complaint.reference])),
    )
    measure(
        "API: a complaint's actions allowed now",
        lambda: api.get(reverse("api:actions", args=[complaint.reference])),
    )
    with webhooks_subscribed(2):
        measure(
            "API: open a complaint, 2 webhooks subscribed",
            lambda: writer.post(reverse("api:complaints"), opened, content_type="application/json"),
            expect=201,
        )
    measure(
        "tracking: complaint page",
        lambda: customer.get(reverse("complaints:detail", args=[complaint.reference])),
    )
    found = re.compile(r"NS-\w{4}-\w{4}")
    assert found.search(
        customer.get(reverse("complaints:detail", args=[complaint.reference])).content.decode()
    )


if __name__ == "__main__":
    main()
