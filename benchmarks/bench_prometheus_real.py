"""Benchmark the Prometheus source against a real Prometheus holding 30 days of 1-minute counters.

    .venv/bin/python benchmarks/bench_prometheus_real.py                  # 100 SLOs
    .venv/bin/python benchmarks/bench_prometheus_real.py --slos 10 --days 2

Writes OpenMetrics text with two counters per SLO (requests and errors, one sample a minute),
backfills it with `promtool tsdb create-blocks-from openmetrics`, starts Prometheus on
127.0.0.1 and runs the whole pipeline over a config with one availability SLO per counter
pair, once per concurrency setting. Prints the run's wall time and the source's share of it
(requests, parsing, samples per series), requests, answer bytes and peak RSS (each run in its
own child process) with the load average. Needs the `prometheus` and
`promtool` binaries. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from support.real_servers import backfill_file, prometheus

EVALUATE_AT = 1_793_880_000  # 2026-11-05T12:00:00Z
MIB = 2**20


def series_lines(name: str, slo: str, counts: np.ndarray, first: int) -> bytes:
    """One counter's samples as OpenMetrics lines, a minute apart."""
    stamps = pa.array(np.arange(first, first + 60 * counts.size, 60))
    lines = pc.binary_join_element_wise(
        f'{name}{{slo="{slo}"}} ',
        pc.cast(pa.array(counts), pa.string()),
        " ",
        pc.cast(stamps, pa.string()),
        "\n",
        "",
    )
    offsets = np.frombuffer(lines.buffers()[1], np.int32)
    return lines.buffers()[2].to_pybytes()[: offsets[len(lines)]]


def write_openmetrics(path: Path, slos: int, days: int) -> int:
    minutes = days * 1440
    first = EVALUATE_AT - 60 * (minutes - 1)
    with path.open("wb") as out:
        for family, share in (("slo_requests", 1.0), ("slo_errors", 0.001)):
            out.write(f"# TYPE {family} counter\n".encode())
            for index in range(slos):
                rng = np.random.default_rng(index)
                per_minute = rng.poisson(600, minutes)
                if share < 1:
                    per_minute = rng.binomial(per_minute, share)
                name = f"{family}_total"
                out.write(series_lines(name, f"slo-{index:04d}", np.cumsum(per_minute), first))
        out.write(b"# EOF\n")
    return path.stat().st_size


def write_config(folder: Path, url: str, slos: int, concurrency: int) -> Path:
    components = "".join(
        f"""
      - name: slo-{index:04d}
        source: prom
        slis:
          - name: availability
            kind: availability
            total: {{metric: slo_requests_total, match: {{slo: slo-{index:04d}}}}}
            bad_counter: {{metric: slo_errors_total, match: {{slo: slo-{index:04d}}}}}
        slos:
          - {{name: slo-{index:04d}, sli: availability, objective: 99.5}}"""
        for index in range(slos)
    )
    path = folder / f"config-{concurrency}.yaml"
    path.write_text(
        f"""sources:
  - {{name: prom, type: prometheus, url: "{url}", timeout: 60s, retries: 0, concurrency: {concurrency}}}
services:
  - name: bench
    components:{components}
"""
    )
    return path


@dataclass(frozen=True)
class Measured:
    seconds: float
    fetching_seconds: float  # the source's share: requests, parsing and samples per series
    requests: int
    answer_bytes: int
    samples: int
    peak_mib: float


def measure(config_path: str, out: str) -> Measured:
    """In a spawned child: one whole pipeline run, counting requests and answer bytes."""
    from reliability import pipeline
    from reliability.config.build import load_config
    from reliability.conventions import Stage
    from reliability.telemetry import prometheus_api, prometheus_http

    answered: list[int] = []
    fetching: list[float] = []
    post, fetch = prometheus_http.post, prometheus_api.fetch_samples

    def counted_post(*args: object, **kwargs: object) -> prometheus_http.Answer:
        answer = post(*args, **kwargs)  # type: ignore[arg-type]
        answered.append(len(answer.body))
        return answer

    def timed_fetch(*args: object, **kwargs: object) -> object:
        started = time.perf_counter()
        try:
            return fetch(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            fetching.append(time.perf_counter() - started)

    prometheus_http.post = counted_post  # type: ignore[assignment]
    prometheus_api.fetch_samples = timed_fetch  # type: ignore[assignment]
    config = load_config(Path(config_path))
    started = time.perf_counter()
    result = pipeline.run(config, pipeline.RunOptions(now=EVALUATE_AT, out_dir=Path(out)))
    seconds = time.perf_counter() - started
    samples = sum(item.records for item in result.artifacts[Stage.SLI].inputs)  # type: ignore[union-attr]
    peak = next(
        int(line.split()[1]) / 1024
        for line in Path("/proc/self/status").read_text().splitlines()
        if line.startswith("VmHWM:")
    )
    return Measured(seconds, sum(fetching), len(answered), sum(answered), samples, peak)


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slos", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args(argv)

    print(f"bench_prometheus_real: {args.slos} SLOs x {args.days} days of 1-minute counters (2 series each)")
    print(f"  {os.cpu_count()} CPUs, load average {load_average()} (other processes skew the timings)")
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="bench-prometheus-real-") as name:
        work = Path(name)
        started = time.perf_counter()
        size = write_openmetrics(work / "history.om", args.slos, args.days)
        print(f"  OpenMetrics: {size / MIB:,.0f} MiB written in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        backfill_file(work / "history.om", work / "data")
        print(f"  promtool backfill: {time.perf_counter() - started:.1f} s (load average {load_average()})")
        (work / "history.om").unlink()
        with prometheus(work, data_dir=work / "data") as url:
            print()
            print(
                f"{'concurrency':>11} {'run s':>7} {'source s':>8} {'requests':>9} {'answers MiB':>12} "
                f"{'samples':>11} {'peak RSS':>9} {'load average':>16}"
            )
            for concurrency in args.concurrency:
                config = write_config(work, url, args.slos, concurrency)
                with context.Pool(1) as pool:
                    found = pool.apply(measure, (str(config), str(work / f"out-{concurrency}")))
                print(
                    f"{concurrency:>11} {found.seconds:7.2f} {found.fetching_seconds:8.2f} "
                    f"{found.requests:>9,} {found.answer_bytes / MIB:12.1f} {found.samples:>11,} "
                    f"{found.peak_mib:5.0f} MiB "
                    f"{load_average():>16}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
