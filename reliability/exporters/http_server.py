"""A WSGI server safe to expose on a network: a bounded number of connections, each with a deadline.

Each connection gets a thread, up to `max_connections`; one more is answered 503 at once and closed,
so slow or idle clients cost at most that many threads. A connection still open `deadline_seconds`
after it was accepted is shut down, whether its client is slow to send the request (a byte at a
time keeps no per-read timeout from firing) or slow to read the answer; every read and write also
times out on its own after that long.
"""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

MAX_CONNECTIONS = 32
DEADLINE_SECONDS = 10.0
REFUSAL = b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

Request = socket.socket


class BoundedWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True  # a client still connected does not hold up the shutdown
    request_queue_size = 128  # a burst of connects waits in the kernel to be accepted (or refused)

    def __init__(
        self,
        address: tuple[str, int],
        *,
        max_connections: int = MAX_CONNECTIONS,
        deadline_seconds: float = DEADLINE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_connections = max_connections
        self.deadline_seconds = deadline_seconds
        self._clock = clock
        self._slots = threading.BoundedSemaphore(max_connections)
        self._open: dict[Request, float] = {}  # connection -> when it must be closed
        self._lock = threading.Lock()
        self.refused = 0  # connections turned away because every slot was taken
        super().__init__(address, QuietHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        with self._lock:
            self._open[request] = self._clock() + self.deadline_seconds
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread to serve it (can't start new thread): serve_forever closes it
            self._release(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._release(request)

    def service_actions(self) -> None:
        """Called by serve_forever between accepts (at least every poll interval): end overdue connections."""
        now = self._clock()
        with self._lock:
            overdue = [request for request, deadline in self._open.items() if deadline <= now]
        for request in overdue:
            with contextlib.suppress(OSError):  # it may have closed meanwhile
                request.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that times out or goes away is no error of ours; anything else is reported."""
        if isinstance(sys.exception(), OSError):
            return
        super().handle_error(request, client_address)

    def open_connections(self) -> int:
        with self._lock:
            return len(self._open)

    def _refuse(self, request: Request) -> None:
        self.refused += 1
        with contextlib.suppress(OSError):
            request.setblocking(False)  # a fresh socket's send buffer takes these bytes; never wait
            request.send(REFUSAL)
        self.shutdown_request(request)

    def _release(self, request: Request) -> None:
        with self._lock:
            if self._open.pop(request, None) is None:
                return
        self._slots.release()


class BoundedWSGIServerV6(BoundedWSGIServer):
    address_family = socket.AF_INET6


class QuietHandler(WSGIRequestHandler):
    """One request per connection (HTTP/1.0), each read and write bounded; no line per scrape."""

    server: BoundedWSGIServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.deadline_seconds)  # per read or write; the deadline: all

    def log_message(self, format: str, *args: Any) -> None:  # a line per scrape would drown the run log
        pass
