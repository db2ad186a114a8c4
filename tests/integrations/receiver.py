"""A webhook receiver for the tests: a tiny HTTP server on a free port, in a thread, that keeps
every request and answers with the statuses it is given in turn (then 200)."""

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int  # the status the receiver answered with


@dataclass
class Receiver:
    url: str
    answers: list[int] = field(default_factory=list)  # the next answers' statuses, first first
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.answers.pop(0) if self.answers else 200

    def bodies(self) -> list[bytes]:
        with self.lock:
            return [request.body for request in self.received]


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        status = self.receiver.next_status()
        with self.receiver.lock:
            self.receiver.received.append(
                Received(
                    self.path, {name.lower(): value for name, value in self.headers.items()}, body, status
                )
            )
        self.send_response(status)
        if 300 <= status < 400:
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format, *args):  # quiet
        pass


def start_receiver(*answers: int) -> tuple[Receiver, ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    receiver = Receiver(url=f"http://127.0.0.1:{server.server_port}/hooks/complaints?source=portal")
    receiver.answers.extend(answers)
    server.RequestHandlerClass = type("Handler", (_Handler,), {"receiver": receiver})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver, server
