"""A fake Prometheus HTTP API on 127.0.0.1 that answers what a test scripts: bad bodies, errors, drips.

Each POST gets the next scripted reply, then `then` for every later one. What each request
carried (path and headers) is kept, so a test can tell what reached the server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DRIP_PAUSE_SECONDS = 0.05  # between two bytes of a dripping reply: it drips until the test ends


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    content_length: int | None = None  # default: the body's; more announces bytes that never come
    drip: str = ""  # "headers" or "body": sent one byte at a time, for as long as the test lasts


def matrix(*series: dict[str, Any]) -> Reply:
    """A well-formed range answer holding these series."""
    answer = {"status": "success", "data": {"resultType": "matrix", "result": list(series)}}
    return Reply(body=json.dumps(answer).encode())


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]


@dataclass
class FakePrometheus:
    replies: list[Reply]
    then: Reply
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            return self.replies.pop(0) if self.replies else self.then


def _handler(fake: FakePrometheus) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            reply = fake.next_reply(Request(self.path, dict(self.headers)))
            length = len(reply.body) if reply.content_length is None else reply.content_length
            head = f"HTTP/1.0 {reply.status} Scripted\r\nContent-Type: {reply.content_type}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in reply.headers)
            head += f"Content-Length: {length}\r\n\r\n"
            try:
                self._send(head.encode(), reply.drip == "headers")
                self._send(reply.body, reply.drip == "body")
            except (BrokenPipeError, ConnectionResetError):  # the client gave up: what a drip is for
                return

        def _send(self, data: bytes, drip: bool) -> None:
            if not drip:
                self.wfile.write(data)
                return
            for index in range(len(data)):
                if fake.stop.wait(DRIP_PAUSE_SECONDS):
                    return
                self.wfile.write(data[index : index + 1])

        def log_message(self, *_: Any) -> None:
            return

    return Handler


@contextmanager
def fake_prometheus(*replies: Reply, then: Reply | None = None) -> Iterator[FakePrometheus]:
    fake = FakePrometheus(list(replies), then or matrix())
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.stop.set()
        server.shutdown()
        server.server_close()
        thread.join()
