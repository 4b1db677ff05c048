"""Benchmark the pipeline on N synthetic events, as CSV and as Parquet, against DuckDB.

    .venv/bin/python benchmarks/bench_pipeline.py                      # 1,000,000 events
    .venv/bin/python benchmarks/bench_pipeline.py --events 10000000 --keep --repeat 1

Generates a seeded CSV (ts_ms, component, status, latency_ms) covering the 30 days
before a fixed evaluation time, and the same rows as Parquet; writes a temporary YAML
config per format, then times each stage: config load, the SLI stage (load_telemetry +
sli_metrics.build), targets, budgets, SLA, and one full `pipeline.run` that writes the
artifacts to a temporary folder. It prints wall and CPU time per stage, events per second
of the SLI stage, the peak RSS of this process and the Parquet/CSV ratio.

DuckDB computes every output of the SLI stage (per-minute good/total per component, every
window's and day's counts, p50..p99.9 per window and per day, the worst hours) from the same
file with the SQL of peer_sql(), reading the file inside the timed statements as ours does,
and the script checks that every output agrees. With --sql, our SLI stage also runs through a
`type: sql` source (engines duckdb and chdb, each in a child process) on the same file, and its
outputs are compared with the event-file run's.

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
from bench_summary import add_summary_option, write_summary

from reliability import pipeline
from reliability.artifacts.header import Header
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.config.build import load_config
from reliability.config.model import Config
from reliability.conventions import SCHEMA_VERSION
from reliability.core.grid import MinuteGrid
from reliability.core.latency_buckets import MAX_ABSOLUTE_ERROR_SECONDS, MAX_RELATIVE_ERROR
from reliability.pipeline import RunOptions, evaluation_grid
from reliability.stages import error_budgets, sla_compliance, sli_metrics, slo_targets
from reliability.stages.sli_metrics import LATENCY_ANALYSIS_SECONDS, TOP_WORST_HOURS
from reliability.telemetry.ingest import load_telemetry
from reliability.telemetry.report import ReadReport
from reliability.timefmt import moment, parse_rfc3339

EVALUATE_AT = "2026-11-05T12:00:00Z"
SPAN_DAYS = 30
GENERATOR_VERSION = 1  # bump when the generated data changes, so old files are not reused
CHUNK_EVENTS = 2_000_000
PARQUET_ROW_GROUP = 1 << 20
LATENCY_THRESHOLD = "300ms"
FULL_RUN = "pipeline.run (all, writes)"
SQL_ENGINES = ("duckdb", "chdb")  # engine name in the config = the module that provides it
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


def parquet_path(csv_path: Path) -> Path:
    """Named by its row group size too, so a file written in other groups is not reused."""
    return csv_path.with_name(f"{csv_path.stem}-rg{PARQUET_ROW_GROUP}.parquet")


def write_parquet(csv_path: Path, path: Path) -> None:
    """The same events as the CSV, in row groups of PARQUET_ROW_GROUP rows (the last one smaller),
    as writers of large files make them; streamed, memory bounded."""
    import pyarrow.parquet as pq

    partial = path.with_name(path.name + ".partial")
    reader = pcsv.open_csv(str(csv_path), convert_options=pcsv.ConvertOptions(column_types=SCHEMA))
    with pq.ParquetWriter(str(partial), SCHEMA) as out:
        pending = pa.Table.from_batches([], SCHEMA)
        for batch in reader:
            pending = pa.concat_tables([pending, pa.Table.from_batches([batch])])
            # Only whole groups are written: the rows past the last one wait for the next batches
            # (writing them all at once made a group of the few rows past each full one).
            while pending.num_rows >= PARQUET_ROW_GROUP:
                out.write_table(pending.slice(0, PARQUET_ROW_GROUP), row_group_size=PARQUET_ROW_GROUP)
                pending = pending.slice(PARQUET_ROW_GROUP)
        if pending.num_rows:
            out.write_table(pending, row_group_size=PARQUET_ROW_GROUP)
    partial.replace(path)


def write_config(
    folder: Path, csv_path: Path, components: int, fmt: str = "csv", engine: str | None = None
) -> Path:
    """The event-file config, or with `engine` the same columns read by a `type: sql` source."""
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
    source: dict[str, Any] = {
        "name": "bench-events",
        "type": "events",
        "paths": [str(csv_path.resolve())],
        "format": fmt,
        "columns": {
            "timestamp": {"column": "ts_ms", "format": "unix_ms"},
            "component": "component",
            "status": "status",
            "latency": {"column": "latency_ms", "unit": "ms"},
        },
    }
    if engine is not None:  # the same file and columns, folded by the engine
        source.update(type="sql", engine=engine)
    document = {
        "settings": {"evaluate_at": EVALUATE_AT, "history": f"{SPAN_DAYS}d"},
        "sources": [source],
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
    path = folder / f"bench-{fmt}{'' if engine is None else '-' + engine}.yaml"
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
# Every output of the SLI stage, keyed alike on both sides: ("window", component, sli, window),
# ("day", component, sli, day) -> (good, total); ("latency", component, window or day) ->
# (count, p50 .. p99.9 ms); ("worst hour", component, rank) -> (hour, count, p99 ms).
Aggregates = dict[tuple[Any, ...], tuple[Any, ...]]
PERCENTILES = (0.5, 0.9, 0.95, 0.99, 0.999)


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
    plan: Plan

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
    return StageRun(seconds, config, grid, telemetry.reports[0], our_aggregates(sli), plan_of(grid, sli))


def sql_sli_stage(config_path: Path, repeat: int) -> dict[str, Any]:
    """Child process: our stages through a `type: sql` source; the engine runs in-process, so the
    process CPU time counts its threads and the child's peak RSS its memory."""
    best = min((run_stages(config_path) for _ in range(repeat)), key=lambda run: run.sli[0])
    return {
        "seconds": best.sli,
        "peak_rss_mib": child_peak_rss_mib(),
        "used": best.report.used,
        "aggregates": best.aggregates,
    }


def in_child(fn: Callable[..., T], *args: Any) -> T:
    """Run `fn(*args)` in a fresh (spawned) process, so its memory never counts as ours."""
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 6)


def our_aggregates(sli: SliMetrics) -> Aggregates:
    """Every window's and day's counts per SLI, latency percentiles per window and day, worst hours."""
    result: Aggregates = {}
    origin = sli.history.start
    for comp in sli.components:
        for one in comp.slis:
            for window in one.windows:
                result["window", comp.component, one.name, window.window] = (
                    window.count.good,
                    window.count.total,
                )
            for n, day in enumerate(one.daily):
                result["day", comp.component, one.name, n] = (day.count.good, day.count.total)
        latency = comp.latency
        spans = [(w.window, w.figures) for w in latency.windows] + [
            (n, d.figures) for n, d in enumerate(latency.daily)
        ]
        for span, f in spans:
            values = (f.p50_seconds, f.p90_seconds, f.p95_seconds, f.p99_seconds, f.p99_9_seconds)
            result["latency", comp.component, span] = (f.count, *map(_ms, values))
        for rank, worst in enumerate(latency.worst_hours):
            hour = int((worst.hour - origin).total_seconds() // 3600)
            result["worst hour", comp.component, rank] = (hour, worst.count, _ms(worst.p99_seconds))
    return result


@dataclass(frozen=True)
class Plan:
    """What the SLI stage computes, for the peer to compute the same: minute grid, windows, days."""

    origin_ms: int
    end_ms: int
    windows: list[tuple[str, int]]  # (name, first minute)
    analysis_first_minute: int  # worst hours look at minutes from here on
    threshold_ms: float


def plan_of(grid: MinuteGrid, sli: SliMetrics) -> Plan:
    first = sli.components[0].sli("availability").windows
    return Plan(
        grid.origin * 1000,
        grid.end * 1000,
        [(w.window, grid.first_minute(w.seconds)) for w in first],
        grid.first_minute(LATENCY_ANALYSIS_SECONDS),
        float(LATENCY_THRESHOLD.removesuffix("ms")),
    )


def peer_sql(table: str, plan: Plan) -> list[str]:
    """DuckDB statements computing every output of our SLI stage from the raw events in `table`."""
    windows = ", ".join(f"('{name}', {first})" for name, first in plan.windows)
    quantiles = "[" + ", ".join(map(str, PERCENTILES)) + "]"
    per_window_latency = " UNION ALL ".join(
        f"SELECT '{name}' AS span, component, count(*), quantile_disc(latency_ms, {quantiles}) "
        f"FROM ev WHERE minute >= {first} GROUP BY component"
        for name, first in plan.windows
    )
    return [
        f"""CREATE OR REPLACE TEMP TABLE ev AS
            SELECT component, status, latency_ms, (ts_ms - {plan.origin_ms}) // 60000 AS minute
            FROM {table} WHERE ts_ms >= {plan.origin_ms} AND ts_ms < {plan.end_ms}""",
        f"""CREATE OR REPLACE TEMP TABLE per_minute AS
            SELECT component, minute, count(*) AS total,
                   count(*) FILTER (WHERE status < 500) AS good_availability,
                   count(*) FILTER (WHERE latency_ms <= {plan.threshold_ms}) AS good_latency
            FROM ev GROUP BY component, minute""",
        f"""SELECT 'window', w.name, component, sum(good_availability), sum(good_latency), sum(total)
            FROM per_minute JOIN (VALUES {windows}) AS w(name, first_minute) ON minute >= w.first_minute
            GROUP BY w.name, component""",
        """SELECT 'day', minute // 1440, component, sum(good_availability), sum(good_latency), sum(total)
           FROM per_minute GROUP BY minute // 1440, component""",
        f"SELECT 'latency', * FROM ({per_window_latency})",
        f"""SELECT 'latency', minute // 1440, component, count(*), quantile_disc(latency_ms, {quantiles})
            FROM ev GROUP BY minute // 1440, component""",
        f"""SELECT 'worst hour', component, hour, n, p99, rank - 1 FROM (
              SELECT component, hour, n, p99,
                     row_number() OVER (PARTITION BY component ORDER BY p99 DESC, hour) AS rank
              FROM (SELECT component, minute // 60 AS hour, count(*) AS n,
                           quantile_disc(latency_ms, 0.99) AS p99
                    FROM ev WHERE minute >= {plan.analysis_first_minute} GROUP BY component, minute // 60))
            WHERE rank <= {TOP_WORST_HOURS}""",
    ]


def _peer_aggregates(rows: list[tuple[Any, ...]]) -> Aggregates:
    result: Aggregates = {}
    for row in rows:
        kind = row[0]
        if kind in ("window", "day"):
            _, span, comp, good_a, good_l, total = row
            result[kind, comp, "availability", span] = (int(good_a), int(total))
            result[kind, comp, "latency", span] = (int(good_l), int(total))
        elif kind == "latency":
            _, span, comp, count, values = row
            result["latency", comp, span] = (int(count), *(round(float(v), 6) for v in values))
        else:
            _, comp, hour, count, p99, rank = row
            result["worst hour", comp, int(rank)] = (int(hour), int(count), round(float(p99), 6))
    return result


def duckdb_aggregates(path: str, fmt: str, plan: Plan, threads: int | None, repeat: int) -> dict[str, Any]:
    """Child process: every output of our SLI stage with DuckDB, timing the statements and the file read."""
    import duckdb

    con = duckdb.connect()
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    used_threads = con.execute("SELECT current_setting('threads')").fetchone()[0]  # type: ignore[index]
    literal = "'" + path.replace("'", "''") + "'"
    table = (
        f"read_parquet({literal})"
        if fmt == "parquet"
        else f"""read_csv({literal}, header = true, delim = ',',
                          columns = {{'ts_ms': 'BIGINT', 'component': 'VARCHAR',
                                     'status': 'INTEGER', 'latency_ms': 'DOUBLE'}})"""
    )
    statements = peer_sql(table, plan)

    def run_all() -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        for statement in statements:
            result = con.execute(statement).fetchall()
            if not statement.lstrip().startswith("CREATE"):  # a CREATE answers with its row count
                rows.extend(result)
        return rows

    runs = [timed(run_all) for _ in range(repeat)]
    rows, (seconds, cpu) = min(runs, key=lambda run: run[1][0])
    return {
        "version": duckdb.__version__,
        "threads": int(used_threads),
        "seconds": seconds,
        "cpu": cpu,
        "peak_rss_mib": child_peak_rss_mib(),
        "aggregates": _peer_aggregates(rows),
    }


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def percentile_error_ms(exact_ms: float | None) -> float:
    """How far a bucket estimate may lie from the exact value (ms), plus float rounding."""
    return MAX_RELATIVE_ERROR * float(exact_ms or 0) + MAX_ABSOLUTE_ERROR_SECONDS * 1000 + 1e-6


def _same(ours: Any, exact: Any, *, estimate: bool) -> bool:
    if ours is None or exact is None:
        return ours is exact
    allowed = percentile_error_ms(exact) if estimate else 1e-6
    return bool(abs(float(ours) - float(exact)) <= allowed)


def compare(ours: Aggregates, theirs: Aggregates, peer: str = "duckdb") -> list[str]:
    """One line per difference: counts exact; our percentiles are bucket estimates, within
    MAX_RELATIVE_ERROR or MAX_ABSOLUTE_ERROR_SECONDS of DuckDB's exact ones.

    Worst hours: the k-th worst p99 within that bound, and an hour both sides list has the same
    count. Which hour ranks k-th may differ, as hours whose exact p99 differ by less than a bucket
    share one estimate. A window, day or component without events is absent from the peer's result.
    """
    differences = []
    for key in sorted(set(ours) | set(theirs), key=str):
        a = ours.get(key)
        if a is None:
            differences.append(f"{key}: only in {peer}")
            continue
        b = theirs.get(key, (0, 0) if key[0] in ("window", "day") else (0, *[None] * len(PERCENTILES)))
        estimates = [False] * len(a)
        if key[0] == "latency":
            estimates[1:] = [True] * (len(a) - 1)
        elif key[0] == "worst hour":
            a, b, estimates = a[2:], b[2:], [True]  # the p99 at this rank; hours are checked below
        if len(a) != len(b) or not all(
            _same(x, y, estimate=e) for x, y, e in zip(a, b, estimates, strict=True)
        ):
            differences.append(f"{key}: ours {a}, {peer} {b}")
    return differences + _worst_hour_counts(ours, theirs, peer)


def _worst_hour_counts(ours: Aggregates, theirs: Aggregates, peer: str) -> list[str]:
    def counts(side: Aggregates) -> dict[tuple[str, int], int]:
        return {(key[1], value[0]): value[1] for key, value in side.items() if key[0] == "worst hour"}

    mine, other = counts(ours), counts(theirs)
    return [
        f"worst hour {hour} of {comp}: ours {mine[comp, hour]} events, {peer} {other[comp, hour]}"
        for comp, hour in sorted(set(mine) & set(other))
        if mine[comp, hour] != other[comp, hour]
    ]


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000, help="number of events (default 1000000)")
    parser.add_argument("--components", type=int, default=10, help="number of components (default 10)")
    parser.add_argument("--seed", type=int, default=1, help="generator seed (default 1)")
    parser.add_argument(
        "--keep",
        action="store_true",
        help="keep the generated files for later runs (default: delete them unless they were reused)",
    )
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all cores)")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help=f"where the CSV goes ({DATA_DIR})")
    parser.add_argument(
        "--repeat", type=int, default=3, help="time our stages and DuckDB this many times, keep the best (3)"
    )
    parser.add_argument("--no-full-run", action="store_true", help="skip the timed full pipeline.run")
    parser.add_argument(
        "--format",
        choices=["csv", "parquet", "both"],
        default="both",
        help="event file format to time (both: CSV and the same events as Parquet, with the ratio)",
    )
    parser.add_argument(
        "--sql",
        action="store_true",
        help=f"also run our SLI stage through a `type: sql` source with each of {', '.join(SQL_ENGINES)}",
    )
    add_summary_option(parser)
    args = parser.parse_args(argv)
    if args.events < 1 or args.repeat < 1 or not 1 <= args.components <= 99:
        parser.error("--events and --repeat must be at least 1, --components between 1 and 99")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    end = int(parse_rfc3339(EVALUATE_AT).timestamp())
    start_ms, end_ms = (end - SPAN_DAYS * 86400) * 1000, end * 1000
    csv_path = data_path(args.data_dir, args.events, args.components, args.seed)
    paths = {"csv": csv_path, "parquet": parquet_path(csv_path)}
    formats = ["csv", "parquet"] if args.format == "both" else [args.format]

    print(f"bench_pipeline: {args.events:,} events, {args.components} components, seed {args.seed}")
    print(f"  {os.cpu_count()} CPUs, load average {load_average()} (other processes skew the timings)")
    created = [path for path in paths.values() if not path.exists()]
    if csv_path in created:
        print(f"generating {csv_path} (child process) ...", flush=True)
        took = perf_counter()
        in_child(generate_csv, csv_path, args.events, args.components, args.seed, start_ms, end_ms)
        print(f"  generated in {perf_counter() - took:.1f} s")
    if "parquet" in formats and paths["parquet"] in created:
        print(f"writing the same events to {paths['parquet']} (child process) ...", flush=True)
        in_child(write_parquet, csv_path, paths["parquet"])
    for fmt in formats:
        path = paths[fmt]
        reused = "" if path in created else " (reused: same events, components and seed)"
        print(f"  {path.stat().st_size / 2**20:,.1f} MiB {fmt}, {path.name}{reused}")
        read_through(path)
    print(f"  {SPAN_DAYS} days ending {EVALUATE_AT}")

    try:
        with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
            return _measure(args, {fmt: paths[fmt] for fmt in formats}, Path(tmp))
    finally:
        if not args.keep:
            for path in created:
                if path.exists():
                    path.unlink()
                    print(f"deleted {path} (use --keep to reuse it next time)")


def read_through(path: Path) -> None:
    """Read the file once untimed, so the first timed run and DuckDB's, which comes after ours, both
    find it in the page cache: a cold read from a throttled disk once made a single run 4x slower."""
    with path.open("rb") as file:
        while file.read(16 * 2**20):
            pass


@dataclass
class FormatRun:
    """Our stages and the DuckDB peer on one file format."""

    best: StageRun
    staged_peak: float
    duck: dict[str, Any] | None
    sql: dict[str, dict[str, Any] | None]  # per engine; None when it is not installed


def _run_format(args: argparse.Namespace, fmt: str, path: Path, tmp: Path) -> FormatRun:
    config_path = write_config(tmp, path, args.components, fmt)
    runs = []
    for _ in range(args.repeat):
        runs.append(run_stages(config_path))
        gc.collect()
    best = min(runs, key=lambda run: run.sli[0])
    duck = None
    if module_available("duckdb"):
        duck = in_child(duckdb_aggregates, str(path), fmt, best.plan, args.threads, args.repeat)
    sql = {}
    for engine in SQL_ENGINES if args.sql else ():
        sql_config = write_config(tmp, path, args.components, fmt, engine)
        sql[engine] = in_child(sql_sli_stage, sql_config, args.repeat) if module_available(engine) else None
    return FormatRun(best, peak_rss_mib(), duck, sql)


def _measure(args: argparse.Namespace, paths: dict[str, Path], tmp: Path) -> int:
    gc.collect()
    baseline = peak_rss_mib()
    results = {fmt: _run_format(args, fmt, path, tmp) for fmt, path in paths.items()}
    first = next(iter(results.values())).best

    full: Seconds | None = None
    full_peak, full_error = None, None
    if not args.no_full_run:
        options = RunOptions(now=first.grid.end, out_dir=tmp / "out")
        options.out_dir.mkdir()
        try:
            _, full = timed(pipeline.run, first.config, options)
        except Exception as exc:  # report it and carry on: the staged figures are still valid
            full_error = f"{type(exc).__name__}: {exc}"
        full_peak = peak_rss_mib()

    # ---- report
    def row(label: str, seconds: Seconds) -> None:
        print(f"{label:<30}{seconds[0]:>10.3f}{seconds[1]:>10.3f}")

    failed = False
    for fmt, result in results.items():
        best = result.best
        print()
        print(f"{fmt + ': stage (best of ' + str(args.repeat) + ')':<30}{'wall s':>10}{'cpu s':>10}")
        row("config load", best.seconds["config load"])
        row("SLI stage", best.sli)
        for label in STAGES[1:]:
            row(label, best.seconds[label])
        row(
            "stages total",
            (sum(w for w, _ in best.seconds.values()), sum(c for _, c in best.seconds.values())),
        )
        if fmt == next(iter(results)):
            if full_error is not None:
                print(f"{FULL_RUN:<30}{'failed':>10}  {full_error}")
            elif full is not None:
                row(FULL_RUN + " x1", full)
        print(f"SLI stage throughput ({fmt}): {args.events / best.sli[0]:,.0f} events/s")
        print(f"peak RSS (this process only) after the {fmt} stages: {result.staged_peak:,.0f} MiB")
        report = best.report
        if report.used != args.events or report.skipped_total or report.before_history or report.after_now:
            failed = True
            print(
                f"WARNING: ingest used {report.used:,} of {args.events:,} events "
                f"(skipped {report.skipped_total}, before history {report.before_history}, "
                f"after evaluation {report.after_now})"
            )
    print()
    rss = f"peak RSS (this process only): {baseline:,.0f} MiB before loading"
    if full_peak is not None:
        rss += f", {full_peak:,.0f} MiB after pipeline.run"
    print(rss)
    print("  (data generation and DuckDB run in child processes and are not included)")
    print(f"load average now: {load_average()}")
    print()
    for fmt, result in results.items():
        duck = result.duck
        if duck is None:
            print("DuckDB is not installed: comparison skipped (pip install -e '.[bench]' or duckdb)")
            break
        print(
            f"DuckDB {duck['version']} on {fmt}: {duck['seconds']:.3f} s wall, {duck['cpu']:.3f} s cpu, "
            f"threads={duck['threads']} of {os.cpu_count()} CPUs "
            f"(child process, peak RSS {duck['peak_rss_mib']:,.0f} MiB)"
        )
        print(
            f"  ratio ours/DuckDB, SLI stage wall time on {fmt}: {result.best.sli[0] / duck['seconds']:.2f}x"
        )
        differences = compare(result.best.aggregates, duck["aggregates"])
        print(
            f"  {len(result.best.aggregates):,} outputs (window and day counts, percentiles, worst hours) "
            f"vs DuckDB: {'agree' if not differences else f'{len(differences)} DIFFER'}"
        )
        for line in differences[:20]:
            print(f"    {line}")
        failed = failed or bool(differences)
    for fmt, result in results.items():
        failed = _report_sql(args, fmt, result) or failed
    if len(results) == 2:
        csv_run, parquet_run = results["csv"], results["parquet"]
        ours = csv_run.best.sli[0] / parquet_run.best.sli[0]
        line = f"Parquet vs CSV, SLI stage wall time: {ours:.2f}x faster"
        if csv_run.duck and parquet_run.duck:
            line += f" (DuckDB: {csv_run.duck['seconds'] / parquet_run.duck['seconds']:.2f}x)"
        print(line)
    print(f"load average at the end: {load_average()}")
    write_summary(args.summary_json, summary(args, results, full_peak))
    return int(failed)


def summary(
    args: argparse.Namespace, results: dict[str, FormatRun], full_peak: float | None
) -> dict[str, Any]:
    """The key figures for --summary-json: per format our SLI stage, DuckDB's and each SQL engine's."""
    formats: dict[str, Any] = {}
    for fmt, result in results.items():
        ours = result.best.aggregates
        duck = result.duck
        formats[fmt] = {
            "sli_wall_s": result.best.sli[0],
            "sli_cpu_s": result.best.sli[1],
            "peak_rss_mib": result.staged_peak,
            "events_used": result.best.report.used,
            "duckdb": None
            if duck is None
            else {
                "version": duck["version"],
                "wall_s": duck["seconds"],
                "cpu_s": duck["cpu"],
                "peak_rss_mib": duck["peak_rss_mib"],
                "agree": not compare(ours, duck["aggregates"]),
            },
            "sql": {
                engine: None
                if run is None
                else {
                    "wall_s": run["seconds"][0],
                    "cpu_s": run["seconds"][1],
                    "peak_rss_mib": run["peak_rss_mib"],
                    "identical": run["aggregates"] == ours and run["used"] == args.events,
                }
                for engine, run in result.sql.items()
            },
        }
    return {
        "events": args.events,
        "components": args.components,
        "repeat": args.repeat,
        "formats": formats,
        "full_run_peak_rss_mib": full_peak,
    }


def _report_sql(args: argparse.Namespace, fmt: str, result: FormatRun) -> bool:
    """Print each engine's SLI stage against the event-file one; True when an output differs."""
    failed = False
    ours = result.best.aggregates
    for engine, run in result.sql.items():
        if run is None:
            print(f"sql source, engine {engine} on {fmt}: not installed, skipped (pip install -e '.[test]')")
            continue
        wall, cpu = run["seconds"]
        print(
            f"sql source, engine {engine} on {fmt}: SLI stage {wall:.3f} s wall, {cpu:.3f} s cpu "
            f"(child process, engine threads included, peak RSS {run['peak_rss_mib']:,.0f} MiB)"
        )
        differences = compare(ours, run["aggregates"], engine)
        if run["used"] != args.events:
            differences.append(f"used {run['used']:,} of {args.events:,} events")
        same = "identical" if run["aggregates"] == ours else "agree" if not differences else "DIFFER"
        print(f"  {len(ours):,} outputs vs the event-file run: {same}")
        for line in differences[:20]:
            print(f"    {line}")
        failed = failed or bool(differences)
    return failed


if __name__ == "__main__":
    sys.exit(main())
