"""Benchmark how fast the command line starts: `reliability --help`, timed in child processes.

    .venv/bin/python benchmarks/bench_cli_startup.py                # median of 11 runs
    .venv/bin/python benchmarks/bench_cli_startup.py --runs 31 --args "run --help"
    .venv/bin/python benchmarks/bench_cli_startup.py --example      # the bundled example's run, 5 runs

Runs the installed `reliability` script (the console script beside this Python) N times and prints
the median wall and CPU seconds, next to the same figures for `python -c pass` and for the help of a
bare typer app (typer drawing help is the floor), and the import time of reliability.cli as
`python -X importtime` reports it. The CLI imports a command's module only when that command runs,
so `--help` should stay under TARGET_SECONDS.

With --example it times `reliability run config --html --out TMP` on the bundled example instead (a
fresh folder each run), and splits each run's wall time with the stage seconds its ledger recorded.

The child processes run as a user's install does: they may write and read our modules' bytecode (the
warm-up run writes it), even where the environment sets PYTHONDONTWRITEBYTECODE. --no-bytecode-cache
measures the other way: our package's __pycache__ folders removed and none written, so every run
compiles our modules from source. --example prints both. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from time import perf_counter
from typing import Any

from bench_pipeline import load_average
from bench_summary import add_summary_option, write_summary

import reliability

TARGET_SECONDS = 0.25
EXAMPLE_TARGET_SECONDS = 1.5
EXAMPLE_CONFIG = Path(__file__).resolve().parent.parent / "config"
# The steps a run records in its ledger, in order (reliability.pipeline): reading the telemetry, the
# stages, "check" (the artifacts to JSON, schema-checked) and "write" (the files, published).
RECORDED_STEPS = ("telemetry", "sli", "targets", "budgets", "sla", "hooks", "check", "write")
HELP = "--help"
# The floor: typer drawing the help of an app with one command, which is most of what --help costs.
BARE_TYPER_HELP = (
    "import sys, typer\n"
    "app = typer.Typer(help='A bare app.')\n"
    "app.command()(lambda: None)\n"
    "app.command('other')(lambda: None)\n"
    "sys.argv = ['bare', '--help']\n"
    "app()\n"
)


PACKAGE = Path(reliability.__file__).resolve().parent
CACHED = "bytecode cached"
UNCACHED = "no bytecode cache"


def child_environment(cached: bool) -> dict[str, str]:
    """The environment of the timed children: bytecode written and read as by a user's install, or
    (not cached) our package's bytecode removed and none written, so every run compiles it."""
    environment = dict(os.environ)
    if cached:
        environment.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        environment["PYTHONDONTWRITEBYTECODE"] = "1"
        # Only ours: the interpreter's and the dependencies' bytecode stays, as in an editable install
        # on a machine that sets PYTHONDONTWRITEBYTECODE.
        for cache in list(PACKAGE.rglob("__pycache__")):
            shutil.rmtree(cache, ignore_errors=True)
    return environment


def cli_command() -> list[str]:
    """The console script pip installed next to this interpreter; `python -m reliability` without one."""
    script = Path(sys.executable).parent / "reliability"
    return [str(script)] if script.exists() else [sys.executable, "-m", "reliability"]


def timed(command: list[str], environment: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) seconds of one run of `command`, which must succeed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = perf_counter()
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=environment)
    wall = perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(command: list[str], runs: int, environment: dict[str, str]) -> tuple[float, float]:
    """Median wall and median CPU seconds over `runs` runs, after one untimed run warms the file cache
    (and writes the bytecode, when the environment lets it)."""
    timed(command, environment)
    walls, cpus = zip(*(timed(command, environment) for _ in range(runs)), strict=True)
    return statistics.median(walls), statistics.median(cpus)


def import_seconds(module: str, environment: dict[str, str], statement: str | None = None) -> float:
    """The cumulative import time of `module`, from the last line `python -X importtime` prints for it,
    imported by `statement` (default `import MODULE`).

    -P: the installed package, as the console script sees it, not a folder of that name here.
    """
    done = subprocess.run(
        [sys.executable, "-P", "-X", "importtime", "-c", statement or f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    # "import time: self [us] | cumulative | imported package"
    line = next(x for x in reversed(done.stderr.splitlines()) if x.split("|")[-1].strip() == module)
    return int(line.split("|")[1]) / 1e6


def recorded_steps(ledger: Path) -> dict[str, float]:
    """The seconds each step of the ledger's one run took, as the run recorded them."""
    with sqlite3.connect(ledger) as db:
        return dict(db.execute("SELECT stage, seconds FROM run_stages"))


def example_run(environment: dict[str, str]) -> tuple[float, float, dict[str, float]]:
    """Wall and CPU seconds of one `run config --html` into a fresh folder, and its recorded steps."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as out:
        command = [*cli_command(), "run", str(EXAMPLE_CONFIG), "--html", "--out", out]
        wall, cpu = timed(command, environment)
        return wall, cpu, recorded_steps(Path(out) / "ledger.sqlite")


# As the CLI imports a command (importlib's imports are not timed by -X importtime).
RUN_IMPORT = (
    "import reliability.cli\n"
    "from reliability.arrow_probe import without_pandas_probe\n"
    "with without_pandas_probe():\n"
    "    import reliability.commands.run\n"
)


def example_measured(runs: int, cached: bool) -> tuple[list[tuple[float, float, dict[str, float]]], float]:
    """`runs` example runs after a warm-up, and the median import time of reliability.commands.run."""
    environment = child_environment(cached)
    example_run(environment)  # warms the file cache and, when cached, writes the bytecode
    measured = [example_run(environment) for _ in range(runs)]
    imports = statistics.median(
        import_seconds("reliability.commands.run", environment, RUN_IMPORT) for _ in range(runs)
    )
    return measured, imports


def example_main(runs: int, modes: tuple[bool, ...], summary_json: Path | None = None) -> int:
    print(f"bench_cli_startup: `reliability run config --html --out TMP`, median of {runs} runs")
    print(f"  {os.cpu_count()} CPUs, load average {load_average()} (other processes skew the timings)")
    walls = []
    figures: dict[str, dict[str, float]] = {}
    for cached in modes:
        measured, imports = example_measured(runs, cached)
        print()
        print(f"{CACHED if cached else UNCACHED:<44}{'wall s':>10}")
        walls.append(statistics.median(m[0] for m in measured))
        cpu = statistics.median(m[1] for m in measured)
        print(f"{'the whole run':<44}{walls[-1]:>10.3f}  (cpu {cpu:.3f} s)")
        for step in RECORDED_STEPS:
            print(f"{'  ' + step:<44}{statistics.median(m[2].get(step, 0.0) for m in measured):>10.3f}")
        # Start-up, imports, option parsing, the config, the report, the ledger and the summary.
        outside = statistics.median(m[0] - sum(m[2].values()) for m in measured)
        print(f"{'  outside the steps (imports, config, report)':<44}{outside:>10.3f}")
        print(f"{'import reliability.commands.run':<44}{imports:>10.3f}  (-X importtime, cumulative)")
        figures["cached" if cached else "uncached"] = {"wall_s": walls[-1], "cpu_s": cpu, "import_s": imports}
    print()
    verdict = "met" if walls[0] <= EXAMPLE_TARGET_SECONDS else "NOT met (see the load average)"
    mode = CACHED if modes[0] else UNCACHED
    print(f"target: the example's run under {EXAMPLE_TARGET_SECONDS} s wall ({mode}): {verdict}")
    print(f"load average now: {load_average()}")
    write_summary(summary_json, {"runs": runs, "target_s": EXAMPLE_TARGET_SECONDS, "modes": figures})
    return 0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--runs", type=int, default=None, help="timed runs of each command (default 11; 5 with --example)"
    )
    parser.add_argument(
        "--args", default=HELP, help=f"what to pass to reliability, quoted as one string (default {HELP})"
    )
    parser.add_argument(
        "--example", action="store_true", help="time `run config --html` on the bundled example instead"
    )
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="only measure with our package compiled from source in every run (--example measures both)",
    )
    add_summary_option(parser)
    args = parser.parse_args(argv)
    if args.runs is None:
        args.runs = 5 if args.example else 11
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Cached first: the uncached mode removes the bytecode the cached runs wrote.
    modes = (False,) if args.no_bytecode_cache else (True, False) if args.example else (True,)
    if args.example:
        return example_main(args.runs, modes, args.summary_json)
    cached = modes[0]
    environment = child_environment(cached)
    command = [*cli_command(), *shlex.split(args.args)]
    shown = f"reliability {args.args}"
    print(f"bench_cli_startup: `{shown}`, median of {args.runs} runs, each in a child process")
    print(f"  {os.cpu_count()} CPUs, load average {load_average()} (other processes skew the timings)")
    print(f"  {CACHED if cached else UNCACHED}")
    print()
    print(f"{'':<30}{'wall s':>10}{'cpu s':>10}")
    references = {
        "python -c pass": [sys.executable, "-c", "pass"],
        "a bare typer app --help": [sys.executable, "-c", BARE_TYPER_HELP],
    }
    figures: dict[str, Any] = {"args": args.args, "runs": args.runs, "cached": cached}
    for label, reference in references.items():
        seconds = median_of(reference, args.runs, environment)
        print(f"{label:<30}" + "".join(f"{s:>10.3f}" for s in seconds))
        figures[label] = {"wall_s": seconds[0], "cpu_s": seconds[1]}
    wall, cpu = median_of(command, args.runs, environment)
    print(f"{shown:<30}{wall:>10.3f}{cpu:>10.3f}")
    imports = statistics.median(import_seconds("reliability.cli", environment) for _ in range(args.runs))
    print(f"{'import reliability.cli':<30}{imports:>10.3f}  (-X importtime, cumulative)")
    print()
    if args.args == HELP:
        verdict = "met" if wall <= TARGET_SECONDS else "NOT met (see the load average)"
        print(f"target: `reliability --help` under {TARGET_SECONDS} s wall: {verdict}")
    print(f"load average now: {load_average()}")
    figures |= {"wall_s": wall, "cpu_s": cpu, "import_s": imports, "target_s": TARGET_SECONDS}
    write_summary(args.summary_json, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
