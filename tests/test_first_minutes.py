"""The first five minutes of a new user: one clear block with where to go and how to log in, e-mails
printed as e-mails, a 404 logged once, a favicon (no console error on every page)."""

import io
import logging
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command

from notifications.console import FramedConsoleBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_login_file(settings, tmp_path):
    settings.DEBUG = True
    settings.DEMO_LOGIN_FILE = tmp_path / "demo-login.txt"
    return settings.DEMO_LOGIN_FILE


def banner(*args) -> str:
    out = io.StringIO()
    call_command("create_demo_staff", *args, stdout=out)
    return out.getvalue()


def logs_in(password: str) -> bool:
    return get_user_model().objects.get(username="demo").check_password(password)


def password_in(text: str) -> str:
    return next(
        line.split("Password:", 1)[1].strip(" │") for line in text.splitlines() if "Password:" in line
    )


def test_the_start_up_ends_with_one_block_saying_where_to_go_and_how_to_log_in(demo_login_file):
    first = banner("--banner")
    assert "http://127.0.0.1:8000/" in first
    assert "http://127.0.0.1:8000/admin/" in first
    assert "demo" in first
    assert logs_in(password_in(first))
    assert stat.S_IMODE(demo_login_file.stat().st_mode) == 0o600  # readable by its owner only
    again = banner("--banner")
    assert password_in(again) == password_in(first)  # every start shows it, not only the first


def test_the_demo_password_can_be_made_anew(demo_login_file):
    old = password_in(banner("--banner"))
    new = password_in(banner("--reset"))
    assert new != old
    assert logs_in(new)
    assert not logs_in(old)


def test_an_email_printed_in_development_is_framed_as_an_email_not_logged_as_a_warning(caplog):
    stream = io.StringIO()
    message = mail.EmailMessage(
        "Mae eich cwyn NS-ABCD-EFGH – gŵyn", "We have it.", "complaints@example.com", ["zoe@example.com"]
    )
    with caplog.at_level(logging.DEBUG):
        FramedConsoleBackend(stream=stream).send_messages([message])
    printed = stream.getvalue()
    assert printed.splitlines()[0].startswith("┌─ E-mail to zoe@example.com")
    assert "Subject: Mae eich cwyn NS-ABCD-EFGH – gŵyn" in printed  # decoded, not =?utf-8?q?…
    assert "We have it." in printed
    assert printed.rstrip().splitlines()[-1].startswith("└")
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]


def test_a_page_not_found_is_logged_once(client, caplog):
    with caplog.at_level(logging.INFO):
        assert client.get("/no-such-page/").status_code == 404
    about_it = [
        record
        for record in caplog.records
        if record.levelno >= logging.INFO and record.name.startswith(("django", "portal"))
    ]
    assert len(about_it) == 1, [(record.name, record.getMessage()) for record in about_it]


def test_there_is_a_favicon_so_browsers_do_not_fail_on_every_page(client):
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    assert response["Location"].endswith("favicon.svg")
