"""`reliability serve` renders /metrics once per run and sends those bytes (gzip-encoded once) to
every scrape; the answer is what a fresh render of the same collectors gives."""

from __future__ import annotations

import gzip
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import choose_encoder

from reliability.commands.serve import LatestResults, RefusedConnections, start_http_server
from reliability.conventions import ServeMetric
from reliability.exporters.exposition import CONTENT_TYPE, GzipCache
from reliability.exporters.http_server import BoundedWSGIServer, Workers
from reliability.exporters.one_request import MAX_HEAD_BYTES


def registry_with(objective: float, slos: int = 50) -> CollectorRegistry:
    registry = CollectorRegistry()
    gauge = Gauge("reliability_slo_objective", "An objective.", ["service", "slo"], registry=registry)
    for number in range(slos):
        gauge.labels("shop", f"slo-{number}").set(objective)
    return registry


def fresh_render(results: LatestResults, server: BoundedWSGIServer) -> bytes:
    """What the server answered before it cached: every collector rendered at the scrape."""
    registry = CollectorRegistry()
    registry.register(results)
    registry.register(RefusedConnections(server))
    return generate_latest(registry)


def fetch(url: str, accept_gzip: bool = False, accept: str | None = None) -> tuple[dict[str, str], bytes]:
    headers = {"Accept-Encoding": "gzip"} if accept_gzip else {}
    if accept is not None:
        headers["Accept"] = accept
    request = urllib.request.Request(url, headers=headers)
    with urllib.request.urlopen(request, timeout=10) as response:
        return dict(response.headers), response.read()


@contextmanager
def serving(results: LatestResults) -> Iterator[tuple[BoundedWSGIServer, str]]:
    server = start_http_server("127.0.0.1", 0, results)
    try:
        yield server, f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


def test_the_served_body_equals_a_fresh_render_of_the_same_collectors() -> None:
    results = LatestResults(60)
    results.succeeded(registry_with(0.999))
    with serving(results) as (server, base):
        headers, body = fetch(f"{base}/metrics")
        expected = fresh_render(results, server)
    assert body == expected
    assert headers["Content-Type"] == CONTENT_TYPE
    assert b'reliability_slo_objective{service="shop",slo="slo-49"} 0.999' in body
    assert ServeMetric.LAST_RUN_SUCCESS.encode() in body


# What Prometheus sends when it prefers OpenMetrics (scrape_protocols' default order).
PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,"
    "text/plain;version=0.0.4;q=0.3,*/*;q=0.2"
)


def test_a_scraper_asking_for_openmetrics_gets_it_with_one_eof_and_each_run_renders_it_anew() -> None:
    results = LatestResults(60)
    results.succeeded(registry_with(0.999))
    with serving(results) as (server, base):
        headers, body = fetch(f"{base}/metrics", accept=PROMETHEUS_ACCEPT)
        registry = CollectorRegistry()
        registry.register(results)
        registry.register(RefusedConnections(server))
        encoder, content_type = choose_encoder(PROMETHEUS_ACCEPT)
        expected = encoder(registry)
        results.succeeded(registry_with(0.95))
        after = fetch(f"{base}/metrics", accept=PROMETHEUS_ACCEPT)[1]
        plain_headers, plain = fetch(f"{base}/metrics")
    assert headers["Content-Type"] == content_type and content_type.startswith("application/openmetrics-text")
    assert body == expected
    assert body.endswith(b"# EOF\n") and body.count(b"# EOF") == 1
    assert b"} 0.95\n" in after and b"} 0.999\n" not in after
    assert plain_headers["Content-Type"] == CONTENT_TYPE and b"# EOF" not in plain


def test_each_run_replaces_the_cached_body_and_a_failure_is_shown_at_once() -> None:
    results = LatestResults(60)
    results.succeeded(registry_with(0.99))
    with serving(results) as (server, base):
        first = fetch(f"{base}/metrics")[1]
        results.succeeded(registry_with(0.95))
        second = fetch(f"{base}/metrics")[1]
        assert second == fresh_render(results, server)
        results.failed("the telemetry went away")
        third = fetch(f"{base}/metrics")[1]
        assert third == fresh_render(results, server)
    assert b"} 0.99\n" in first and b"} 0.99\n" not in second and b"} 0.95\n" in second
    assert f"{ServeMetric.RUN_FAILURES} 1.0".encode() in third
    assert f"{ServeMetric.LAST_RUN_SUCCESS} 0.0".encode() in third


def test_the_refused_count_is_current_at_every_scrape() -> None:
    results = LatestResults(60)
    results.succeeded(registry_with(0.99))
    with serving(results) as (server, base):
        before = fetch(f"{base}/metrics")[1]
        server.refused += 3  # as if three connections had found every slot taken
        after = fetch(f"{base}/metrics")[1]
        assert after == fresh_render(results, server)
    assert f"{ServeMetric.CONNECTIONS_REFUSED} 0.0".encode() in before
    assert f"{ServeMetric.CONNECTIONS_REFUSED} 3.0".encode() in after


def test_a_client_that_accepts_gzip_gets_the_same_body_compressed() -> None:
    results = LatestResults(60)
    results.succeeded(registry_with(0.999, slos=500))
    with serving(results) as (_, base):
        headers, compressed = fetch(f"{base}/metrics", accept_gzip=True)
        plain = fetch(f"{base}/metrics")[1]
        again = fetch(f"{base}/metrics", accept_gzip=True)[1]
    assert headers["Content-Encoding"] == "gzip" and headers["Vary"] == "Accept, Accept-Encoding"
    assert int(headers["Content-Length"]) == len(compressed) < len(plain) / 5
    assert gzip.decompress(compressed) == plain
    assert again == compressed


def test_the_gzip_cache_compresses_a_body_once_and_a_new_body_again() -> None:
    cache = GzipCache()
    body = b"reliability_slo_objective 0.999\n" * 100
    first = cache.encode(body)
    assert cache.encode(bytes(body)) is first  # an equal body: the stored encoding, not a new one
    other = cache.encode(body + b"x 1\n")
    assert gzip.decompress(first) == body and gzip.decompress(other) == body + b"x 1\n"


def test_healthz_and_unknown_paths_still_answer() -> None:
    results = LatestResults(60)
    with serving(results) as (_, base):
        try:
            fetch(f"{base}/healthz")
            pytest.fail("/healthz answered 200 before any run")
        except urllib.error.HTTPError as error:
            with error:
                assert error.code == 503 and b"starting" in error.read()
        try:
            fetch(f"{base}/nothing")
            pytest.fail("an unknown path answered 200")
        except urllib.error.HTTPError as error:
            with error:
                assert error.code == 404


def exchange(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    return received


def test_head_answers_headers_only_and_a_bad_request_line_is_400() -> None:
    results = LatestResults(60)
    results.succeeded(registry_with(0.999))
    with serving(results) as (server, _):
        head = exchange(server.server_port, b"HEAD /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        bad = exchange(server.server_port, b"NONSENSE\r\n\r\n")
        too_long = exchange(
            server.server_port, b"GET /metrics HTTP/1.0\r\nX: " + b"a" * MAX_HEAD_BYTES + b"\r\n\r\n"
        )
    status, _, rest = head.partition(b"\r\n")
    assert status == b"HTTP/1.0 200 OK" and rest.endswith(b"\r\n\r\n")
    assert b"Content-Length: 0" not in rest  # the length of the body a GET would get
    assert bad.startswith(b"HTTP/1.0 400 Bad Request\r\n")
    assert too_long == b""  # closed without an answer


def test_a_method_other_than_get_or_head_is_405_with_allow() -> None:
    results = LatestResults(60)
    results.succeeded(registry_with(0.999))
    with serving(results) as (server, _):
        posted = exchange(server.server_port, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        deleted = exchange(server.server_port, b"DELETE /healthz HTTP/1.1\r\n\r\n")
    for answer in (posted, deleted):
        status, _, rest = answer.partition(b"\r\n")
        assert status == b"HTTP/1.0 405 Method Not Allowed"
        assert b"Allow: GET, HEAD\r\n" in rest
        assert b"reliability_" not in rest  # no exposition for a method that is not a read


def test_a_freed_slot_finds_a_thread_at_once_and_threads_are_reused() -> None:
    """With one thread, each job's `done` (where the server frees the slot) submits the next, as an
    accepted connection could at that moment: the thread must already count as idle."""
    served: list[int] = []
    all_done = threading.Event()
    with socket.socket() as unused:  # the workers only pass it on

        def done(request: socket.socket) -> None:
            if len(served) < 5:
                workers.submit(unused, len(served))
            else:
                all_done.set()

        workers = Workers(1, lambda request, address: served.append(address), done)
        workers.submit(unused, 0)
        assert all_done.wait(10)
    workers.stop()
    assert served == [0, 1, 2, 3, 4]
    assert workers.started == 1
