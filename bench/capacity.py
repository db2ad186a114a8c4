"""`make capacity`: how much load the portal holds, on gunicorn and PostgreSQL, on this machine.

Two measurements against gunicorn (`config/gunicorn.py`, 3 workers) on the benchmark database:

1. The page against the floor: requests a second, closed loop with 8 keep-alive connections (as
   `ab -k -c 8`), of the customer's complaint page and of a bare view behind the same middleware
   (`bench/urls.py`); their ratio, and the CPU time each costs the server.
2. Capacity: open-loop arrival rates stepping up (each request sent at its scheduled moment,
   whether or not earlier ones have been answered, and timed from that moment, so a slow server
   cannot hide its queue), of a realistic mix: customers reading their complaint, the home page,
   the complaints code and the filing form, customers filing, agents paging the admin list and
   opening complaints. Reported: the highest rate held with p95 < 200 ms and no errors, and that
   rate per CPU core.

The load generator runs on the same machine (loopback) and uses CPU too: the figures are a floor
for a server with its cores to itself.
"""

import asyncio
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from bench.database import refresh_statistics, use_benchmark_database

PORT = int(os.environ.get("CAPACITY_PORT", "8766"))
WORKERS = int(os.environ.get("CAPACITY_WORKERS", "3"))
RATES = [int(rate) for rate in os.environ.get("CAPACITY_RATES", "20,50,75,100,150,200,300,400").split(",")]
STEP_SECONDS = float(os.environ.get("CAPACITY_STEP_SECONDS", "15"))
RATIO_SECONDS = float(os.environ.get("CAPACITY_RATIO_SECONDS", "10"))
P95_TARGET_MS = 200

use_benchmark_database(fresh=False)
os.environ.update(
    {
        "RATELIMIT_ENABLE": "0",  # every simulated client shares 127.0.0.1
        "AXES_ENABLED": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "REDIS_URL": os.environ.get("CAPACITY_REDIS_URL", "redis://127.0.0.1:6379/13"),
        "CELERY_BROKER_URL": "memory://",  # filing queues its acknowledgement; no worker sends it
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.sessions.backends.cached_db import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402

from complaints.access import grant_visitor_access  # noqa: E402
from complaints.models import Complaint  # noqa: E402
from escalation.demo import seed_demo  # noqa: E402
from escalation.roles import SUPPORT_AGENTS  # noqa: E402

FORM = (
    "customer_name=Load+Test&email=load%40example.com&phone=07700+900123&postal_address=1+High+Street"
    "&postcode=CB5+8LA&customer_type=residential&category=broadband_fault"
    "&description=The+line+drops+every+evening.&reply_preference=email"
)


@dataclass
class Client:
    """One simulated person: their cookies, and what they ask for."""

    cookies: str
    complaint: str = ""
    csrf: str = ""
    complaint_ids: list[int] = field(default_factory=list)


def prepare(customers: int = 200, agents: int = 10) -> tuple[list[Client], list[Client]]:
    """Sessions made the way the portal makes them (a customer's grant, an agent's login)."""
    call_command("migrate", verbosity=0)
    if Complaint.objects.count() < 20_000:
        seed_demo(complaints=20_000, seed=7)
    refresh_statistics()
    people = []
    for complaint in Complaint.objects.order_by("?")[:customers]:
        session = SessionStore()
        grant_visitor_access(session=session, complaint=complaint)
        session.save()
        # A browser that has opened any page with a form holds a CSRF cookie: send one, as it would.
        cookies = f"sessionid={session.session_key}; csrftoken={secrets.token_hex(16)}"
        people.append(Client(cookies=cookies, complaint=complaint.reference))
    agent, _ = get_user_model().objects.get_or_create(username="capacity-agent", defaults={"is_staff": True})
    agent.set_password(secrets.token_urlsafe(16))
    agent.save()
    agent.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    ids = list(Complaint.objects.order_by("-pk").values_list("pk", flat=True)[:200])
    staff = []
    for _ in range(agents):
        session = SessionStore()
        session[SESSION_KEY] = str(agent.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = agent.get_session_auth_hash()
        session.save()
        cookies = f"sessionid={session.session_key}; csrftoken={secrets.token_hex(16)}"
        staff.append(Client(cookies=cookies, complaint_ids=ids))
    return people, staff


# --- A small HTTP/1.1 client on asyncio: keep-alive, no third-party library --------------------


class Connection:
    def __init__(self):
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, *, cookies: str = "", body: str = ""
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", PORT)
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
        if cookies:
            head.append(f"Cookie: {cookies}")
        payload = body.encode()
        if method == "POST":
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(payload)}",
                f"Referer: http://127.0.0.1:{PORT}/complaints/new/",
            ]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + payload)
        try:
            status_line = await self.reader.readline()
            status = int(status_line.split()[1])
            length, closing = 0, False
            while (line := await self.reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "connection" and "close" in value.lower():
                    closing = True
            content = await self.reader.readexactly(length)
        except Exception:
            self.close()
            raise
        if closing:
            self.close()
        return status, content

    def close(self):
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class Pool:
    def __init__(self):
        self.idle: list[Connection] = []

    async def request(self, *args, **kwargs):
        connection = self.idle.pop() if self.idle else Connection()
        try:
            result = await connection.request(*args, **kwargs)
        except Exception:
            connection.close()
            raise
        self.idle.append(connection)
        return result


async def closed_loop(path: str, cookies: str, seconds: float, concurrency: int = 8) -> tuple[float, int]:
    """Requests a second with `concurrency` connections each asking again as soon as answered."""
    done = errors = 0
    stop = time.monotonic() + seconds

    async def one():
        nonlocal done, errors
        connection = Connection()
        while time.monotonic() < stop:
            try:
                status, _ = await connection.request("GET", path, cookies=cookies)
                done += 1
                errors += status != 200
            except Exception:
                errors += 1
                connection.close()
        connection.close()

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(concurrency)))
    return done / (time.monotonic() - started), errors


@dataclass
class Step:
    rate: int
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    @property
    def p95(self) -> float:
        return (
            statistics.quantiles(self.latencies, n=20)[-1] * 1000
            if len(self.latencies) >= 20
            else float("inf")
        )

    @property
    def held(self) -> bool:
        return self.errors == 0 and self.p95 < P95_TARGET_MS


def one_of_the_mix(customers, staff, rng: random.Random):
    """(method, path, cookies, body) of one request, drawn from the realistic mix."""
    roll = rng.random()
    if roll < 0.40:
        person = rng.choice(customers)
        return "GET", f"/complaints/{person.complaint}/", person.cookies, ""
    if roll < 0.50:
        return "GET", "/", "", ""
    if roll < 0.58:
        return "GET", "/complaints-code/", "", ""
    if roll < 0.68:
        return "GET", "/complaints/new/", "", ""
    if roll < 0.72:
        return "POST", "/complaints/new/", None, FORM  # filled in with a CSRF pair below
    agent = rng.choice(staff)
    if roll < 0.90:
        return "GET", f"/admin/complaints/complaint/?p={rng.randint(1, 20)}", agent.cookies, ""
    return "GET", f"/admin/complaints/complaint/{rng.choice(agent.complaint_ids)}/change/", agent.cookies, ""


async def csrf_pair() -> tuple[str, str]:
    """A CSRF cookie and a form token for it, as a browser gets them from the filing form."""
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    writer.write(b"GET /complaints/new/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    raw = await reader.read()
    writer.close()
    text = raw.decode("utf-8", "replace")
    cookie = re.search(r"Set-Cookie: (csrftoken=[^;]+)", text).group(1)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text).group(1)
    return cookie, token


async def open_loop(step: Step, customers, staff, csrf: tuple[str, str], seconds: float) -> None:
    rng = random.Random(step.rate)
    pool = Pool()
    interval = 1 / step.rate
    started = time.monotonic()
    pending = set()

    async def send(scheduled: float, method, path, cookies, body):
        try:
            status, _ = await pool.request(method, path, cookies=cookies, body=body)
            if status >= 400:
                step.errors += 1
        except Exception:
            step.errors += 1
        latency = time.monotonic() - scheduled
        step.latencies.append(latency)
        step.by_kind.setdefault(f"{method} {re.sub(r'NS-[^/]+|[0-9]+', 'N', path)}", []).append(latency)

    n = 0
    while (scheduled := started + n * interval) < started + seconds:
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        method, path, cookies, body = one_of_the_mix(customers, staff, rng)
        if cookies is None:
            cookies, body = csrf[0], f"{body}&csrfmiddlewaretoken={csrf[1]}"
        task = asyncio.ensure_future(send(scheduled, method, path, cookies, body))
        pending.add(task)
        task.add_done_callback(pending.discard)
        step.sent += 1
        n += 1
    if pending:
        await asyncio.wait(pending, timeout=30)


def server_cpu_seconds(server: subprocess.Popen) -> float:
    """User + system CPU of gunicorn's master and workers so far (from /proc)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split()
    for pid in [server.pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


async def measure(server, customers, staff):
    person = customers[0]
    page = f"/complaints/{person.complaint}/"
    print(f"Page against the floor (closed loop, 8 keep-alive connections, {RATIO_SECONDS:.0f} s each):")
    results = {}
    for name, path, cookies in (
        ("bare view (floor)", "/bench/floor/", person.cookies),
        ("complaint page", page, person.cookies),
    ):
        await closed_loop(path, cookies, 2)  # warm up
        cpu_before = server_cpu_seconds(server)
        rate, errors = await closed_loop(path, cookies, RATIO_SECONDS)
        cpu = server_cpu_seconds(server) - cpu_before
        results[name] = rate
        print(
            f"  {name:<20} {rate:7.0f} requests/s  {cpu * 1000 / (rate * RATIO_SECONDS):5.2f} ms of server CPU a request  {errors} errors"
        )
    print(f"  ratio page/floor     {results['complaint page'] / results['bare view (floor)']:.3f}")

    csrf = await csrf_pair()
    print(
        f"Capacity (open loop, realistic mix, {STEP_SECONDS:.0f} s a step; held = p95 < {P95_TARGET_MS} ms and no errors):"
    )
    best, first = 0, True
    for rate in RATES:
        step = Step(rate)
        await open_loop(step, customers, staff, csrf, STEP_SECONDS)
        print(
            f"  {rate:4d}/s  sent {step.sent:5d}  p50 {statistics.median(step.latencies) * 1000:7.1f} ms  "
            f"p95 {step.p95:7.1f} ms  errors {step.errors:4d}  {'held' if step.held else 'NOT held'}"
        )
        if first:  # the mix at the lowest rate, where nothing queues: what each kind of request costs
            for kind, latencies in sorted(step.by_kind.items()):
                print(
                    f"         {kind:<48} {len(latencies):4d}  p50 {statistics.median(latencies) * 1000:6.1f} ms"
                )
            first = False
        if not step.held:
            break
        best = rate
    cores = os.cpu_count() or 1
    print(
        f"Highest rate held: {best}/s on {cores} cores ({best / cores:.0f}/s per core), load generator included"
    )


def main() -> None:
    customers, staff = prepare()
    # Production's logging (a JSON line a request), to a file: its cost is part of a request's.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "WEB_CONCURRENCY": str(WORKERS),
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
    }
    log = Path(settings.BASE_DIR) / "var" / "capacity-gunicorn.log"
    log.parent.mkdir(exist_ok=True)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "config/gunicorn.py",
            "--bind",
            f"127.0.0.1:{PORT}",
            "config.wsgi",
        ],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        print(
            f"gunicorn, {WORKERS} workers, on {Complaint.objects.count():,} complaints ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})"
        )
        asyncio.run(measure(server, customers, staff))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
