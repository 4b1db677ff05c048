"""One HTTP request per connection, handed to a WSGI app, answered in one send, then closed.

Lean on purpose: wsgiref's handler parses headers with the email package and sends the status
line, each header and the body apart, which costs more than serving the cached /metrics bytes.
Here the head is read whole (at most MAX_HEAD_BYTES), split by hand, and the answer goes out in
one sendall. HTTP/1.0 and no keep-alive, as before: every answer closes its connection.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable
from http import HTTPStatus
from socketserver import BaseRequestHandler
from types import TracebackType
from typing import Any
from urllib.parse import unquote
from wsgiref.types import WSGIApplication, WSGIEnvironment

MAX_HEAD_BYTES = 65536  # request line and headers; what http.server allows for one line
READ_SIZE = 8192
HEAD_END = b"\r\n\r\n"

ExcInfo = tuple[type[BaseException], BaseException, TracebackType] | tuple[None, None, None]


class OneRequestHandler(BaseRequestHandler):
    """Reads one request head, calls the server's app, sends the answer; the server then closes."""

    def handle(self) -> None:
        head = self._read_head()
        if head is None:  # the client went away, timed out, or sent more head than allowed
            return
        environ = self._environ(head)
        if environ is None:
            self.request.sendall(_plain_answer(HTTPStatus.BAD_REQUEST))
            return
        app: WSGIApplication = self.server.get_app()  # type: ignore[attr-defined]
        answer = Answer()
        chunks = app(environ, answer.start_response)
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if environ["REQUEST_METHOD"] == "HEAD":
            body = b""
        self.request.sendall(answer.head(len(body)) + body)

    def _read_head(self) -> bytes | None:
        received = b""
        while (end := received.find(HEAD_END)) < 0:
            if len(received) > MAX_HEAD_BYTES:
                return None
            try:
                chunk = self.request.recv(READ_SIZE)
            except OSError:  # timed out, reset, or shut down at the deadline
                return None
            if not chunk:
                return None
            received += chunk
        return received[:end] if end <= MAX_HEAD_BYTES else None

    def _environ(self, head: bytes) -> WSGIEnvironment | None:
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        parts = request_line.split()
        if len(parts) != 3 or not parts[2].startswith("HTTP/"):
            return None
        method, target, protocol = parts
        path, _, query = target.partition("?")
        environ: dict[str, Any] = dict(self.server.base_environ)  # type: ignore[attr-defined]
        environ |= {
            "REQUEST_METHOD": method,
            "PATH_INFO": unquote(path, "latin-1"),
            "QUERY_STRING": query,
            "SERVER_PROTOCOL": protocol,
            "REMOTE_ADDR": str(self.client_address[0]),
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),  # bodies are not read: every route is a GET
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        for line in header_lines:
            name, colon, value = line.partition(":")
            if not colon:
                return None
            key = name.strip().upper().replace("-", "_")
            if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                key = "HTTP_" + key
            environ[key] = value.strip()
        return environ


class Answer:
    """The status and headers an app gives start_response."""

    def __init__(self) -> None:
        self.status = ""
        self.headers: list[tuple[str, str]] = []

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: ExcInfo | None = None, /
    ) -> Callable[[bytes], object]:
        self.status, self.headers = status, headers
        return _no_write

    def head(self, body_length: int) -> bytes:
        headers: Iterable[tuple[str, str]] = self.headers
        if not any(name.lower() == "content-length" for name, _ in self.headers):
            headers = [*self.headers, ("Content-Length", str(body_length))]
        lines = [f"HTTP/1.0 {self.status}", *(f"{name}: {value}" for name, value in headers)]
        return ("\r\n".join([*lines, "Connection: close", "", ""])).encode("latin-1")


def _no_write(data: bytes) -> object:
    raise NotImplementedError("answer with the app's return value, not write()")


def _plain_answer(status: HTTPStatus) -> bytes:
    body = f"{status.phrase}\n".encode()
    head = f"HTTP/1.0 {status.value} {status.phrase}\r\nContent-Type: text/plain; charset=utf-8\r\n"
    return head.encode() + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
