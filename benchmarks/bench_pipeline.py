"""Benchmark the pipeline on N synthetic events and compare the SLI stage with DuckDB.

    .venv/bin/python benchmarks/bench_pipeline.py                      # 1,000,000 events
    .venv/bin/python benchmarks/bench_pipeline.py --events 10000000 --keep

Generates a seeded CSV (ts_ms, component, status, latency_ms) covering the 30 days
before a fixed evaluation time, writes a temporary YAML config pointing at it, then
times each stage: config load, the SLI stage (load_telemetry + sli_metrics.build),
targets, budgets, SLA, and a full `pipeline.run` that writes the artifacts to a
temporary folder. It prints wall time per stage, events per second of the SLI stage
and the peak RSS of this process.

DuckDB computes the same per-component aggregates (total, good = status < 500,
nearest-rank p95/p99 latency via quantile_disc) on the same file, reading the CSV
inside the timed query as ours does, and the script checks that both agree (our percentiles
are bucket estimates: within MAX_RELATIVE_ERROR or MAX_ABSOLUTE_ERROR_SECONDS of DuckDB's).

Data generation and DuckDB each run in a child process (spawn), so the peak RSS
reported for our pipeline is this process alone and includes neither.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import multiprocessing
import os
import resource
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from time import perf_counter, process_time
from typing import Any, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import yaml

from reliability import pipeline
from reliability.artifacts.header import Header
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.config.build import load_config
from reliability.config.model import Config
from reliability.conventions import HISTORY_WINDOW, SCHEMA_VERSION
from reliability.core.grid import MinuteGrid
from reliability.core.latency_buckets import MAX_ABSOLUTE_ERROR_SECONDS, MAX_RELATIVE_ERROR
from reliability.pipeline import RunOptions, evaluation_grid
from reliability.stages import error_budgets, sla_compliance, sli_metrics, slo_targets
from reliability.telemetry.ingest import load_telemetry
from reliability.telemetry.report import ReadReport
from reliability.timefmt import moment, parse_rfc3339

EVALUATE_AT = "2026-11-05T12:00:00Z"
SPAN_DAYS = 30
GENERATOR_VERSION = 1  # bump when the generated data changes, so old files are not reused
CHUNK_EVENTS = 2_000_000
LATENCY_THRESHOLD = "300ms"
FULL_RUN = "pipeline.run (all, writes)"
DATA_DIR = Path(__file__).resolve().parent / "data"
SCHEMA = pa.schema(
    [
        ("ts_ms", pa.int64()),
        ("component", pa.string()),
        ("status", pa.int16()),
        ("latency_ms", pa.int32()),
    ]
)

T = TypeVar("T")


# --------------------------------------------------------------------------- data


def component_names(count: int) -> list[str]:
    return [f"comp-{i:02d}" for i in range(count)]


def data_path(data_dir: Path, events: int, components: int, seed: int) -> Path:
    return data_dir / f"events-v{GENERATOR_VERSION}-n{events}-c{components}-s{seed}.csv"


def generate_csv(path: Path, events: int, components: int, seed: int, start_ms: int, end_ms: int) -> None:
    """Exactly `events` rows, ordered by time, all in [start_ms, end_ms); vectorised, in chunks.

    The span is cut into equal time slices whose event counts are multinomial, so
    each slice is generated and sorted on its own and memory stays bounded.
    Traffic is Zipf-like across components; each component has its own error
    ratio (statuses 500/503, else 200) and lognormal latency median.
    """
    rng = np.random.default_rng(seed)
    names = pa.array(component_names(components))
    share = 1.0 / np.arange(1, components + 1)
    share /= share.sum()
    error_ratio = np.geomspace(0.0005, 0.01, components)
    median_ms = np.linspace(40.0, 220.0, components)
    slices = max(1, -(-events // CHUNK_EVENTS))
    counts = rng.multinomial(events, np.full(slices, 1.0 / slices))
    edges = np.linspace(start_ms, end_ms, slices + 1).round().astype(np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with pcsv.CSVWriter(str(partial), SCHEMA, write_options=pcsv.WriteOptions(quoting_style="none")) as out:
        for lo, hi, n in zip(edges[:-1], edges[1:], counts, strict=True):
            stamps = np.sort(rng.integers(lo, hi, n))
            comp = rng.choice(components, size=n, p=share)
            failed = rng.random(n) < error_ratio[comp]
            status = np.where(failed, np.where(rng.random(n) < 0.5, 500, 503), 200)
            latency = np.maximum(1, np.rint(rng.lognormal(np.log(median_ms[comp]), 0.6)))
            table = pa.table(
                {
                    "ts_ms": stamps,
                    "component": pc.take(names, pa.array(comp)),
                    "status": status.astype(np.int16),
                    "latency_ms": latency.astype(np.int32),
                },
                schema=SCHEMA,
            )
            out.write_table(table)
    partial.replace(path)


def write_config(folder: Path, csv_path: Path, components: int) -> Path:
    comps = []
    for name in component_names(components):
        comps.append(
            {
                "name": name,
                "source": "bench-events",
                "slis": [
                    {"name": "availability", "kind": "availability", "good": {"status_below": 500}},
                    {"name": "latency", "kind": "latency", "threshold": LATENCY_THRESHOLD},
                ],
                "slos": [
                    {
                        "name": f"{name}-availability",
                        "sli": "availability",
                        "objective": 99.5,
                        "window": "30d",
                    },
                    {"name": f"{name}-latency", "sli": "latency", "objective": "auto", "window": "28d"},
                ],
            }
        )
    document = {
        "settings": {"evaluate_at": EVALUATE_AT, "history": f"{SPAN_DAYS}d"},
        "sources": [
            {
                "name": "bench-events",
                "type": "events",
                "paths": [str(csv_path.resolve())],
                "format": "csv",
                "columns": {
                    "timestamp": {"column": "ts_ms", "format": "unix_ms"},
                    "component": "component",
                    "status": "status",
                    "latency": {"column": "latency_ms", "unit": "ms"},
                },
            }
        ],
        "services": [
            {
                "name": "bench",
                "components": comps,
                "slas": [
                    {
                        "name": "bench-contract",
                        "component": comps[0]["name"],
                        "sli": "availability",
                        "target": 99.5,
                        "credits": [
                            {"below": 99.5, "credit_percent": 10},
                            {"below": 99.0, "credit_percent": 25},
                        ],
                    }
                ],
            }
        ],
    }
    path = folder / "bench.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


# --------------------------------------------------------------------------- measuring


def peak_rss_mib() -> float:
    """This process's peak resident set size (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def child_peak_rss_mib() -> float:
    """Peak RSS of a spawned child: VmHWM where Linux has it, else ru_maxrss.

    Linux keeps ru_maxrss across fork and exec, so a spawned child's ru_maxrss starts
    at its parent's peak; VmHWM belongs to the child's own address space.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mib()


STAGES = ("config load", "  load_telemetry", "  sli_metrics.build", "targets", "budgets", "SLA")
SLI_PARTS = ("  load_telemetry", "  sli_metrics.build")
Seconds = tuple[float, float]  # wall, CPU (CPU: all threads of this process)
Aggregates = dict[str, tuple[int, int, float | None, float | None]]  # total, good, p95 ms, p99 ms


def timed(fn: Callable[..., T], *args: Any) -> tuple[T, Seconds]:
    wall, cpu = perf_counter(), process_time()
    value = fn(*args)
    return value, (perf_counter() - wall, process_time() - cpu)


@dataclass
class StageRun:
    seconds: dict[str, Seconds]
    config: Config
    grid: MinuteGrid
    report: ReadReport
    aggregates: Aggregates

    @property
    def sli(self) -> Seconds:
        parts = [self.seconds[label] for label in SLI_PARTS]
        return sum(w for w, _ in parts), sum(c for _, c in parts)


def run_stages(config_path: Path) -> StageRun:
    """One timed pass over the stages; the artifacts are dropped on return, only figures are kept."""
    seconds: dict[str, Seconds] = {}
    config, seconds["config load"] = timed(load_config, config_path)
    assert config.settings.evaluate_at is not None
    grid = evaluation_grid(config, config.settings.evaluate_at.timestamp())
    telemetry, seconds["  load_telemetry"] = timed(load_telemetry, config, grid)
    header = Header("", SCHEMA_VERSION, "benchmark", moment(grid.end), moment(grid.end), ())
    sli, seconds["  sli_metrics.build"] = timed(sli_metrics.build, header, config, telemetry)
    targets, seconds["targets"] = timed(slo_targets.build, header, config, sli, telemetry)
    _, seconds["budgets"] = timed(error_budgets.build, header, config, sli, targets)
    _, seconds["SLA"] = timed(sla_compliance.build, header, config, sli)
    return StageRun(seconds, config, grid, telemetry.reports[0], our_aggregates(sli))


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` in a fresh (spawned) process, so its memory never counts as ours."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def our_aggregates(sli: SliMetrics) -> Aggregates:
    """total, good (availability SLI) and p95/p99 (ms) of the "history" window, per component."""
    result: Aggregates = {}
    for comp in sli.components:
        counts = comp.sli("availability").window(HISTORY_WINDOW).count
        latency = next(w for w in comp.latency.windows if w.window == HISTORY_WINDOW).figures

        def ms(seconds: float | None) -> float | None:
            return None if seconds is None else round(seconds * 1000, 6)

        result[comp.component] = (
            int(counts.total),
            int(counts.good),
            ms(latency.p95_seconds),
            ms(latency.p99_seconds),
        )
    return result


def duckdb_aggregates(
    csv_path: str, origin_ms: int, end_ms: int, threads: int | None, repeat: int
) -> dict[str, Any]:
    """Child process: the same aggregates with DuckDB, timing the query including the CSV read."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    used_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
    literal = "'" + csv_path.replace("'", "''") + "'"
    query = f"""
        SELECT component,
               count(*) AS total,
               count(*) FILTER (WHERE status < 500) AS good,
               quantile_disc(latency_ms, 0.95) AS p95,
               quantile_disc(latency_ms, 0.99) AS p99
        FROM read_csv({literal}, header = true, delim = ',',
                      columns = {{'ts_ms': 'BIGINT', 'component': 'VARCHAR',
                                 'status': 'INTEGER', 'latency_ms': 'DOUBLE'}})
        WHERE ts_ms >= {int(origin_ms)} AND ts_ms < {int(end_ms)}
        GROUP BY component
        ORDER BY component
    """
    runs = [timed(lambda: con.execute(query).fetchall()) for _ in range(repeat)]
    rows, (seconds, cpu) = min(runs, key=lambda run: run[1][0])
    return {
        "version": duckdb.__version__,
        "threads": int(used_threads),
        "seconds": seconds,
        "cpu": cpu,
        "peak_rss_mib": child_peak_rss_mib(),
        "aggregates": {r[0]: (int(r[1]), int(r[2]), r[3], r[4]) for r in rows},
    }


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def duckdb_available() -> bool:
    try:
        return importlib.util.find_spec("duckdb") is not None
    except (ImportError, ValueError):
        return False


def percentile_error_ms(exact_ms: float | None) -> float:
    """How far a bucket estimate may lie from the exact value (ms), plus float rounding."""
    return MAX_RELATIVE_ERROR * float(exact_ms or 0) + MAX_ABSOLUTE_ERROR_SECONDS * 1000 + 1e-6


def compare(ours: Aggregates, theirs: Aggregates) -> list[str]:
    """One line per difference; a component without events is absent from DuckDB's result."""
    fields = ("total", "good", "p95_ms", "p99_ms")
    no_events = (0, 0, None, None)
    differences = []
    for name in sorted(set(ours) | set(theirs)):
        a, b = ours.get(name), theirs.get(name, no_events)
        if a is None:
            differences.append(f"{name}: only in duckdb")
            continue
        for label, x, y in zip(fields, a, b, strict=True):
            # total and good are exact; percentiles are estimates within the buckets' error bound
            allowed = 1e-6 if label in ("total", "good") else percentile_error_ms(y)
            same = x == y if x is None or y is None else abs(float(x) - float(y)) <= allowed
            if not same:
                differences.append(f"{name} {label}: ours {x}, duckdb {y}")
    return differences


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="number of events (default 1000000)")
    parser.add_argument("--components", type=int, default=10, help="number of components (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated CSV for later runs (default: delete it unless it was reused)",
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=f"where the CSV goes ({DATA_DIR})")
    parser.add_argument(
        "--repeat", type=int, default=3, help="time our stages and DuckDB this many times, keep the best (3)"
    )
    parser.add_argument("--no-full-run", action="store_true", help="skip the timed full pipeline.run")
    args = parser.parse_args(argv)
    if args.events < 1 or args.repeat < 1 or not 1 <= args.components <= 99:
        parser.error("--events and --repeat must be at least 1, --components between 1 and 99")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    end = int(parse_rfc3339(EVALUATE_AT).timestamp())
    start_ms, end_ms = (end - SPAN_DAYS * 86400) * 1000, end * 1000
    csv_path = data_path(args.data_dir, args.events, args.components, args.seed)

    print(f"bench_pipeline: {args.events:,} events, {args.components} components, seed {args.seed}")
    print(f"  {os.cpu_count()} CPUs, load average {load_average()} (other processes skew the timings)")
    created = not csv_path.exists()
    if created:
        print(f"generating {csv_path} (child process) ...", flush=True)
        took = perf_counter()
        in_child(generate_csv, csv_path, args.events, args.components, args.seed, start_ms, end_ms)
        print(f"  generated in {perf_counter() - took:.1f} s")
    else:
        print(f"reusing {csv_path} (same events, components and seed)")
    print(f"  {csv_path.stat().st_size / 2**20:,.1f} MiB CSV, {SPAN_DAYS} days ending {EVALUATE_AT}")

    try:
        with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
            return _measure(args, csv_path, Path(tmp))
    finally:
        if created and not args.keep:
            csv_path.unlink(missing_ok=True)
            print(f"deleted {csv_path} (use --keep to reuse it next time)")


def _measure(args: argparse.Namespace, csv_path: Path, tmp: Path) -> int:
    config_path = write_config(tmp, csv_path, args.components)
    gc.collect()
    baseline = peak_rss_mib()
    runs = []
    for _ in range(args.repeat):
        runs.append(run_stages(config_path))
        gc.collect()
    staged_peak = peak_rss_mib()
    best = min(runs, key=lambda run: run.sli[0])
    config, grid, report = best.config, best.grid, best.report

    full: Seconds | None = None
    full_peak, full_error = None, None
    if not args.no_full_run:
        options = RunOptions(now=grid.end, out_dir=tmp / "out")
        options.out_dir.mkdir()
        try:
            _, full = timed(pipeline.run, config, options)
        except Exception as exc:  # report it and carry on: the staged figures are still valid
            full_error = f"{type(exc).__name__}: {exc}"
        full_peak = peak_rss_mib()

    duck: dict[str, Any] | None = None
    if duckdb_available():
        origin_ms, grid_end_ms = grid.origin * 1000, grid.end * 1000
        duck = in_child(duckdb_aggregates, str(csv_path), origin_ms, grid_end_ms, args.threads, args.repeat)

    # ---- report
    def row(label: str, seconds: Seconds) -> None:
        print(f"{label:<30}{seconds[0]:>10.3f}{seconds[1]:>10.3f}")

    print()
    print(f"{'stage (best of ' + str(args.repeat) + ')':<30}{'wall s':>10}{'cpu s':>10}")
    row("config load", best.seconds["config load"])
    row("SLI stage", best.sli)
    for label in STAGES[1:]:
        row(label, best.seconds[label])
    row("stages total", (sum(w for w, _ in best.seconds.values()), sum(c for _, c in best.seconds.values())))
    if full_error is not None:
        print(f"{FULL_RUN:<30}{'failed':>10}  {full_error}")
    elif full is not None:
        row(FULL_RUN + " x1", full)
    print()
    print(f"SLI stage throughput: {args.events / best.sli[0]:,.0f} events/s")
    rss = f"peak RSS (this process only): {staged_peak:,.0f} MiB after the stages"
    if full_peak is not None:
        rss += f", {full_peak:,.0f} MiB after pipeline.run"
    print(f"{rss}; {baseline:,.0f} MiB before loading")
    print("  (data generation and DuckDB run in child processes and are not included)")
    print(f"load average now: {load_average()}")
    failed = False
    if report.used != args.events or report.skipped_total or report.before_history or report.after_now:
        failed = True
        print(
            f"WARNING: ingest used {report.used:,} of {args.events:,} events "
            f"(skipped {report.skipped_total}, before history {report.before_history}, "
            f"after evaluation {report.after_now})"
        )
    print()
    if duck is None:
        print("DuckDB is not installed: comparison skipped (pip install -e '.[bench]' or pip install duckdb)")
        return int(failed)
    print(
        f"DuckDB {duck['version']}: {duck['seconds']:.3f} s wall, {duck['cpu']:.3f} s cpu, "
        f"threads={duck['threads']} of {os.cpu_count()} CPUs "
        f"(child process, peak RSS {duck['peak_rss_mib']:,.0f} MiB)"
    )
    print(f"ratio ours/DuckDB, SLI stage wall time: {best.sli[0] / duck['seconds']:.1f}x")
    differences = compare(best.aggregates, duck["aggregates"])
    print(f"per-component good/total/p95/p99 vs DuckDB: {'agree' if not differences else 'DIFFER'}")
    for line in differences:
        print(f"  {line}")
    return int(failed or bool(differences))


if __name__ == "__main__":
    sys.exit(main())
