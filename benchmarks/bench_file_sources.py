"""Benchmark the readers of counter snapshots, Prometheus scrape folders and OTLP JSON, in MB/s.

    .venv/bin/python benchmarks/bench_file_sources.py             # about 32 MB of each format
    .venv/bin/python benchmarks/bench_file_sources.py --mb 2

Writes each format in a temporary folder, shaped like the files under examples/ but larger (NGINX
Plus snapshots of 40 zones, scrapes of 400 series, OTLP exports of 100 spans or 40 routes' sums and
histograms), then reads it through the source's reader as a run does, one format at a time. MB is
10^6 bytes on disk; the load average is printed beside each figure (the machine may be shared).
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

from reliability.config import load_config
from reliability.config.model import Source
from reliability.core.grid import MinuteGrid
from reliability.telemetry import counter_files
from reliability.telemetry.otlp_traces import read_spans
from reliability.telemetry.report import ReadReport

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
T0 = 1_796_637_600  # 2026-12-07T10:00:00Z
NANOS = 1_000_000_000


def write_snapshots(folder: Path, target: int) -> None:
    zones = [f"zone-{z:02d}" for z in range(40)]
    with (folder / "status.jsonl").open("w") as out:
        minute = 0
        while out.tell() < target:
            counts = {
                z: {
                    "requests": minute * 100 + i,
                    "responses": {"2xx": minute * 99, "5xx": minute, "total": minute * 100},
                }
                for i, z in enumerate(zones)
            }
            out.write(json.dumps({"timestamp": (T0 + 60 * minute) * 1000, "server_zones": counts}) + "\n")
            minute += 1


def write_scrapes(folder: Path, target: int) -> None:
    (folder / "scrapes").mkdir()
    written, minute = 0, 0
    while written < target:
        lines = ["# TYPE http_requests_total counter"]
        lines += [
            f'http_requests_total{{code="{code}",handler="/api/{h}",method="GET"}} {minute * (h + 1)}'
            for h in range(200)
            for code in ("200", "500")
        ]
        path = folder / "scrapes" / f"orders-{T0 + 60 * minute}.prom"
        path.write_text("\n".join(lines) + "\n")
        written += path.stat().st_size
        minute += 1


def write_traces(folder: Path, target: int) -> None:
    request = json.loads((EXAMPLES / "otlp" / "traces.jsonl").read_text().splitlines()[0])
    spans = request["resourceSpans"][0]["scopeSpans"][0]["spans"]
    request["resourceSpans"][0]["scopeSpans"][0]["spans"] = (spans * (100 // len(spans) + 1))[:100]
    with (folder / "traces.jsonl").open("w") as out:
        while out.tell() < target:
            out.write(json.dumps(request, separators=(",", ":")) + "\n")


def write_metrics(folder: Path, target: int) -> None:
    template = json.loads((EXAMPLES / "otlp" / "metrics.jsonl").read_text().splitlines()[0])
    metrics = template["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    with (folder / "metrics.jsonl").open("w") as out:
        export = 1
        while out.tell() < target:
            stamp = str((T0 + 60 * export) * NANOS)
            for metric in metrics:
                data = metric.get("sum") or metric.get("histogram")
                points = []
                for route in range(40):
                    point = dict(data["dataPoints"][0], timeUnixNano=stamp)
                    point["attributes"] = [{"key": "http.route", "value": {"stringValue": f"/r/{route}"}}]
                    if "asInt" in point:
                        point["asInt"] = str(export * (route + 1))
                    else:
                        point["bucketCounts"] = [
                            str(export * (b + 1)) for b in range(len(point["bucketCounts"]))
                        ]
                        point["count"] = str(sum(int(c) for c in point["bucketCounts"]))
                    points.append(point)
                data["dataPoints"] = points
            out.write(json.dumps(template, separators=(",", ":")) + "\n")
            export += 1


# Each format: how to write it, its source, and an SLI over what it holds.
CONFIGS = {
    "counter_snapshots": (
        write_snapshots,
        """\
  - name: s
    type: counter_snapshots
    paths: [status.jsonl]
    timestamp: {field: timestamp, format: unix_ms}
    each: server_zones
    counters: {total: responses.total, bad: responses.5xx}
""",
        "total: {metric: total}, bad_counter: {metric: bad}",
    ),
    "prometheus_scrapes": (
        write_scrapes,
        """\
  - {name: s, type: prometheus_scrapes, paths: ["scrapes/*.prom"],
     scrape_time: {from: file_name, pattern: '-(?P<time>\\d+)\\.prom$'}}
""",
        "total: {metric: http_requests_total}, "
        "bad_counter: {metric: http_requests_total, match: {code: '5..'}}",
    ),
    "otlp traces": (
        write_traces,
        "  - {name: s, type: otlp, signal: traces, paths: [traces.jsonl]}\n",
        "good: {status_below: 500}",
    ),
    "otlp metrics": (
        write_metrics,
        "  - {name: s, type: otlp, signal: metrics, paths: [metrics.jsonl]}\n",
        "total: {metric: http_server_requests}, good_counter: {metric: http_server_requests}",
    ),
}

CONFIG = """\
sources:
SOURCE
services:
  - name: bench
    components:
      - name: checkout
        source: s
        slis: [{name: availability, kind: availability, SLI}]
"""


def read(source: Source, grid: MinuteGrid) -> ReadReport:
    report = ReadReport(source.name)
    if source.__class__.__name__ == "OtlpTracesSource":
        for _ in read_spans(source, ["checkout", "cart"], report):  # type: ignore[arg-type]
            pass
    else:
        counter_files.read_component_series(source, [], grid, report)  # type: ignore[arg-type]
    return report


def measure(name: str, target: int, quiet: bool = False) -> None:
    write, source_yaml, sli = CONFIGS[name]
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        write(root, target)
        (root / "c.yaml").write_text(CONFIG.replace("SOURCE\n", source_yaml).replace("SLI", sli))
        source = load_config(root / "c.yaml").sources[0]
        size = sum(p.stat().st_size for p in source.paths)  # type: ignore[union-attr]
        grid = MinuteGrid(T0 - 86_400, 3 * 1440)
        started = time.perf_counter()
        report = read(source, grid)
        seconds = time.perf_counter() - started
        load = os.getloadavg()[0]
        if quiet:
            return
        print(
            f"{name:20} {size / 1e6:7.1f} MB {seconds:7.2f} s {size / 1e6 / seconds:7.1f} MB/s"
            f"  records {report.records:>10,}  load average {load:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=32, help="size of each format's input, in MB")
    args = parser.parse_args()
    for name in CONFIGS:
        measure(name, 100_000, quiet=True)  # the first read pays for lazy imports
        measure(name, int(args.mb * 1e6))


if __name__ == "__main__":
    main()
