"""The proxy users deploy (deploy/Caddyfile, docker-compose's `proxy`), run for real with Debian's
Caddy in front of a stand-in upstream: the forwarding headers the portal trusts, what it hides,
and the page customers see when the portal cannot answer."""

import json
import os
import shutil
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

from tests.conftest import free_port

DEPLOY = Path(settings.BASE_DIR) / "deploy"


class EchoHeaders(BaseHTTPRequestHandler):
    def do_GET(self):
        body = json.dumps(dict(self.headers)).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), EchoHeaders)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def caddy(tmp_path, upstream):
    binary = shutil.which("caddy")
    assert binary, "Debian's caddy is needed: apt-get install -y caddy (make system-deps does it)"
    port = free_port()
    config = tmp_path / "Caddyfile"
    # The deployed site block as it is, with only Caddy's admin endpoint turned off for the test.
    config.write_text("{\n\tadmin off\n}\n" + (DEPLOY / "Caddyfile").read_text())
    env = {
        **os.environ,
        "SITE_ADDRESS": f"http://127.0.0.1:{port}",
        "UPSTREAM": f"127.0.0.1:{upstream.server_address[1]}",
        "ERROR_PAGES": str(DEPLOY / "errors"),
        "COMPANY_NAME": "Netservers Ltd.",
        "COMPANY_PHONE": "01223 446000",
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    process = subprocess.Popen(
        [binary, "run", "--config", str(config), "--adapter", "caddyfile"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(tmp_path / "caddy.log").open("w"),
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, (tmp_path / "caddy.log").read_text()
            assert time.monotonic() < deadline, "caddy did not start"
            time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


def get(url, **headers):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_the_client_is_the_last_forwarded_for_entry_whatever_the_client_wrote(caddy):
    status, body = get(f"{caddy}/complaints/new/", **{"X-Forwarded-For": "6.6.6.6"})
    assert status == 200
    seen = json.loads(body)
    assert seen["X-Forwarded-For"].split(",")[-1].strip() == "127.0.0.1"  # TRUSTED_PROXY_COUNT=1
    assert seen["X-Forwarded-Proto"] == "http"


@pytest.mark.parametrize("path", ["/metrics", "/readyz"])
def test_operators_endpoints_are_not_served_to_the_internet(caddy, path):
    status, body = get(f"{caddy}{path}")
    assert status == 404
    assert "portal_" not in body


def test_with_the_portal_down_customers_get_our_page_saying_nothing_was_saved(caddy, upstream):
    upstream.shutdown()
    upstream.server_close()
    status, page = get(f"{caddy}/complaints/new/")
    assert status == 502
    assert "Sorry, our complaints service is unavailable" in page
    assert "it has not been saved" in page
    assert 'href="tel:01223446000">01223 446000</a>' in page
    assert "Netservers Ltd." in page
