"""Benchmark `reliability serve`: requests per second on /metrics, latency, and the server's memory.

    .venv/bin/python benchmarks/bench_serve.py                       # 60 s, 8 connections
    .venv/bin/python benchmarks/bench_serve.py --duration 10 --connections 16 --gzip

Starts `reliability serve` on the bundled example (the repository's config/) on 127.0.0.1 with a
free port, waits for its first run to finish, then keeps --connections requests to /metrics in flight from one
non-blocking client loop for --duration seconds (HTTP/1.0: one request per connection, as the
server answers). Prints requests/s, p50/p99 latency (connect to last byte), the server's RSS at the
start and end of the load and the highest seen in between, and the load average before and after.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import selectors
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench_pipeline import load_average
from bench_summary import add_summary_option, write_summary

REPO = Path(__file__).resolve().parent.parent
TARGET_REQUESTS_PER_SECOND = 2000
RSS_SAMPLE_SECONDS = 1.0
READ_SIZE = 65536


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident set size of a running process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a running process, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for_first_run(server: subprocess.Popen[str]) -> None:
    """Read the server's log until its first run has finished: /metrics then holds the example."""
    assert server.stderr is not None
    for line in server.stderr:
        if line.startswith("run succeeded"):
            return
        if line.startswith("run failed"):
            raise RuntimeError(f"serve: {line.strip()}")
    raise RuntimeError(f"serve exited with {server.wait()} before its first run finished")


@dataclass
class InFlight:
    started: float
    received: bytearray = field(default_factory=bytearray)


@dataclass
class Load:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    body_bytes: int = 0
    rss_samples: list[float] = field(default_factory=list)


def drive(port: int, request: bytes, connections: int, duration: float, server_pid: int) -> Load:
    """Keep `connections` requests in flight until `duration` has passed; record each one's latency."""
    load = Load()
    selector = selectors.DefaultSelector()

    def open_one() -> None:
        connection = socket.socket()
        connection.setblocking(False)
        flight = InFlight(time.perf_counter())
        connection.connect_ex(("127.0.0.1", port))
        selector.register(connection, selectors.EVENT_WRITE, flight)

    end = time.perf_counter() + duration
    next_sample = time.perf_counter()
    for _ in range(connections):
        open_one()
    while selector.get_map():
        now = time.perf_counter()
        if now >= next_sample:
            load.rss_samples.append(rss_mib(server_pid))
            next_sample = now + RSS_SAMPLE_SECONDS
        for key, events in selector.select(timeout=0.5):
            connection = key.fileobj
            assert isinstance(connection, socket.socket)
            flight: InFlight = key.data
            if events & selectors.EVENT_WRITE:
                if connection.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    load.failures += 1
                    finished = True
                else:
                    connection.send(request)  # a few dozen bytes: a fresh socket's buffer takes them
                    selector.modify(connection, selectors.EVENT_READ, flight)
                    continue
            else:
                try:
                    chunk = connection.recv(READ_SIZE)
                except OSError:
                    chunk, load.failures = b"", load.failures + 1
                flight.received += chunk
                finished = not chunk
                if finished:
                    if flight.received.startswith(b"HTTP/1.0 200") or flight.received.startswith(
                        b"HTTP/1.1 200"
                    ):
                        load.latencies.append(time.perf_counter() - flight.started)
                        load.body_bytes = len(flight.received.partition(b"\r\n\r\n")[2])
                    else:
                        load.failures += 1
            if finished:
                selector.unregister(connection)
                connection.close()
                if time.perf_counter() < end:
                    open_one()
    load.rss_samples.append(rss_mib(server_pid))
    return load


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    parser.add_argument("--connections", type=int, default=8, help="requests in flight (default 8)")
    parser.add_argument("--gzip", action="store_true", help="ask for a gzip-encoded answer")
    parser.add_argument(
        "--interval", default="1h", help="serve --interval (default 1h: no run during the load)"
    )
    add_summary_option(parser)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    port = free_port()
    accept = b"Accept-Encoding: gzip\r\n" if args.gzip else b""
    request = b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n" + accept + b"\r\n"
    print(f"bench_serve: /metrics for {args.duration:g}s, {args.connections} connections, gzip={args.gzip}")
    print(f"  load average before: {load_average()} (other processes skew the figures)")
    with tempfile.TemporaryDirectory() as out:
        argv_serve = [sys.executable, "-m", "reliability", "serve", str(REPO / "config")]
        argv_serve += ["--listen", f"127.0.0.1:{port}", "--interval", args.interval, "--out", out]
        # The log is read up to the first run; later runs' lines are few and fit the pipe's buffer.
        with subprocess.Popen(argv_serve, stderr=subprocess.PIPE, text=True) as server:
            try:
                wait_for_first_run(server)
                server_cpu = cpu_seconds(server.pid)
                client_cpu = resource.getrusage(resource.RUSAGE_SELF)
                load = drive(port, request, args.connections, args.duration, server.pid)
                server_cpu = cpu_seconds(server.pid) - server_cpu
                client_used = resource.getrusage(resource.RUSAGE_SELF)
            finally:
                server.terminate()
                server.wait(timeout=30)
    done = len(load.latencies)
    if not done:
        print(f"no successful request ({load.failures} failed)")
        return 1
    rate = done / args.duration
    cuts = statistics.quantiles(load.latencies, n=100, method="inclusive")
    print(f"  {done:,} answers of {load.body_bytes:,} bytes, {load.failures} failed")
    print(f"  requests/s: {rate:,.0f} (target {TARGET_REQUESTS_PER_SECOND:,})")
    print(f"  latency: p50 {cuts[49] * 1000:.2f} ms, p99 {cuts[98] * 1000:.2f} ms")
    start, end, peak = load.rss_samples[0], load.rss_samples[-1], max(load.rss_samples)
    print(f"  server RSS: {start:.1f} MiB at the start, {end:.1f} MiB at the end, {peak:.1f} MiB at most")
    client_cpu_seconds = (client_used.ru_utime - client_cpu.ru_utime) + (
        client_used.ru_stime - client_cpu.ru_stime
    )
    print(f"  CPU seconds during the load: server {server_cpu:.1f}, client {client_cpu_seconds:.1f}")
    print(f"  load average after: {load_average()}")
    figures = {
        "duration_s": args.duration,
        "connections": args.connections,
        "gzip": args.gzip,
        "answers": done,
        "failures": load.failures,
        "requests_per_second": rate,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
        "rss_start_mib": start,
        "rss_end_mib": end,
        "rss_peak_mib": peak,
        "server_cpu_s": server_cpu,
        "client_cpu_s": client_cpu_seconds,
    }
    write_summary(args.summary_json, figures)
    return 0 if load.failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
