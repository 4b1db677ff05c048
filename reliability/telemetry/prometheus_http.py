"""One HTTP POST to a Prometheus API that ends by a deadline and keeps its credentials at home.

A socket timeout bounds each read, so a server sending one byte a second could hold a request
for hours; here every step of an attempt (name resolution, connect, TLS, headers, body,
redirects) must end before one deadline, and the body is read in pieces up to a size limit.
A redirect is followed only to the same host (http may become https, never the reverse),
re-sending the same POST: the query and its credentials never go to a host the configuration
does not name.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import IO, Any, cast

from reliability.redact import without_credentials

MAX_ERROR_BODY_BYTES = 64 * 1024  # the server's message on a refused query: enough to quote
READ_PIECE_BYTES = 1 << 20


class DeadlineExceeded(TimeoutError):
    """The attempt did not end by its deadline."""


class RedirectRefused(Exception):
    """The server sent the request to another host: not followed, and retrying will not help."""


class AnswerTooLarge(Exception):
    """The body is longer than the limit: the same query would bring it again."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {limit:,} bytes")
        self.limit = limit


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes | bytearray  # a bytearray when read in pieces: no second copy of a large body


class TransportFailure(Exception):
    """The attempt got no complete answer (refused, reset, truncated, too slow): worth retrying."""


class _DeadlineSocket:
    """A socket (plain or TLS) whose reads and writes each get only the time left until the deadline."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline
        self._open_files = 0
        self._closed = False

    def _arm(self) -> None:
        self._sock.settimeout(_left(self._deadline))

    def recv_into(self, buffer: Any, nbytes: int = 0, flags: int = 0) -> int:
        self._arm()
        return self._sock.recv_into(buffer, nbytes, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self._arm()
        self._sock.sendall(data, flags)

    def makefile(self, mode: str = "rb", *_: Any, **__: Any) -> IO[bytes]:
        # http.client reads the answer through this file: its raw reads come back to recv_into above.
        if mode != "rb":
            raise ValueError(f"only binary reading is supported, not {mode!r}")
        self._open_files += 1
        return io.BufferedReader(socket.SocketIO(cast(socket.socket, self), "rb"))

    # Like a socket, closing waits for the files made from it: urllib closes the connection's
    # socket before the body is read from the answer's file.
    def _decref_socketios(self) -> None:  # what SocketIO.close calls
        self._open_files -= 1
        if self._closed and not self._open_files:
            self._sock.close()

    def close(self) -> None:
        self._closed = True
        if not self._open_files:
            self._sock.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def _left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise DeadlineExceeded("deadline passed")
    return left


def _resolve(host: str, port: int, deadline: float) -> list[Any]:
    """getaddrinfo by the deadline: it cannot be interrupted, so it runs in a thread left behind if late."""
    found: list[Any] = []
    failed: list[OSError] = []

    def lookup() -> None:
        try:
            found.extend(socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM))
        except OSError as exc:
            failed.append(exc)

    thread = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    thread.start()
    thread.join(_left(deadline))
    if thread.is_alive():
        raise DeadlineExceeded(f"resolving {host} did not end by the deadline")
    if failed:
        raise failed[0]
    return found


def _connect(address: tuple[str, int], deadline: float) -> socket.socket:
    """socket.create_connection, with the name resolution and each connect inside the deadline."""
    host, port = address
    last: OSError = OSError(f"{host} has no address")
    for family, kind, proto, _, where in _resolve(host, port, deadline):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(_left(deadline))
            sock.connect(where)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise last


class _DeadlineHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, *, deadline: float, **options: Any) -> None:
        super().__init__(host, **options)
        self.deadline = deadline
        self._create_connection = lambda address, *_: _connect(address, deadline)

    def connect(self) -> None:
        self.timeout = _left(self.deadline)  # connecting (and a TLS handshake) get what is left
        super().connect()
        self.sock = cast(socket.socket, _DeadlineSocket(self.sock, self.deadline))


class _DeadlineHTTPSConnection(_DeadlineHTTPConnection, http.client.HTTPSConnection):
    pass


class _DeadlineHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_DeadlineHTTPConnection, req, deadline=self.deadline)  # type: ignore[arg-type]


class _DeadlineHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_DeadlineHTTPSConnection, req, deadline=self.deadline)  # type: ignore[arg-type]


def same_host(url: str, target: str) -> bool:
    """Whether a redirect from `url` to `target` stays on its host, never downgrading https to http."""
    old, new = urllib.parse.urlsplit(url), urllib.parse.urlsplit(target)
    if new.scheme not in ("http", "https") or (old.scheme, new.scheme) == ("https", "http"):
        return False
    return (old.hostname or "").lower() == (new.hostname or "").lower()


class _SameHostRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request:
        if not same_host(req.full_url, newurl):
            raise RedirectRefused(
                f"{without_credentials(req.full_url)} redirected (HTTP {code}) to another host or to plain "
                f"http, {without_credentials(newurl)}: not followed, so the query and credentials stay here; "
                "set the source's url to the address that answers"
            )
        # The same POST again (urllib would turn it into a GET without the query).
        return urllib.request.Request(newurl, data=req.data, headers=req.headers, method=req.get_method())


def _error_answer(error: urllib.error.HTTPError) -> Answer:
    return Answer(error.code, error.headers.get("Content-Type", ""), error.read(MAX_ERROR_BODY_BYTES))


def _read_body(response: http.client.HTTPResponse, limit: int) -> bytearray:
    """The whole body in pieces, refused as soon as it (or its announced length) passes `limit`."""
    announced = response.getheader("Content-Length", "")
    if announced.isdigit() and int(announced) > limit:
        raise AnswerTooLarge(limit)
    body = bytearray()
    while piece := response.read(READ_PIECE_BYTES):
        body += piece
        if len(body) > limit:
            raise AnswerTooLarge(limit)
    if response.length:  # read(amt) ends quietly where a connection closes short of Content-Length
        raise http.client.IncompleteRead(body, response.length)  # type: ignore[arg-type]
    return body


def post(
    url: str, form: bytes, headers: dict[str, str], timeout_seconds: float, max_body_bytes: int
) -> Answer:
    """One attempt: the status and whole body, by `timeout_seconds` from now, or TransportFailure.

    AnswerTooLarge when the body would pass `max_body_bytes`.
    """
    deadline = time.monotonic() + timeout_seconds
    opener = urllib.request.build_opener(
        _DeadlineHTTPHandler(deadline), _DeadlineHTTPSHandler(deadline), _SameHostRedirects()
    )
    request = urllib.request.Request(url, data=form, headers=headers, method="POST")
    try:
        try:
            with opener.open(request, timeout=timeout_seconds) as response:
                body = _read_body(response, max_body_bytes)
                return Answer(response.status, response.headers.get("Content-Type", ""), body)
        except urllib.error.HTTPError as error:
            with error:
                return _error_answer(error)
    except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts, resets, truncated bodies
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, DeadlineExceeded) or time.monotonic() >= deadline:
            raise TransportFailure(f"no complete answer within the {timeout_seconds:g}s timeout") from None
        raise TransportFailure(without_credentials(str(reason) or type(reason).__name__)) from None
