"""Issue 12's figures in one run: every benchmark, one after the other, then one table against the targets.

    .venv/bin/python benchmarks/bench_scaling.py --data-dir /tmp/bench-data          # 5 to 10 minutes
    .venv/bin/python benchmarks/bench_scaling.py --data-dir /tmp/bench-data --full   # + 100M, 1,000 SLOs
    .venv/bin/python benchmarks/bench_scaling.py --quick                              # tiny sizes, a check

Runs bench_pipeline (10M events, CSV and Parquet, DuckDB, the SQL source with DuckDB and chDB),
bench_prometheus_parse (10M samples), bench_prometheus_real (100 SLOs, slo-generator),
bench_cli_startup (the example's run and --help) and bench_serve, each as a child process and never
two at once, so they do not disturb each other. Each writes its key figures with --summary-json;
its printed output goes to a log in --log-dir. The table shows our figure, the peer's from the same
run, their ratio, the target and whether it is met (by how much either way). Exit status: 0 when every
target is met, 1 when one is not, 2 when a benchmark failed. --no-run prints the table again from the
summaries an earlier run left in --log-dir. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import scaling_targets as targets

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Sizes:
    events: int
    large_events: int  # --full
    components: int
    series: int  # of the Prometheus range answer, `samples` each
    samples: int
    slos: int
    large_slos: int  # --full
    days: int
    cli_runs: int | None  # None: the benchmark's own default
    serve_seconds: float
    connections: int


DEFAULT = Sizes(10_000_000, 100_000_000, 10, 100, 100_000, 100, 1000, 30, None, 60, 8)
QUICK = Sizes(20_000, 40_000, 3, 3, 500, 2, 3, 1, 1, 1, 2)


@dataclass(frozen=True)
class Step:
    """One benchmark run: the name of its summary, its script and arguments."""

    name: str
    script: str
    args: tuple[str, ...]


def plan(sizes: Sizes, *, full: bool, data_dir: Path | None, slo_generator: Path | None) -> list[Step]:
    def pipeline(events: int, *extra: str) -> tuple[str, ...]:
        where = ("--data-dir", str(data_dir)) if data_dir else ()
        counts = ("--events", str(events), "--components", str(sizes.components))
        return (*counts, "--repeat", "1", "--no-full-run", "--keep", *where, *extra)

    def prometheus(slos: int) -> tuple[str, ...]:
        peer = ("--slo-generator", str(slo_generator)) if slo_generator else ()
        return ("--slos", str(slos), "--days", str(sizes.days), "--concurrency", "4", *peer)

    runs = ("--runs", str(sizes.cli_runs)) if sizes.cli_runs else ()
    steps = [
        Step("pipeline", "bench_pipeline.py", pipeline(sizes.events, "--sql")),
        Step(
            "parse",
            "bench_prometheus_parse.py",
            ("--series", str(sizes.series), "--samples", str(sizes.samples), "--skip-json-reader"),
        ),
        Step("prometheus", "bench_prometheus_real.py", prometheus(sizes.slos)),
        Step("example", "bench_cli_startup.py", ("--example", *runs)),
        Step("help", "bench_cli_startup.py", runs),
        Step(
            "serve",
            "bench_serve.py",
            ("--duration", f"{sizes.serve_seconds:g}", "--connections", str(sizes.connections)),
        ),
    ]
    if full:
        steps.insert(1, Step("pipeline_large", "bench_pipeline.py", pipeline(sizes.large_events)))
        steps.insert(4, Step("prometheus_large", "bench_prometheus_real.py", prometheus(sizes.large_slos)))
    return steps


def specs(sizes: Sizes, *, full: bool) -> list[targets.Spec]:
    """The table's rows, in the order of the issue's list."""
    found = targets.pipeline_specs("pipeline", sizes.events, first=True)
    if full:
        found += targets.pipeline_specs("pipeline_large", sizes.large_events, first=False)
        ratio = f"{targets.short_count(sizes.large_events)} / {targets.short_count(sizes.events)}"
        found += targets.scaling_specs("pipeline", "pipeline_large", ratio)
    found += targets.parse_specs("parse", sizes.series * sizes.samples)
    found += targets.prometheus_specs("prometheus", sizes.slos)
    if full:
        found += targets.prometheus_specs("prometheus_large", sizes.large_slos)
    found += targets.cli_specs("example", "help")
    found += targets.serve_specs("serve", sizes.serve_seconds, sizes.connections)
    return found


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def child_environment() -> dict[str, str]:
    """As a user's install runs: bytecode cached (bench_cli_startup drops the variable for its own
    children too; the others then read the bytecode the warm-up wrote)."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def run_step(step: Step, log_dir: Path) -> tuple[targets.Summary | None, int]:
    """Run one benchmark to the end, its output into LOG_DIR/NAME.txt; its summary and exit status."""
    summary = log_dir / f"{step.name}.json"
    summary.unlink(missing_ok=True)
    argv = [sys.executable, str(HERE / step.script), *step.args, "--summary-json", str(summary)]
    print(f"{step.name}: {step.script} {' '.join(step.args)}", flush=True)
    started = time.perf_counter()
    with (log_dir / f"{step.name}.txt").open("w") as log:
        done = subprocess.run(
            argv, stdout=log, stderr=subprocess.STDOUT, env=child_environment(), check=False
        )
    took = time.perf_counter() - started
    print(f"  exit {done.returncode} after {took:.0f} s, load average {load_average()}", flush=True)
    return read_summary(summary), done.returncode


def read_summary(path: Path) -> targets.Summary | None:
    """The figures a benchmark wrote; None when it wrote none."""
    return json.loads(path.read_text()) if path.exists() else None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--full", action="store_true", help="also 100M events and 1,000 SLOs (15 to 25 minutes more)"
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that every row is filled")
    parser.add_argument(
        "--data-dir", type=Path, help="bench_pipeline's event files, kept and reused (default: its own)"
    )
    parser.add_argument("--slo-generator", type=Path, metavar="PATH", help="slo-generator's executable")
    parser.add_argument(
        "--log-dir", type=Path, help="each benchmark's output and summary (default: a new temporary folder)"
    )
    parser.add_argument(
        "--no-run",
        action="store_true",
        help="run nothing: the table from the summaries a run with the same options left in --log-dir",
    )
    args = parser.parse_args(argv)
    if args.no_run and args.log_dir is None:
        parser.error("--no-run reads the summaries in --log-dir: give it")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = QUICK if args.quick else DEFAULT
    log_dir = args.log_dir or Path(tempfile.mkdtemp(prefix="bench-scaling-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    mode = f"{'full' if args.full else 'default'} mode{', quick sizes' if args.quick else ''}"
    print(f"bench_scaling: {mode}{', the table of an earlier run (--no-run)' if args.no_run else ''}")
    when = "now" if args.no_run else "at the start"
    print(f"  {os.cpu_count()} CPUs, load average {when} {load_average()}")
    print(f"  each benchmark's output and summary: {log_dir}")
    summaries: dict[str, targets.Summary | None] = {}
    failed = []
    for step in plan(sizes, full=args.full, data_dir=args.data_dir, slo_generator=args.slo_generator):
        if args.no_run:
            summaries[step.name] = read_summary(log_dir / f"{step.name}.json")
            continue
        summaries[step.name], status = run_step(step, log_dir)
        if status != 0 or summaries[step.name] is None:
            failed.append(f"{step.script} ({step.name}) exited {status}: see {log_dir / step.name}.txt")
    found = targets.rows(specs(sizes, full=args.full), summaries)
    print()
    print("\n".join(targets.table(found)))
    print()
    met = sum(row.verdict.met is True for row in found)
    missed = sum(row.verdict.met is False for row in found)
    print(f"{len(found)} rows: {met} targets met, {missed} not met")
    for line in failed:
        print(f"FAILED: {line}")
    print(f"load average {'now' if args.no_run else 'at the end'}: {load_average()}")
    return 2 if failed else 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
