"""`reliability serve`: run the pipeline on an interval; serve the latest metrics and a health check.

A failed run never takes the server down: /metrics keeps the last good run's values and says the
last run failed, and /healthz answers 503 with the reason. The HTTP side is bounded
(reliability.exporters.http_server): so many connections at once, each closed at its deadline.
/metrics is rendered once per run, by the run's thread, and each scrape sends those bytes.
"""

from __future__ import annotations

import json
import signal
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from http import HTTPStatus
from pathlib import Path
from types import FrameType
from typing import Annotated, Any
from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

import typer
from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric as MetricFamily
from prometheus_client.registry import Collector

from reliability import pipeline
from reliability.commands.shared import evaluation_time, reporting_errors
from reliability.config import load_config
from reliability.conventions import ServeMetric
from reliability.durations import parse_duration
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError, printable
from reliability.exporters import exposition, metrics
from reliability.exporters.http_server import (
    DEADLINE_SECONDS,
    MAX_CONNECTIONS,
    BoundedWSGIServer,
    BoundedWSGIServerV6,
)
from reliability.redact import without_credentials
from reliability.terminal.options import ConfigPathArgument

DEFAULT_LISTEN = "127.0.0.1:9464"
DEFAULT_INTERVAL = "60s"
STALE_AFTER_INTERVALS = 2  # /healthz fails when the last good run is older than this many intervals
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)

RunOnce = Callable[[], CollectorRegistry]
Log = Callable[[str], None]


@dataclass(frozen=True)
class RunStatus:
    registry: CollectorRegistry | None = None  # the last good run's metrics
    last_run_succeeded: bool | None = None  # None until the first run has finished
    last_success_monotonic: float | None = None
    last_success_unix: float | None = None
    last_error: str | None = None
    failures: int = 0


class LatestResults(Collector):
    """What /metrics and /healthz show.

    The run loop replaces the whole status in one assignment, then its rendered exposition in
    another; readers take one reference, so a scrape never mixes two runs.
    """

    def __init__(
        self,
        interval_seconds: float,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.interval_seconds = interval_seconds
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._status = RunStatus()
        self._formats = exposition.FormatCache(self)

    def exposition(
        self, encoder: exposition.Encoder = exposition.render, content_type: str = exposition.CONTENT_TYPE
    ) -> bytes:
        """collect() in the format of `encoder`, as of the last run's end: rendered once per run."""
        return self._formats.render(encoder, content_type)

    def succeeded(self, registry: CollectorRegistry) -> None:
        self._publish(
            replace(
                self._status,
                registry=registry,
                last_run_succeeded=True,
                last_success_monotonic=self._monotonic(),
                last_success_unix=self._wall_clock(),
                last_error=None,
            )
        )

    def failed(self, error: str) -> None:
        status = self._status
        self._publish(
            replace(status, last_run_succeeded=False, last_error=error, failures=status.failures + 1)
        )

    def _publish(self, status: RunStatus) -> None:
        self._status = status
        formats = exposition.FormatCache(self)
        formats.render(
            exposition.render, exposition.CONTENT_TYPE
        )  # the text format here, rather than at a scrape
        self._formats = formats

    def collect(self) -> Iterator[MetricFamily]:
        status = self._status
        if status.registry is not None:
            yield from status.registry.collect()
        if status.last_run_succeeded is None:
            return
        yield GaugeMetricFamily(
            ServeMetric.LAST_RUN_SUCCESS,
            "1 when the last run succeeded; 0 when it failed and the values shown are from an earlier run.",
            value=1.0 if status.last_run_succeeded else 0.0,
        )
        yield CounterMetricFamily(
            ServeMetric.RUN_FAILURES, "Runs that failed since the server started.", value=status.failures
        )
        if status.last_success_unix is not None:
            yield GaugeMetricFamily(
                ServeMetric.LAST_SUCCESS,
                "When the last successful run finished, in Unix seconds (wall clock, not evaluation time).",
                value=status.last_success_unix,
            )

    def health(self) -> tuple[HTTPStatus, dict[str, Any]]:
        """200 when the last run succeeded within STALE_AFTER_INTERVALS intervals, else 503 and why."""
        status = self._status
        if status.last_run_succeeded is None:
            return HTTPStatus.SERVICE_UNAVAILABLE, {"status": "starting", "reason": "no run has finished yet"}
        age = None
        if status.last_success_monotonic is not None:
            age = round(self._monotonic() - status.last_success_monotonic, 3)
        facts = {"last_success_age_seconds": age, "interval_seconds": self.interval_seconds}
        if not status.last_run_succeeded:
            reason = f"the last run failed: {status.last_error}"
            return HTTPStatus.SERVICE_UNAVAILABLE, {"status": "failing", "reason": reason} | facts
        limit = STALE_AFTER_INTERVALS * self.interval_seconds
        if age is not None and age > limit:
            reason = f"the last successful run finished {age:.0f}s ago, more than {limit:g}s"
            return HTTPStatus.SERVICE_UNAVAILABLE, {"status": "stale", "reason": reason} | facts
        return HTTPStatus.OK, {"status": "ok"} | facts


def run_every(
    interval_seconds: float,
    run_once: RunOnce,
    results: LatestResults,
    stop: threading.Event,
    log: Log,
    verbose: bool = False,
) -> None:
    """Run, publish, wait out the rest of the interval; until `stop` is set (it cuts the wait short)."""
    while not stop.is_set():
        started = time.monotonic()
        try:
            registry = run_once()
        except Exception as exc:  # whatever went wrong, the server stays up with the last good metrics
            error = without_credentials(  # /healthz and the log may be seen by anyone who can reach them
                str(exc)
                if isinstance(exc, ReliabilityError)
                else f"internal error: {type(exc).__name__}: {exc}"
            )
            # Telemetry quoted in an error must not steer the terminal the log is read on.
            error = "\n".join(printable(line) for line in error.splitlines())
            results.failed(error)
            log(f"run failed: {error}")
            if verbose:
                log(without_credentials(traceback.format_exc().rstrip()))
        else:
            results.succeeded(registry)
            log(f"run succeeded in {time.monotonic() - started:.1f}s")
        stop.wait(max(0.0, interval_seconds - (time.monotonic() - started)))


class RefusedConnections(Collector):
    """How many connections the server turned away because every slot was taken."""

    def __init__(self, server: BoundedWSGIServer) -> None:
        self._server = server
        # (count, its expositions by format), replaced in one assignment
        self._rendered = (-1, exposition.FormatCache(_Families()))

    def collect(self) -> Iterator[MetricFamily]:
        yield self._family(self._server.refused)

    def exposition(
        self, encoder: exposition.Encoder = exposition.render, content_type: str = exposition.CONTENT_TYPE
    ) -> bytes:
        """collect() rendered; again only when the count has changed since the last call."""
        count, formats = self._rendered
        if count != self._server.refused:
            count = self._server.refused
            formats = exposition.FormatCache(_Families(self._family(count)))
            self._rendered = (count, formats)
        return formats.render(encoder, content_type)

    @staticmethod
    def _family(count: int) -> MetricFamily:
        return CounterMetricFamily(
            ServeMetric.CONNECTIONS_REFUSED,
            "Connections answered 503 and closed because the server had as many open as it allows.",
            value=count,
        )


class _Families(Collector):
    def __init__(self, *families: MetricFamily) -> None:
        self._families = families

    def collect(self) -> Iterator[MetricFamily]:
        yield from self._families


def wsgi_app(results: LatestResults, refused: RefusedConnections | None = None) -> WSGIApplication:
    """/metrics: the last run's rendered exposition, then the refused connections; /healthz."""
    gzip_cache = exposition.GzipCache()

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> list[bytes]:
        path = environ.get("PATH_INFO", "")
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):  # read-only: a POST changes nothing
            return _respond(
                start_response,
                HTTPStatus.METHOD_NOT_ALLOWED,
                "text/plain",
                "GET or HEAD\n",
                [("Allow", "GET, HEAD")],
            )
        if path == "/metrics":
            encoder, content_type = exposition.choose_encoder(environ.get("HTTP_ACCEPT", ""))
            body = results.exposition(encoder, content_type)
            if refused is not None:
                body = exposition.joined(content_type, body, refused.exposition(encoder, content_type))
            headers = [("Content-Type", content_type), ("Vary", "Accept, Accept-Encoding")]
            if exposition.gzip_accepted(environ.get("HTTP_ACCEPT_ENCODING", "")):
                body = gzip_cache.encode(body)
                headers.append(("Content-Encoding", "gzip"))
            headers.append(("Content-Length", str(len(body))))
            start_response(f"{HTTPStatus.OK.value} {HTTPStatus.OK.phrase}", headers)
            return [body]
        if path == "/healthz":
            code, body_json = results.health()
            return _respond(start_response, code, "application/json", json.dumps(body_json) + "\n")
        return _respond(start_response, HTTPStatus.NOT_FOUND, "text/plain", "try /metrics or /healthz\n")

    return app


def _respond(
    start_response: StartResponse,
    code: HTTPStatus,
    content_type: str,
    text: str,
    extra_headers: Sequence[tuple[str, str]] = (),
) -> list[bytes]:
    payload = text.encode()
    headers = [("Content-Type", f"{content_type}; charset=utf-8"), ("Content-Length", str(len(payload)))]
    start_response(f"{code.value} {code.phrase}", [*headers, *extra_headers])
    return [payload]


def parse_listen(text: str) -> tuple[str, int]:
    """HOST:PORT, with an IPv6 host in brackets: [::1]:9464."""
    host, _, port = text.rpartition(":")
    host = host.removeprefix("[").removesuffix("]")
    if not host or not port.isdigit() or int(port) > 65535:
        raise ReliabilityError(
            f"--listen: expected HOST:PORT such as {DEFAULT_LISTEN}, got {text!r}", EXIT_INVALID_CONFIG
        )
    return host, int(port)


def parse_interval(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as exc:
        raise ReliabilityError(f"--interval: {exc}", EXIT_INVALID_CONFIG) from None
    if seconds <= 0:
        raise ReliabilityError(f"--interval: must be positive, got {text!r}", EXIT_INVALID_CONFIG)
    return seconds


def start_http_server(
    host: str,
    port: int,
    results: LatestResults,
    *,
    max_connections: int = MAX_CONNECTIONS,
    deadline_seconds: float = DEADLINE_SECONDS,
) -> BoundedWSGIServer:
    """Serve /metrics and /healthz from a background thread; stop with shutdown() and server_close()."""
    server_class = BoundedWSGIServerV6 if ":" in host else BoundedWSGIServer
    try:
        server = server_class(
            (host, port), max_connections=max_connections, deadline_seconds=deadline_seconds
        )
    except OSError as exc:
        raise ReliabilityError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    server.set_app(wsgi_app(results, RefusedConnections(server)))
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    return server


def serve_until_signalled(
    host: str, port: int, interval_seconds: float, run_once: RunOnce, log: Log, verbose: bool
) -> None:
    """Serve and run until SIGTERM or SIGINT; then stop serving, let a run in progress finish, return.

    Signals wake the main thread through a socket (signal.set_wakeup_fd): that works whichever
    thread the kernel hands the signal to, and the handlers themselves do nothing.
    """
    wake_reader, wake_writer = socket.socketpair()
    wake_writer.setblocking(False)
    previous_wakeup = signal.set_wakeup_fd(wake_writer.fileno(), warn_on_full_buffer=False)
    previous_handlers = {number: signal.signal(number, _do_nothing) for number in STOP_SIGNALS}
    try:
        results = LatestResults(interval_seconds)
        server = start_http_server(host, port, results)
        stop = threading.Event()
        runs = threading.Thread(
            target=run_every, args=(interval_seconds, run_once, results, stop, log, verbose), name="runs"
        )
        runs.start()
        shown = f"[{host}]" if ":" in host else host
        log(f"serving http://{shown}:{server.server_port}/metrics and /healthz, every {interval_seconds:g}s")
        received = signal.Signals(wake_reader.recv(1)[0])
        while received not in STOP_SIGNALS:  # another handler's signal: not ours to act on
            received = signal.Signals(wake_reader.recv(1)[0])
        log(f"{received.name}: stopping after the current run")
        stop.set()
        server.shutdown()
        server.server_close()
        runs.join()
    finally:
        for number, handler in previous_handlers.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(previous_wakeup)
        wake_reader.close()
        wake_writer.close()


def _do_nothing(signum: int, frame: FrameType | None) -> None:
    """The wake-up socket carries the signal; replacing the default handler keeps the process alive."""


def pipeline_runner(path: Path, now: str | None, out: Path) -> RunOnce:
    def run_once() -> CollectorRegistry:
        config = load_config(path)  # read every run: edits apply without a restart, a bad edit fails a run
        options = pipeline.RunOptions(now=evaluation_time(now, config), out_dir=out)
        run_artifacts = pipeline.run(config, options).artifacts
        return metrics.registry_from_artifacts(run_artifacts, metrics.slo_labels_of(config))

    return run_once


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    path: ConfigPathArgument = Path("config"),
    listen: Annotated[str, typer.Option(help="Address to serve on, HOST:PORT.")] = DEFAULT_LISTEN,
    interval: Annotated[str, typer.Option(help="Time between runs, e.g. 30s, 5m.")] = DEFAULT_INTERVAL,
    out: Annotated[Path, typer.Option("--out", help="Folder for the artifacts of each run.")] = Path(
        "generated"
    ),
    now: Annotated[
        str | None,
        typer.Option(
            help="Evaluation time of every run, RFC 3339 (default: settings.evaluate_at, else the current "
            "time at each run)."
        ),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log tracebacks of failed runs.")] = False,
) -> None:
    """Run the pipeline every --interval; serve /metrics and /healthz.

    /healthz is 200 while the last run succeeded and finished within two
    intervals, else 503 with the reason in JSON. A failed run keeps the last
    good metrics and sets reliability_serve_last_run_success to 0. At most 32
    connections are served at once (more are answered 503 and closed), each
    for at most 10 seconds. Hooks are only recorded, never executed. SIGTERM
    or SIGINT stop the server once the current run is done.
    """
    with reporting_errors(verbose):
        host, port = parse_listen(listen)
        interval_seconds = parse_interval(interval)
        evaluation_time(now, load_config(path))  # a bad config or --now fails here, with exit code 2
        serve_until_signalled(
            host,
            port,
            interval_seconds,
            pipeline_runner(path, now, out),
            log=lambda line: typer.echo(line, err=True),
            verbose=verbose,
        )
