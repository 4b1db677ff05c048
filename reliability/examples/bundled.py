"""Write the bundled example's telemetry: `python -m reliability.examples.bundled config/telemetry`.

Seeded and deterministic: the same files every time. Five components, each
planted with one situation the summary must show at the example's evaluation time:

- catalog:          healthy
- search:           healthy availability, too many slow requests (latency budget spent)
- recommendations:  telemetry stops 26 hours before evaluation (no data, never "good")
- checkout:         error burst in the last 40 minutes (page alert, budget not yet spent)
- payments:         steady 0.25 % errors against a 99.9 % objective (budget exhausted)

and a sixth, `gateway`, whose telemetry is not events but OpenMetrics counters and a
latency histogram sampled every five minutes (healthy).
"""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from reliability.synthetic import Traffic, constant, diurnal, generate, step
from reliability.timefmt import parse_rfc3339

EVALUATE_AT = "2026-11-05T12:00:00Z"
START = "2026-10-01T00:00:00Z"
SEED = 20261105


def _span() -> tuple[int, int]:
    return int(parse_rfc3339(START).timestamp()), int(parse_rfc3339(EVALUATE_AT).timestamp())


def storefront(rng: np.random.Generator) -> dict[str, Traffic]:
    start, end = _span()
    gap_from = end - 26 * 3600
    return {
        "catalog": generate(rng, start, end, diurnal(6), constant(0.0001), constant(0.08)),
        "search": generate(rng, start, end, diurnal(5), constant(0.00005), constant(0.15)),
        "recommendations": generate(rng, start, gap_from, diurnal(3), constant(0.001), constant(0.05)),
    }


def orders(rng: np.random.Generator) -> dict[str, Traffic]:
    start, end = _span()
    incident = end - 40 * 60
    return {
        "checkout": generate(rng, start, end, diurnal(4), step(0.0002, 0.2, incident), constant(0.12)),
        "payments": generate(rng, start, end, diurnal(3), constant(0.0025), constant(0.2)),
    }


def _gzip(path: Path, data: bytes) -> None:
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as out:
        out.write(data)


def _merge(traffic: dict[str, Traffic]) -> tuple[np.ndarray, ...]:
    names = np.concatenate([np.full(len(t), n) for n, t in traffic.items()])
    stamps = np.concatenate([t.timestamp for t in traffic.values()])
    status = np.concatenate([t.status for t in traffic.values()])
    latency = np.concatenate([t.latency for t in traffic.values()])
    order = np.argsort(stamps, kind="stable")
    return names[order], stamps[order], status[order], latency[order]


def write_storefront_csv(path: Path, traffic: dict[str, Traffic], rng: np.random.Generator) -> None:
    """CSV: unix-ms timestamps, a status column, latency in ms, and some staging rows to filter."""
    names, stamps, status, latency = _merge(traffic)
    env = np.where(rng.uniform(size=stamps.size) < 0.02, "staging", "prod")
    table = pa.table(
        {
            "ts_ms": np.round(stamps * 1000).astype(np.int64),
            "component": names,
            "status": status,
            "latency_ms": np.round(latency * 1000).astype(np.int64),
            "env": env,
        }
    )
    buffer = io.BytesIO()
    pcsv.write_csv(table, buffer, pcsv.WriteOptions(quoting_style="none"))
    lines = buffer.getvalue().split(b"\n")
    # Two damaged records, as real logs have: a truncated line and a NaN latency.
    lines[1000] = lines[1000][:12]
    lines[2000] = b",".join([*lines[2000].split(b",")[:3], b"NaN", b"prod"])
    _gzip(path, b"\n".join(lines))


def write_orders_jsonl(path: Path, traffic: dict[str, Traffic]) -> None:
    """JSON Lines: RFC 3339 timestamps, a boolean `ok` flag, duration in seconds."""
    names, stamps, status, latency = _merge(traffic)
    moments = pa.array(np.round(stamps * 1000).astype(np.int64), pa.timestamp("ms", tz="UTC"))
    text = pc.binary_join_element_wise(
        '{"time":"',
        pc.strftime(moments, format="%Y-%m-%dT%H:%M:%S"),
        'Z","operation":"',
        pa.array(names),
        '","ok":',
        pa.array(np.where(status < 500, "true", "false")),
        ',"duration_s":',
        pc.cast(pa.array(latency), pa.string()),
        "}",
        "",
    )
    _gzip(path, ("\n".join(text.to_pylist()) + "\n").encode())


GATEWAY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
SAMPLE_EVERY = 300


def write_gateway_openmetrics(
    path: Path,
    traffic: Traffic,
    span: tuple[int, int],
    job: str = "gateway",
    codes: tuple[int, ...] = (200, 503),
) -> None:
    """Counters and a histogram, as a Prometheus scrape every 5 minutes would have seen them.

    Only requests with one of `codes` are counted, as a server exporting only those would.
    """
    start, end = span
    times = np.arange(start - 1, end, SAMPLE_EVERY, dtype=np.float64)  # from zero, before any event
    order = np.argsort(traffic.timestamp)
    stamps, status, latency = traffic.timestamp[order], traffic.status[order], traffic.latency[order]

    def cumulative(mask: np.ndarray) -> np.ndarray:
        return np.searchsorted(stamps[mask], times, side="right")

    stamp_text = [f"{t:.0f}" for t in times]
    lines = ["# HELP http_requests Requests served.", "# TYPE http_requests counter"]
    for code in codes:
        counts = cumulative(status == code)
        series = f'http_requests_total{{code="{code}",job="{job}"}}'
        lines += [f"{series} {c} {t}" for c, t in zip(counts, stamp_text, strict=True)]
    lines += [
        "# HELP http_request_duration_seconds Request latency.",
        "# TYPE http_request_duration_seconds histogram",
    ]
    bounds = [(f"{b}", cumulative(latency <= b)) for b in GATEWAY_BUCKETS] + [
        ("+Inf", cumulative(latency >= 0))
    ]
    for index, t in enumerate(stamp_text):  # a histogram's buckets go together, one timestamp at a time
        lines += [
            f'http_request_duration_seconds_bucket{{job="{job}",le="{le}"}} {c[index]} {t}'
            for le, c in bounds
        ]
    _gzip(path, ("\n".join([*lines, "# EOF"]) + "\n").encode())


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    write_storefront_csv(out_dir / "storefront.csv.gz", storefront(rng), rng)
    write_orders_jsonl(out_dir / "orders.jsonl.gz", orders(rng))
    start, end = _span()
    gateway = generate(rng, start, end, diurnal(10), constant(0.0003), constant(0.06))
    write_gateway_openmetrics(out_dir / "gateway.om.gz", gateway, (start, end))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "config/telemetry"))
