"""Benchmark parsing a Prometheus range answer: bulk (Arrow) against sample by sample (json).

    .venv/bin/python benchmarks/bench_prometheus_parse.py                 # 100 series x 100,000 samples
    .venv/bin/python benchmarks/bench_prometheus_parse.py --series 10 --samples 1000 --skip-json-reader

Builds a `resultType: matrix` answer the way Prometheus writes it (compact JSON, counter values
as strings) in a temporary file, then parses it in a fresh child process per reader, so each
one's peak RSS is its own: the project's reader (`parse_range_answer`, bulk), the
sample-by-sample reader it falls back to (`parse_range_answer_by_json`, what every answer went
through before) and bare `json.loads` (the floor for anything that builds Python objects). The
readers' results are compared. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from bench_summary import add_summary_option, write_summary

FIRST_STAMP = 1_790_000_000
STEP_SECONDS = 60
MIB = 2**20
SUMMARY_KEYS = {  # each reader's key in --summary-json
    "bulk (Arrow), ours": "ours",
    "sample by sample (json), before": "by_json",
    "json.loads alone": "json_loads",
}


def series_text(index: int, samples: int) -> bytes:
    """One series as Prometheus writes it: its labels, then [stamp,"value"] pairs."""
    stamps = pa.array(np.arange(FIRST_STAMP, FIRST_STAMP + STEP_SECONDS * samples, STEP_SECONDS))
    growth = np.random.default_rng(index).integers(0, 1000, samples)
    values = pa.array(np.cumsum(growth) + 0.25 * (index % 4))  # whole and fractional counters
    pairs = pc.binary_join_element_wise(
        "[", pc.cast(stamps, pa.string()), ',"', pc.cast(values, pa.string()), '"],', ""
    )
    offsets = np.frombuffer(pairs.buffers()[1], np.int32)
    joined = pairs.buffers()[2].to_pybytes()[: offsets[len(pairs)]]  # every pair, then a comma
    labels = f'{{"__name__":"http_requests_total","job":"gateway","slo":"slo-{index:04d}"}}'
    return b'{"metric":' + labels.encode() + b',"values":[' + joined[:-1] + b"]}"


def write_answer(path: Path, series: int, samples: int) -> int:
    with path.open("wb") as out:
        out.write(b'{"status":"success","data":{"resultType":"matrix","result":[')
        for index in range(series):
            out.write((b"," if index else b"") + series_text(index, samples))
        out.write(b"]}}")
    return path.stat().st_size


def memory_mib(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process: Linux keeps ru_maxrss across fork and exec."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


@dataclass(frozen=True)
class Measured:
    reader: str
    seconds: float
    rss_before_mib: float  # the answer's bytes and the imports, before parsing
    peak_mib: float
    samples: int
    checksum: float  # sum of the finite values, to compare readers


def _readers() -> dict[str, Callable[[bytes], tuple[int, float]]]:
    import json

    from reliability.telemetry.prometheus_answer import (
        QueryAt,
        RangeSeries,
        parse_range_answer,
        parse_range_answer_by_json,
    )

    at = QueryAt("bench", "http://127.0.0.1:9090", "http_requests_total")

    def counted(read: Callable[[bytes, QueryAt], list[RangeSeries]]) -> Callable[[bytes], tuple[int, float]]:
        def run(body: bytes) -> tuple[int, float]:
            found = read(body, at)
            return sum(s.values.size for s in found), float(sum(np.nansum(s.values) for s in found))

        return run

    def bare_json(body: bytes) -> tuple[int, float]:
        result = json.loads(body)["data"]["result"]
        return sum(len(s["values"]) for s in result), float("nan")

    return {
        "bulk (Arrow), ours": counted(parse_range_answer),
        "sample by sample (json), before": counted(parse_range_answer_by_json),
        "json.loads alone": bare_json,
    }


def measure(reader: str, path: str) -> Measured:
    """In a spawned child: read the file, then time one reader over it."""
    read = _readers()[reader]
    body = Path(path).read_bytes()
    before = memory_mib("VmRSS")
    started = time.perf_counter()
    samples, checksum = read(body)
    seconds = time.perf_counter() - started
    return Measured(reader, seconds, before, memory_mib("VmHWM"), samples, checksum)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=100)
    parser.add_argument("--samples", type=int, default=100_000, help="per series")
    parser.add_argument(
        "--skip-json-reader", action="store_true", help="skip the slow sample-by-sample reader"
    )
    add_summary_option(parser)
    args = parser.parse_args(argv)

    total = args.series * args.samples
    print(f"bench_prometheus_parse: {args.series:,} series x {args.samples:,} samples = {total:,} samples")
    print(f"  {os.cpu_count()} CPUs, load average {load_average()} (other processes skew the timings)")
    readers = list(_readers())
    if args.skip_json_reader:
        readers.remove("sample by sample (json), before")
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="bench-prometheus-") as folder:
        path = Path(folder) / "answer.json"
        started = time.perf_counter()
        size = write_answer(path, args.series, args.samples)
        print(f"  answer: {size / MIB:,.1f} MiB, written in {time.perf_counter() - started:.1f} s")
        print()
        print(f"{'reader':34} {'wall s':>8} {'RSS before':>11} {'peak RSS':>9} {'load average':>16}")
        results: list[Measured] = []
        for reader in readers:
            with context.Pool(1) as pool:
                found = pool.apply(measure, (reader, str(path)))
            results.append(found)
            print(
                f"{reader:34} {found.seconds:8.2f} {found.rss_before_mib:8.0f} MiB "
                f"{found.peak_mib:5.0f} MiB {load_average():>16}"
            )
    ours = results[0]
    print()
    print("RSS before = the answer's bytes and the imports; peak RSS = the child's VmHWM")
    for other in results[1:]:
        print(
            f"{other.reader} / ours: {other.seconds / ours.seconds:.1f}x the time, "
            f"{other.peak_mib / ours.peak_mib:.1f}x the peak RSS"
        )
    differences = [r for r in results if r.samples != total]
    compared = [r for r in results[1:] if not np.isnan(r.checksum)]
    differences += [r for r in compared if r.checksum != ours.checksum]
    for wrong in differences:
        print(f"WARNING: {wrong.reader} read {wrong.samples:,} samples summing to {wrong.checksum!r}")
    print("samples and their sum: " + ("differ" if differences else f"agree ({total:,} samples)"))
    readers_figures = {
        SUMMARY_KEYS[r.reader]: {
            "seconds": r.seconds,
            "rss_before_mib": r.rss_before_mib,
            "peak_rss_mib": r.peak_mib,
        }
        for r in results
    }
    write_summary(args.summary_json, {"samples": total, "readers": readers_figures, "agree": not differences})
    return 1 if differences else 0


if __name__ == "__main__":
    sys.exit(main())
