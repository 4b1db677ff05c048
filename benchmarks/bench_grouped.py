"""Benchmark a grouped SLO over an access log: wall time and peak memory of `reliability run`.

    .venv/bin/python benchmarks/bench_grouped.py                         # 500,000 lines, 26 paths
    .venv/bin/python benchmarks/bench_grouped.py --before ../main        # the same, with another checkout too
    .venv/bin/python benchmarks/bench_grouped.py --lines 100000 --repeat 1

Writes an NGINX combined access log of N lines over the two days before the evaluation time, one
request per line spread evenly over 26 first path segments (one failing in six), and two configs:
examples/grouped-paths (the component grouped by its first path segment: 26 SLOs) over it with two
days of history, and the same without `group_by` (one SLO: one read with no grouping, for scale).
Each config is run by `python -m reliability run` in a child process, with this checkout's code
and, with `--before`, another checkout's (PYTHONPATH), so the code before a change is measured on
the same file. Wall seconds are the fastest of `--repeat` runs, peak RSS is the child's own (wait4),
and the load average is printed beside each figure (the machine may be shared). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import string
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent.parent
EVALUATED = datetime(2026, 11, 5, 12, 0, tzinfo=UTC)
SEGMENTS = [f"seg-{letter}" for letter in string.ascii_lowercase]

EXAMPLE = HERE / "examples" / "grouped-paths" / "config.yaml"


def write_config(path: Path, grouped: bool) -> None:
    """The grouped-paths example over the generated log, with two days of history; or not grouped."""
    config = yaml.safe_load(EXAMPLE.read_text())
    config["settings"]["history"] = "2d"
    config["sources"][0]["paths"] = ["access.log"]
    if not grouped:
        (component,) = config["services"][0]["components"]
        del component["group_by"], component["max_groups"]
    path.write_text(yaml.safe_dump(config, sort_keys=False))


def write_log(path: Path, lines: int) -> None:
    start = EVALUATED - timedelta(days=2)
    step = timedelta(days=2) / lines
    with path.open("w") as out:
        for i in range(lines):
            stamp = (start + i * step).strftime("%d/%b/%Y:%H:%M:%S +0000")
            segment = SEGMENTS[i % len(SEGMENTS)]
            status = 503 if segment == "seg-b" and i % 6 == 1 else 200
            out.write(f'10.0.0.1 - - [{stamp}] "GET /{segment}/item?id={i} HTTP/1.1" {status} 5 "-" "t"\n')


def run_once(tree: Path, config: Path, out: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (MiB) of one `reliability run` with `tree`'s code."""
    env = {**os.environ, "PYTHONPATH": str(tree)}
    args = [sys.executable, "-m", "reliability", "run", str(config), "--out", str(out), "--no-ledger", "-q"]
    started = time.perf_counter()
    child = subprocess.Popen(args, cwd=config.parent, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{tree}: run failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss // 1024  # ru_maxrss is in KiB on Linux


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--lines", type=int, default=500_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--before", type=Path, help="another checkout to run on the same files")
    options = parser.parse_args()
    trees = [("this checkout", HERE)]
    if options.before:
        trees.insert(0, ("before", options.before.resolve()))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_log(folder / "access.log", options.lines)
        size = (folder / "access.log").stat().st_size / 1e6
        print(f"{options.lines:,} lines, {size:.1f} MB, 26 paths; load average 1/5/15 min beside each figure")
        for grouping, grouped in (("grouped by path", True), ("not grouped", False)):
            config = folder / f"config-{grouping.replace(' ', '-')}.yaml"
            write_config(config, grouped)
            for name, tree in trees:
                runs = [run_once(tree, config, folder / "out") for _ in range(options.repeat)]
                seconds = min(s for s, _ in runs)
                peak = max(m for _, m in runs)
                print(f"{grouping:<16} {name:<14} {seconds:7.2f} s  peak RSS {peak:5d} MiB  load {load()}")


if __name__ == "__main__":
    main()
