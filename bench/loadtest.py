"""`make loadtest`: gunicorn (3 workers) on PostgreSQL, 50 simulated users for 60 s, loopback only.

Uses the benchmark database (seeding 20,000 complaints if it is empty), a load-test agent, rate
limits off (every simulated user shares 127.0.0.1) and plain HTTP (loopback), then prints
locust's figures: requests per second, percentiles and failures.
"""

import os
import secrets
import subprocess
import sys
import time
import urllib.request

from bench.database import refresh_statistics, use_benchmark_database

USERS = int(os.environ.get("LOADTEST_USERS", "50"))
SECONDS = int(os.environ.get("LOADTEST_SECONDS", "60"))
WORKERS = int(os.environ.get("LOADTEST_WORKERS", "3"))
PORT = int(os.environ.get("LOADTEST_PORT", "8765"))
AGENT = "loadtest-agent"

use_benchmark_database(fresh=False)
os.environ.update({"RATELIMIT_ENABLE": "0", "DJANGO_SECURE_COOKIES": "0", "AXES_ENABLED": "0"})

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.management import call_command  # noqa: E402

from complaints.models import Complaint  # noqa: E402
from escalation.demo import seed_demo  # noqa: E402
from escalation.roles import SUPPORT_AGENTS  # noqa: E402


def main() -> None:
    call_command("migrate", verbosity=0)
    if not Complaint.objects.exists():
        seed_demo(complaints=20_000, seed=7)
    refresh_statistics()
    password = secrets.token_urlsafe(16)
    agent, _ = get_user_model().objects.get_or_create(username=AGENT, defaults={"is_staff": True})
    agent.set_password(password)
    agent.save()
    agent.groups.add(Group.objects.get(name=SUPPORT_AGENTS))
    env = {**os.environ, "LOADTEST_AGENT": AGENT, "LOADTEST_PASSWORD": password}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-w",
            str(WORKERS),
            "-b",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        env=env,
    )
    try:
        _wait_until_serving(f"http://127.0.0.1:{PORT}/")
        print(
            f"{USERS} users for {SECONDS} s against gunicorn ({WORKERS} workers) on {Complaint.objects.count():,} complaints",
            flush=True,
        )
        subprocess.run(
            [
                sys.executable,
                "-m",
                "locust",
                "-f",
                "bench/locustfile.py",
                "--headless",
                "--only-summary",
                "-u",
                str(USERS),
                "-r",
                "10",
                "-t",
                f"{SECONDS}s",
                "--host",
                f"http://127.0.0.1:{PORT}",
                "--stop-timeout",
                "5",
            ],
            env=env,
            check=False,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_until_serving(url: str) -> None:
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310  (our own loopback server)
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer at {url}")


if __name__ == "__main__":
    main()
