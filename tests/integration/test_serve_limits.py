"""`reliability serve` exposed to a network: idle and dripping clients hold a bounded number of
connections for a bounded time, and a run whose telemetry turns bad leaves the last good metrics
served and the failure reported."""

from __future__ import annotations

import json
import shutil
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from support.paging_example import paging_events, write_paging_config
from support.polling import poll

from reliability.commands.serve import LatestResults, RefusedConnections, pipeline_runner, run_every, wsgi_app
from reliability.conventions import Metric, ServeMetric
from reliability.exporters.http_server import REFUSAL, BoundedWSGIServer

DEADLINE_SECONDS = 60.0
SLOTS = 4


class SteppedClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def get(url: str) -> tuple[int, str] | None:
    """Status and body; None when the server closed the connection without an HTTP answer."""
    try:
        with urllib.request.urlopen(url, timeout=DEADLINE_SECONDS) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()
    except (urllib.error.URLError, ConnectionError):
        return None


@contextmanager
def serving(server: BoundedWSGIServer) -> Iterator[str]:
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def bounded_server(results: LatestResults, clock: SteppedClock) -> BoundedWSGIServer:
    server = BoundedWSGIServer(
        ("127.0.0.1", 0), max_connections=SLOTS, deadline_seconds=DEADLINE_SECONDS, clock=clock
    )
    server.set_app(wsgi_app(results, RefusedConnections(server)))
    return server


def read_all(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := connection.recv(4096):
        received += chunk
    return received


def value(text: str, name: str) -> float:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    raise AssertionError(f"{name} not in the metrics")


def test_idle_clients_beyond_the_bound_are_refused_and_the_rest_closed_at_their_deadline() -> None:
    clock = SteppedClock()
    results = LatestResults(60)
    results.succeeded(CollectorRegistry())
    server = bounded_server(results, clock)
    with serving(server) as base:
        idle = [socket.create_connection(("127.0.0.1", server.server_port)) for _ in range(SLOTS)]
        poll("every slot taken", lambda: server.open_connections() == SLOTS or None)
        extra = [socket.create_connection(("127.0.0.1", server.server_port)) for _ in range(10)]
        for connection in idle + extra:
            connection.settimeout(DEADLINE_SECONDS)
        assert [read_all(c) for c in extra] == [REFUSAL] * 10  # answered at once, not queued
        assert server.refused == 10 and server.open_connections() == SLOTS

        clock.now += DEADLINE_SECONDS  # the idle ones are overdue: the server ends them
        assert [read_all(c) for c in idle] == [b""] * SLOTS
        answer = poll("/metrics answers", lambda: get(f"{base}/metrics"))
        assert answer[0] == 200
        assert value(answer[1], ServeMetric.CONNECTIONS_REFUSED) >= 10
        for connection in idle + extra:
            connection.close()
    assert server.open_connections() == 0


def test_a_client_dripping_its_request_is_cut_off_at_the_deadline() -> None:
    clock = SteppedClock()
    server = bounded_server(LatestResults(60), clock)
    with serving(server):
        dripping = socket.create_connection(("127.0.0.1", server.server_port))
        dripping.settimeout(DEADLINE_SECONDS)
        dripping.sendall(b"GET /metrics HTTP/1.0\r\nX-Slow: ")
        poll("the connection is open", lambda: server.open_connections() == 1 or None)
        for byte in b"abc":
            dripping.sendall(bytes([byte]))  # every byte in time for a per-read timeout
            clock.now += DEADLINE_SECONDS / 3
        assert read_all(dripping) == b""
        dripping.close()
        poll("the slot is free", lambda: server.open_connections() == 0 or None)


def test_serve_keeps_the_last_good_metrics_when_the_telemetry_turns_bad(tmp_path: Path) -> None:
    config = write_paging_config(tmp_path)
    events = tmp_path / "events.csv"
    results = LatestResults(0.1)
    stop = threading.Event()
    runs = threading.Thread(
        target=run_every,
        args=(0.1, pipeline_runner(config, None, tmp_path / "out"), results, stop, lambda line: None),
    )
    server = bounded_server(results, SteppedClock())
    with serving(server) as base:
        runs.start()
        try:
            poll("a good run", lambda: results.health()[1]["status"] == "ok" or None)
            good = get(f"{base}/metrics")
            assert good is not None and value(good[1], Metric.SLO_OBJECTIVE) == 0.99

            events.unlink()
            events.mkdir()  # the telemetry is no longer a file
            health = poll("a failed run", lambda: _failing(get(f"{base}/healthz")))
            assert "events.csv" in json.loads(health)["reason"]
            kept = get(f"{base}/metrics")
            assert kept is not None and value(kept[1], Metric.SLO_OBJECTIVE) == 0.99
            assert value(kept[1], ServeMetric.LAST_RUN_SUCCESS) == 0
            assert value(kept[1], ServeMetric.RUN_FAILURES) >= 1

            shutil.rmtree(events)
            events.write_text(paging_events())
            poll("a good run again", lambda: (get(f"{base}/healthz") or (0, ""))[0] == 200 or None)
        finally:
            stop.set()
            runs.join()


def _failing(answer: tuple[int, str] | None) -> str | None:
    if answer is None or answer[0] != 503 or json.loads(answer[1])["status"] != "failing":
        return None
    return answer[1]
