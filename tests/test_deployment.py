"""The files users deploy with: docker-compose.yml must stay valid, and the settings must read the environment."""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.conf import settings

COMPOSE_FILE = Path(settings.BASE_DIR) / "docker-compose.yml"


def compose_config(**env):
    docker_compose = shutil.which("docker-compose")
    assert docker_compose, (
        "Debian's docker-compose is needed: apt-get install -y docker-compose (.ci/run does it)"
    )
    return subprocess.run(
        [docker_compose, "-f", str(COMPOSE_FILE), "config", "-q"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_docker_compose_file_is_valid():
    result = compose_config(DJANGO_SECRET_KEY="a-secret")
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_start_without_a_secret_key():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SECRET_KEY"}
    result = subprocess.run(
        [shutil.which("docker-compose"), "-f", str(COMPOSE_FILE), "config", "-q"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_docker_compose_runs_every_service_with_one_beat():
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "gunicorn" in services["web"]["command"]
    assert services["beat"]["deploy"]["replicas"] == 1
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in services[name], name


def test_only_the_proxy_publishes_a_port_and_the_portal_trusts_exactly_that_proxy():
    """gunicorn reachable directly would let any client write its own X-Forwarded-For. The SMTP
    server for mail in is published on the host's loopback only, for the host's mail server."""
    services = yaml.safe_load(COMPOSE_FILE.read_text())["services"]
    published = {name: service["ports"] for name, service in services.items() if service.get("ports")}
    assert set(published) == {"proxy", "mail-in"}
    assert published["mail-in"] == ["127.0.0.1:2525:2525"]
    assert services["web"]["environment"]["TRUSTED_PROXY_COUNT"] == "1"
    caddyfile = (Path(settings.BASE_DIR) / "deploy" / "Caddyfile").read_text()
    assert "reverse_proxy {$UPSTREAM:web:8000}" in caddyfile
    assert "max_size 52MiB" in caddyfile


def test_production_settings_pass_the_deployment_checks_without_a_warning():
    """HTTPS redirect, HSTS, secure cookies, a real secret, no DEBUG: `check --deploy` is silent."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_ALLOWED_HOSTS": "complaints.netservers.co.uk",
        "REDIS_URL": "redis://127.0.0.1:6379/15",  # production has Redis; nothing connects during checks
    }
    env.pop("DJANGO_SECURE_SSL_REDIRECT", None)
    assert_checks_are_silent(env, "--deploy")


def test_the_embedded_default_starts_without_a_warning():
    """`make run`'s settings (SQLite, no Redis, DEBUG): the checks `migrate` prints at every start,
    the database's included, are silent. (An index holding a column for PostgreSQL's index-only
    reads warned that SQLite ignores it.)"""
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_URL", "REDIS_URL")}
    env.update({"DJANGO_DEBUG": "1", "CELERY_BROKER_URL": "filesystem://"})
    assert_checks_are_silent(env, "--database", "default")


def assert_checks_are_silent(env: dict, *options: str) -> None:
    """`manage.py check` with `options`, in a process of its own with `env`, reports nothing."""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", *options, "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_embedded_broker_keeps_its_exchange_table_under_var_not_where_a_process_starts(tmp_path):
    """kombu's filesystem transport writes an exchange table; it belongs in var/broker, never in git."""
    declare_the_default_queue = (
        "import django; django.setup();"
        "from config.celery import app;"
        "connection = app.connection_for_write();"
        "app.amqp.queues[app.conf.task_default_queue](connection.default_channel).declare()"
    )
    env = {
        **os.environ,
        "CELERY_BROKER_URL": "filesystem://",
        "REDIS_URL": "",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    result = subprocess.run(
        [sys.executable, "-c", declare_the_default_queue],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "control").exists()
    assert (Path(settings.BASE_DIR) / "var" / "broker" / "control" / "celery.exchange").is_file()
    tracked = subprocess.run(
        ["git", "ls-files", "control"], cwd=settings.BASE_DIR, capture_output=True, text=True, check=False
    )
    assert tracked.stdout == ""


def start_settings(**env_changes):
    """Import the settings in a fresh process, as gunicorn, a worker or manage.py would."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FALLBACKS", "DJANGO_DEBUG"}
    }
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings", **env_changes})
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "key",
    [
        None,
        "",
        "short-secret",
        "django-insecure-local-development-key-only",
        "django-insecure-" + "x" * 50,
        "a" * 60,
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(key):
    """Anyone who knows the development key could forge a private link that never expires."""
    env = {"DJANGO_DEBUG": "0"}
    if key is not None:
        env["DJANGO_SECRET_KEY"] = key
    result = start_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr  # says how to make one


def test_production_starts_with_a_long_random_key_and_a_laptop_without_one():
    assert start_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(50)).returncode == 0
    laptop = start_settings(DJANGO_DEBUG="1")
    assert laptop.returncode == 0, laptop.stderr


def test_an_old_key_listed_as_a_fallback_must_be_as_strong():
    result = start_settings(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECRET_KEY_FALLBACKS="too-short",
    )
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY_FALLBACKS" in result.stderr


@pytest.mark.django_db
def test_private_links_survive_a_key_rotation_while_the_old_key_is_a_fallback(settings):
    from complaints.tracking_links import make_tracking_token, read_tracking_token

    old_key, new_key = secrets.token_urlsafe(50), secrets.token_urlsafe(50)
    settings.SECRET_KEY = old_key
    token = make_tracking_token(reference="NS-AB12-CD34", tracking_key="k" * 20)

    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = new_key, [old_key]
    assert read_tracking_token(token) == ("NS-AB12-CD34", "k" * 20)

    settings.SECRET_KEY_FALLBACKS = []
    assert read_tracking_token(token) is None


def test_a_short_metrics_token_is_refused():
    result = start_settings(DJANGO_DEBUG="1", METRICS_TOKEN="guessable")
    assert result.returncode != 0
    assert "METRICS_TOKEN must be 32 characters or more" in result.stderr
