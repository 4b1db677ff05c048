"""A fake Prometheus HTTP API on 127.0.0.1 that answers what a test scripts: bad bodies, errors, drips.

Each POST gets the next scripted reply, then `then` for every later one. What each request
carried (path, headers and form) is kept, so a test can tell what reached the server.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from support.local_http import local_http

DRIP_PAUSE_SECONDS = 0.05  # between two bytes of a dripping reply: it drips until the test ends
GATHER_SECONDS = 10.0  # the longest a request waits for others to arrive (see FakePrometheus.gather)


@dataclass(frozen=True)
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()
    content_length: int | None = None  # default: the body's; more announces bytes that never come
    announce_length: bool = True  # False: no Content-Length, the body ends when the connection closes
    drip: str = ""  # "headers" or "body": sent one byte at a time, for as long as the test lasts


def matrix(*series: dict[str, Any]) -> Reply:
    """A well-formed range answer holding these series."""
    answer = {"status": "success", "data": {"resultType": "matrix", "result": list(series)}}
    return Reply(body=json.dumps(answer).encode())


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    form: bytes = b""


@dataclass
class FakePrometheus:
    """`answer`, when set, replies to each request from what it asks (so arrival order does not matter).

    With `gather` > 1 requests are held until that many have been in flight at once (or
    GATHER_SECONDS pass), so a client sending them concurrently is seen doing it: `most_in_flight`.
    """

    replies: list[Reply]
    then: Reply
    answer: Callable[[Request], Reply] | None = None
    gather: int = 0
    url: str = ""
    requests: list[Request] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Condition = field(default_factory=threading.Condition)

    def next_reply(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self._lock.notify_all()
            self._lock.wait_for(
                lambda: self.most_in_flight >= self.gather or self.stop.is_set(), GATHER_SECONDS
            )
            # Counted out before its reply is sent: the client still waits for it, so it never
            # sees fewer requests in flight than this count.
            self.in_flight -= 1
            if self.answer is not None:
                return self.answer(request)
            return self.replies.pop(0) if self.replies else self.then


def _handler(fake: FakePrometheus) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            form = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            reply = fake.next_reply(Request(self.path, dict(self.headers), form))
            length = len(reply.body) if reply.content_length is None else reply.content_length
            head = f"HTTP/1.0 {reply.status} Scripted\r\nContent-Type: {reply.content_type}\r\n"
            head += "".join(f"{name}: {value}\r\n" for name, value in reply.headers)
            head += f"Content-Length: {length}\r\n" if reply.announce_length else ""
            head += "\r\n"
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
def fake_prometheus(
    *replies: Reply,
    then: Reply | None = None,
    answer: Callable[[Request], Reply] | None = None,
    gather: int = 0,
) -> Iterator[FakePrometheus]:
    fake = FakePrometheus(list(replies), then or matrix(), answer, gather)
    with local_http(_handler(fake)) as fake.url:
        try:
            yield fake
        finally:
            fake.stop.set()  # ends the drips before the server waits for its threads
