"""A throw-away Dovecot IMAP server over TLS on a free port, for the mailbox poller's tests.

Its configuration, certificate (made with openssl for `localhost`), user and mail live in a
temporary folder removed afterwards; the mail is owned by `nobody` when the tests run as root
(Dovecot refuses root as a mail user), else by the user running them.
"""

import imaplib
import os
import pwd
import shutil
import ssl
import subprocess
import tempfile
import textwrap
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from tests.conftest import free_port, wait_for

USER, PASSWORD = "portal", "mailbox pass 1!@"  # no colon: it separates passwd-file fields


@dataclass
class Mailbox:
    port: int
    ca_file: str

    @property
    def url(self) -> str:
        return f"imaps://{quote(USER)}:{quote(PASSWORD, safe='')}@localhost:{self.port}/INBOX"

    def client(self) -> imaplib.IMAP4_SSL:
        client = imaplib.IMAP4_SSL(
            "localhost", self.port, ssl_context=ssl.create_default_context(cafile=self.ca_file)
        )
        client.login(USER, PASSWORD)
        return client

    def deliver(self, *messages: bytes) -> None:
        """Put messages in the mailbox, as the mail server delivering to it would."""
        with self.client() as client:
            for raw in messages:
                status, _ = client.append("INBOX", None, None, raw)
                assert status == "OK"

    def flags(self) -> dict[int, str]:
        with self.client() as client:
            client.select("INBOX")
            _, data = client.uid("FETCH", "1:*", "(FLAGS)")
        return {int(line.split(b"UID ")[1].split()[0]): line.decode() for line in data if line}


def dovecot_missing_reason() -> str | None:
    if shutil.which("dovecot") is None:
        return (
            "Dovecot is not installed (apt-get install -y dovecot-imapd; `make system-deps` does it as root)"
        )
    if shutil.which("openssl") is None:
        return "openssl is not installed (to make the test server's certificate)"
    return None


@contextmanager
def dovecot_server():
    folder = Path(tempfile.mkdtemp(prefix="dovecot-"))
    folder.chmod(0o755)  # the mail user (nobody) must reach its home
    port = free_port()
    if os.geteuid() == 0:
        mail_user = pwd.getpwnam("nobody")
        services = ""
    else:
        mail_user = pwd.getpwuid(os.geteuid())
        services = f"default_internal_user = {mail_user.pw_name}\ndefault_login_user = {mail_user.pw_name}\n"
    home = folder / "home"
    home.mkdir()
    os.chown(home, mail_user.pw_uid, mail_user.pw_gid)
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
            "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    (folder / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    config = folder / "dovecot.conf"
    config.write_text(
        textwrap.dedent(
            f"""\
            base_dir = {folder}/run
            state_dir = {folder}/state
            instance_name = test-{port}
            protocols = imap
            listen = 127.0.0.1
            ssl = required
            ssl_cert = <{folder}/cert.pem
            ssl_key = <{folder}/key.pem
            log_path = {folder}/dovecot.log
            auth_mechanisms = plain
            first_valid_uid = 1
            passdb {{
              driver = passwd-file
              args = scheme=PLAIN {folder}/passwd
            }}
            userdb {{
              driver = static
              args = uid={mail_user.pw_uid} gid={mail_user.pw_gid} home={home}/%u
            }}
            mail_location = maildir:~/Maildir
            service imap-login {{
              inet_listener imap {{
                port = 0
              }}
              inet_listener imaps {{
                port = {port}
                ssl = yes
              }}
            }}
            """
        )
        + services
    )
    # Its daemons keep whatever output they are given open: a file, never a pipe we would wait on.
    with (folder / "start.log").open("w") as start_log:
        subprocess.run(["dovecot", "-c", str(config)], check=True, stdout=start_log, stderr=subprocess.STDOUT)
    mailbox = Mailbox(port=port, ca_file=str(folder / "cert.pem"))
    try:
        wait_for(lambda: _answers(mailbox), timeout=20)
        yield mailbox
    finally:
        subprocess.run(
            ["dovecot", "-c", str(config), "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        shutil.rmtree(folder, ignore_errors=True)


def _answers(mailbox: Mailbox) -> bool:
    try:
        mailbox.client().logout()
    except (OSError, imaplib.IMAP4.error):
        return False
    return True
