"""Throughput of each event reader in MB/s: the same events as CSV, JSON Lines (flat and nested),
Parquet and text logs (combined, Envoy, HAProxy, a custom pattern), each read by `read_events`
(parsing, mapping, checks) to the last chunk.

    .venv/bin/python benchmarks/bench_event_readers.py [--events 500000] [--repeat 3]

Prints, per format, the file size, the fastest wall time of --repeat reads, MB/s (10**6 bytes of
file per wall second), the CPU seconds and MB per CPU second (all cores together: less moved by
other work on the machine than wall time) and events/s, with the load average beside them: on a
shared machine compare the formats within one run. Every reader must give the same status counts,
or the script fails.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from reliability.config.log_presets import COMBINED, ENVOY, HAPROXY
from reliability.config.model import ColumnMapping, EventSource, LatencyColumns, Origin, TimestampFormat
from reliability.telemetry.event_files import read_events
from reliability.telemetry.report import ReadReport

START = int(datetime(2026, 11, 4, tzinfo=UTC).timestamp())
COMPONENTS = ["cart", "search", "checkout", "catalog"]
F = TimestampFormat


def events(count: int, seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {
        "ms": np.sort(START * 1000 + rng.integers(0, 86_400_000, count)),
        "component": rng.integers(0, len(COMPONENTS), count),
        "status": rng.choice([200, 200, 200, 204, 301, 404, 500, 503], count),
        "latency": rng.lognormal(4.5, 0.7, count).astype(np.int64),
    }


def _texts(data: dict[str, np.ndarray]) -> tuple[list[str], list[str], list[int], list[int]]:
    stamps = [datetime.fromtimestamp(ms / 1000, UTC) for ms in data["ms"].tolist()]
    names = [COMPONENTS[c] for c in data["component"].tolist()]
    return (
        [s.isoformat(timespec="milliseconds") for s in stamps],
        names,
        data["status"].tolist(),
        data["latency"].tolist(),
    )


def write_all(folder: Path, data: dict[str, np.ndarray]) -> dict[str, tuple[Path, ColumnMapping, str | None]]:
    """Each format's file, its mapping and its line pattern (None unless a log)."""
    iso, names, statuses, latencies = _texts(data)
    ms = data["ms"].tolist()
    files: dict[str, tuple[Path, ColumnMapping, str | None]] = {}
    latency = LatencyColumns(column="latency_ms", unit="ms")

    csv = folder / "events.csv"
    csv.write_text(
        "ts_ms,component,status,latency_ms\n"
        + "".join(f"{t},{c},{s},{lat}\n" for t, c, s, lat in zip(ms, names, statuses, latencies, strict=True))
    )
    flat = ColumnMapping("ts_ms", F.UNIX_MS, component="component", status="status", latency=latency)
    files["csv"] = (csv, flat, None)
    pq.write_table(pa.csv.read_csv(csv), folder / "events.parquet")
    files["parquet"] = (folder / "events.parquet", flat, None)

    jsonl = folder / "events.jsonl"
    jsonl.write_text(
        "".join(
            json.dumps({"time": t, "component": c, "status": s, "latency_ms": lat}) + "\n"
            for t, c, s, lat in zip(iso, names, statuses, latencies, strict=True)
        )
    )
    files["jsonl"] = (
        jsonl,
        ColumnMapping("time", component="component", status="status", latency=latency),
        None,
    )

    nested = folder / "nested.jsonl"
    nested.write_text(
        "".join(
            json.dumps(
                {
                    "timing": {"start_ms": t, "end_ms": t + lat},
                    "attributes": {"service.name": c, "http.status_code": s},
                }
            )
            + "\n"
            for t, c, s, lat in zip(ms, names, statuses, latencies, strict=True)
        )
    )
    spans = LatencyColumns(start="timing.start_ms", end="timing.end_ms")
    nested_mapping = ColumnMapping(
        "timing.start_ms",
        F.UNIX_MS,
        component='attributes["service.name"]',
        status='attributes["http.status_code"]',
        latency=spans,
    )
    files["jsonl nested"] = (nested, nested_mapping, None)

    local = [datetime.fromtimestamp(t / 1000, UTC) for t in ms]
    combined = folder / "combined.log"
    combined.write_text(
        "".join(
            f"203.0.113.{i % 250} - - [{d.strftime('%d/%b/%Y:%H:%M:%S +0000')}]"
            f' "GET /{c}/items?id={i} HTTP/1.1" '
            f'{s} {i % 9000} "https://shop.example/" "Mozilla/5.0 (X11; Linux x86_64) Firefox/132.0"\n'
            for i, (d, c, s) in enumerate(zip(local, names, statuses, strict=True))
        )
    )
    files["log combined"] = (
        combined,
        ColumnMapping(
            "time_local",
            F.STRPTIME,
            timestamp_pattern="%d/%b/%Y:%H:%M:%S %z",
            component="path",
            component_pattern="^/([^/?]+)",
            status="status",
        ),
        COMBINED,
    )

    envoy = folder / "envoy.log"
    envoy.write_text(
        "".join(
            f'[{t}Z] "GET /api/{c} HTTP/1.1" {s} - 0 {i % 5000} {lat} {lat} "10.0.0.{i % 250}" "curl/8.5.0" '
            f'"{i:032x}" "{c}.shop.svc:8080" "10.1.0.{i % 40}:8080"\n'
            for i, (t, c, s, lat) in enumerate(
                zip([x[:-6] for x in iso], names, statuses, latencies, strict=True)
            )
        )
    )
    files["log envoy"] = (
        envoy,
        ColumnMapping(
            "start_time",
            component="authority",
            component_pattern="^([^.:]+)",
            status="response_code",
            latency=LatencyColumns(column="duration", unit="ms"),
        ),
        ENVOY,
    )

    haproxy = folder / "haproxy.log"
    haproxy.write_text(
        "".join(
            f"{d.strftime('%b %d %H:%M:%S')} lb haproxy[7]: 198.51.100.{i % 250}:{30000 + i % 30000} "
            f"[{d.strftime('%d/%b/%Y:%H:%M:%S')}.{d.microsecond // 1000:03d}]"
            f" www {c}/{c}-1 0/0/1/{lat}/{lat} "
            f'{s} {i % 9000} - - ---- 1/1/0/0/0 0/0 "GET /{c} HTTP/1.1"\n'
            for i, (d, c, s, lat) in enumerate(zip(local, names, statuses, latencies, strict=True))
        )
    )
    files["log haproxy"] = (
        haproxy,
        ColumnMapping(
            "accept_date",
            F.STRPTIME,
            timestamp_pattern="%d/%b/%Y:%H:%M:%S.%f",
            time_zone="UTC",
            component="backend",
            status="status_code",
            latency=LatencyColumns(column="t_active", unit="ms"),
        ),
        HAPROXY,
    )

    custom = folder / "service.log"
    custom.write_text(
        "".join(
            f"{d.strftime('%Y-%m-%d %H:%M:%S.%f')} INFO [{c}]"
            f" handled request status: {s} time: {lat / 1000:.3f}\n"
            for d, c, s, lat in zip(local, names, statuses, latencies, strict=True)
        )
    )
    files["log pattern"] = (
        custom,
        ColumnMapping(
            "time",
            F.STRPTIME,
            timestamp_pattern="%Y-%m-%d %H:%M:%S.%f",
            component="component",
            status="status",
            latency=LatencyColumns(column="seconds", unit="s"),
        ),
        r"^(?P<time>\S+ \S+) \w+ \[(?P<component>[^\]]+)\]"
        r" handled request status: (?P<status>\d{3}) time: (?P<seconds>[\d.]+)$",
    )
    return files


def timed_read(
    path: Path, mapping: ColumnMapping, pattern: str | None
) -> tuple[float, float, dict[int, int]]:
    """(wall seconds, CPU seconds of this process, events per status)."""
    fmt = "log" if pattern else None
    source = EventSource("bench", (path,), fmt, mapping, None, Origin("bench", None), line_pattern=pattern)
    report = ReadReport("bench")
    counts: dict[int, int] = {}
    began, began_cpu = time.perf_counter(), time.process_time()
    for chunk in read_events(source, COMPONENTS, report):
        codes, numbers = np.unique(chunk.status, return_counts=True)
        for code, number in zip(codes.tolist(), numbers.tolist(), strict=True):
            counts[code] = counts.get(code, 0) + number
    elapsed, cpu = time.perf_counter() - began, time.process_time() - began_cpu
    if report.skipped_total:
        raise SystemExit(f"{path.name}: {dict(report.skipped)} {report.examples[:2]}")
    return elapsed, cpu, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    data = events(args.events, args.seed)
    expected = dict(zip(*np.unique(data["status"], return_counts=True), strict=True))
    with tempfile.TemporaryDirectory() as folder:
        files = write_all(Path(folder), data)
        print(f"{args.events:,} events; fastest of {args.repeat}; {os.cpu_count()} cores")
        print(
            f"{'format':<14} {'MB':>8} {'wall s':>8} {'MB/s':>8} {'CPU s':>8} {'MB/CPU s':>8}"
            f" {'events/s':>12}  load average"
        )
        for name, (path, mapping, pattern) in files.items():
            runs = [timed_read(path, mapping, pattern) for _ in range(args.repeat)]
            best = min(seconds for seconds, _, _ in runs)
            cpu = min(seconds for _, seconds, _ in runs)
            if runs[0][2] != {int(k): int(v) for k, v in expected.items()}:
                raise SystemExit(f"{name}: status counts differ from the generated events: {runs[0][2]}")
            megabytes = path.stat().st_size / 1e6
            load = " ".join(f"{x:.2f}" for x in os.getloadavg())
            print(
                f"{name:<14} {megabytes:>8.1f} {best:>8.2f} {megabytes / best:>8.1f} {cpu:>8.2f}"
                f" {megabytes / cpu:>8.1f} {args.events / best:>12,.0f}  {load}"
            )


if __name__ == "__main__":
    main()
