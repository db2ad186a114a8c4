"""The deadline sweep against a PostgreSQL server that really stops and restarts: a throw-away
cluster on a free port (pg_createcluster), so the shared test database is never touched."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import free_port

VERSIONS = Path("/etc/postgresql")


def why_no_throwaway_cluster() -> str:
    if not shutil.which("pg_createcluster"):
        return "pg_createcluster (Debian's postgresql-common) is not installed"
    if os.geteuid() != 0:
        return "pg_createcluster needs root to create a cluster owned by the postgres user"
    if not VERSIONS.is_dir() or not any(VERSIONS.iterdir()):
        return "no PostgreSQL server version under /etc/postgresql"
    return ""


pytestmark = pytest.mark.skipif(bool(why_no_throwaway_cluster()), reason=why_no_throwaway_cluster() or "-")


class Cluster:
    def __init__(self, version: str, name: str, port: int):
        self.version, self.name, self.port = version, name, port

    def ctl(self, action: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", self.version, self.name, action],
            check=True,
            capture_output=True,
            timeout=120,
        )

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/portal"


@pytest.fixture(scope="module")
def cluster():
    version = sorted(path.name for path in VERSIONS.iterdir())[-1]
    port = free_port()
    name = f"throwaway{port}"
    subprocess.run(
        ["pg_createcluster", version, name, "-p", str(port), "--start", "--", "--auth=trust"],
        check=True,
        capture_output=True,
        timeout=180,
    )
    throwaway = Cluster(version, name, port)
    try:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-c", "CREATE DATABASE portal"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        migrate = manage(throwaway, "migrate", "--noinput")
        assert migrate.returncode == 0, migrate.stderr[-2000:]
        yield throwaway
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", version, name], capture_output=True, timeout=120, check=False
        )


def manage(cluster: Cluster, *args, timeout=300) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_URL": "memorymail://",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_with_the_database_stopped_the_command_exits_1_with_a_summary_and_no_traceback(cluster):
    cluster.ctl("stop")
    try:
        result = manage(cluster, "enforce_deadlines", timeout=120)
    finally:
        cluster.ctl("start")
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "CommandError: the deadline sweep had 1 problem(s)" in result.stderr
    assert "database unreachable: connection to server" in result.stderr
    assert "nothing was done" in result.stdout

    again = manage(cluster, "enforce_deadlines", timeout=120)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "ADR letters queued: 0" in again.stdout


def test_a_sweep_process_whose_database_restarted_carries_on_with_a_new_connection(cluster):
    """The failure seen: `enforce_deadlines` died in a later step after PostgreSQL came back."""
    script = (
        "import django, sys; django.setup()\n"
        "from escalation.sweep import run_deadline_sweep\n"
        "print('first', run_deadline_sweep().problems, flush=True)\n"
        "sys.stdin.readline()\n"
        "print('second', run_deadline_sweep().problems, flush=True)\n"
    )
    env = {
        **os.environ,
        "DATABASE_URL": cluster.url,
        "CELERY_BROKER_URL": "memory://",
        "EMAIL_URL": "memorymail://",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout.readline().strip() == "first []"
        cluster.ctl("restart")  # the process's open connection dies with the old server
        process.stdin.write("\n")
        process.stdin.flush()
        second = process.stdout.readline().strip()
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert second == "second []", process.stderr.read()[-2000:]
    assert process.returncode == 0
