"""A WSGI server safe to expose on a network: a bounded number of connections, each with a deadline.

Each connection is served by one of at most `max_connections` threads, kept for the next connection
(starting a thread per connection cost more than the answer); one connection more is answered 503
at once and closed, so slow or idle clients cost at most that many threads. A connection still open
`deadline_seconds` after it was accepted is shut down, whether its client is slow to send the
request (a byte at a time keeps no per-read timeout from firing) or slow to read the answer; every
read and write also times out on its own after that long.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import Any
from wsgiref.simple_server import WSGIServer

from reliability.exporters.one_request import OneRequestHandler

MAX_CONNECTIONS = 32
DEADLINE_SECONDS = 10.0
REFUSAL = b"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

Request = socket.socket


class BoundedWSGIServer(WSGIServer):
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
        self._workers = Workers(max_connections, self._serve, self._release)
        super().__init__(address, BoundedHandler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        with self._lock:
            self._open[request] = self._clock() + self.deadline_seconds
        try:
            self._workers.submit(request, client_address)
        except BaseException:  # no thread to serve it (can't start new thread): serve_forever closes it
            self._release(request)
            raise

    def _serve(self, request: Any, client_address: Any) -> None:
        """In a worker: what socketserver's threading mix-in does for a connection (the slot is freed
        once the worker is idle again, so a freed slot always finds a thread)."""
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)

    def server_close(self) -> None:
        super().server_close()
        self._workers.stop()

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


class BoundedHandler(OneRequestHandler):
    """One request per connection (HTTP/1.0), each read and write bounded; no line per scrape."""

    server: BoundedWSGIServer

    def setup(self) -> None:
        self.request.settimeout(self.server.deadline_seconds)  # per read or write; the deadline: all


Job = tuple[Request, Any]


class Workers:
    """Up to `limit` daemon threads running `serve` on submitted jobs, kept between jobs.

    Each submit reserves a thread, an idle one or a new one, so a job never waits for a busy
    thread while the number of jobs in progress stays within `limit`: the server's slots see to
    that, and `done` (which frees the job's slot) runs only once its thread counts as idle again.
    Daemon threads: a client still connected does not hold up the shutdown.
    """

    def __init__(
        self, limit: int, serve: Callable[[Request, Any], None], done: Callable[[Request], None]
    ) -> None:
        self._limit = limit
        self._serve = serve
        self._done = done
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._threads = 0
        self._idle = 0

    def submit(self, request: Request, client_address: Any) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
            elif self._threads < self._limit:
                threading.Thread(target=self._work, name="http", daemon=True).start()
                self._threads += 1
            else:  # cannot happen while jobs are bounded by the slots `done` frees
                raise RuntimeError(f"more than {self._limit} connections in progress")
        self._jobs.put((request, client_address))

    @property
    def started(self) -> int:
        """Threads started so far."""
        return self._threads

    @property
    def idle(self) -> int:
        """Threads waiting for a job and not yet reserved for one."""
        return self._idle

    def stop(self) -> None:
        """Let every thread end once it is idle."""
        with self._lock:
            threads = self._threads
        for _ in range(threads):
            self._jobs.put(None)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                self._serve(*job)
            finally:
                with self._lock:
                    self._idle += 1
                self._done(job[0])
