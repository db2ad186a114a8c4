"""Real SMTP peers for the delivery tests: a sink that can refuse (aiosmtpd), and a blackhole."""

import socket
import threading
import time
from collections import Counter
from contextlib import contextmanager
from email import message_from_bytes

from aiosmtpd.controller import Controller

from tests.conftest import free_port


class Sink:
    """Accepts mail and counts it by Message-ID; answers 451 (try later) while `refusing`."""

    def __init__(self, *, delay: float = 0.0):
        self.refusing = False
        self.rejecting = ""  # a permanent (5xx) answer to give instead, e.g. "550 5.1.1 No such user"
        self.delay = delay
        self.received: Counter[str] = Counter()
        self.refused = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.rejecting:
            return self.rejecting
        if self.refusing:
            with self._lock:
                self.refused += 1
            return "451 4.3.0 Mail server temporarily unavailable, try later"
        if self.delay:
            time.sleep(self.delay)  # a slow server widens the window a crash can fall into
        message_id = message_from_bytes(envelope.content)["Message-ID"]
        with self._lock:
            self.received[message_id] += 1
        return "250 OK"

    def total(self) -> int:
        with self._lock:
            return sum(self.received.values())


@contextmanager
def smtp_sink(**options):
    sink = Sink(**options)
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield sink, port
    finally:
        controller.stop()


@contextmanager
def blackhole_smtp():
    """A server that accepts connections and never says a word (no greeting, no reply)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept_forever():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            held.append(connection)

    thread = threading.Thread(target=accept_forever, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], held
    finally:
        stop.set()
        thread.join(timeout=2)
        for connection in held:
            connection.close()
        listener.close()
