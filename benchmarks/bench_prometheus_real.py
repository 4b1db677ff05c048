"""Benchmark the Prometheus source against a real Prometheus holding 30 days of 1-minute counters.

    .venv/bin/python benchmarks/bench_prometheus_real.py                  # 100 SLOs
    .venv/bin/python benchmarks/bench_prometheus_real.py --slos 10 --days 2

Writes OpenMetrics text with two counters per SLO (requests and errors, one sample a minute),
backfills it with `promtool tsdb create-blocks-from openmetrics`, starts Prometheus on
127.0.0.1 and runs the whole pipeline over a config with one availability SLO per counter
pair, once per concurrency setting. Prints the run's wall time and the source's share of it
(requests, parsing, samples per series), requests, answer bytes and peak RSS (each run in its
own child process) with the load average. Then the same SLOs over the same windows are
computed by Google's slo-generator 2.6 against the same server (its own venv, see
peer_slo_generator.py), both as whole processes, and the two are compared: wall time,
requests and answer bytes as Prometheus counts them, and every SLI. Needs the `prometheus`
and `promtool` binaries. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import peer_slo_generator as peer
from bench_summary import add_summary_option, write_summary
from support.real_servers import backfill_file, prometheus

from reliability.durations import format_duration

EVALUATE_AT = 1_793_880_000  # 2026-11-05T12:00:00Z
EVALUATE_AT_TEXT = "2026-11-05T12:00:00Z"
MIB = 2**20
SLI_TOLERANCE = 1e-6  # slo-generator rounds the SLI to 6 decimals; good and bad must be equal
API_SERVED = re.compile(
    r"^prometheus_http_(requests_total|response_size_bytes_sum|request_duration_seconds_sum)"
    r'\{[^}]*handler="/api/v1/[^"]*"[^}]*\} (\S+)$'
)


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
    minutes = days * 1440 + 1  # a sample at each end, so every window of up to `days` has both ends
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
    cpu_seconds: float  # user + system of the whole child process, imports included


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
    return Measured(seconds, sum(fetching), len(answered), sum(answered), samples, peak, cpu_seconds())


def cpu_seconds(who: int = resource.RUSAGE_SELF) -> float:
    """User + system CPU seconds: unlike wall time, not stretched by other processes on the machine."""
    used = resource.getrusage(who)
    return used.ru_utime + used.ru_stime


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


@dataclass(frozen=True)
class Served:
    """What Prometheus says it served on its query API so far (its own /metrics)."""

    requests: int
    answer_bytes: float
    seconds: float  # spent answering, summed over requests (concurrent ones overlap)

    def since(self, before: Served) -> Served:
        return Served(
            self.requests - before.requests,
            self.answer_bytes - before.answer_bytes,
            self.seconds - before.seconds,
        )


def served(url: str) -> Served:
    with urllib.request.urlopen(f"{url}/metrics", timeout=30) as answer:
        text = answer.read().decode()
    totals = {"requests_total": 0.0, "response_size_bytes_sum": 0.0, "request_duration_seconds_sum": 0.0}
    for line in text.splitlines():
        found = API_SERVED.match(line)
        if found:
            totals[found[1]] += float(found[2])
    return Served(
        int(totals["requests_total"]),
        totals["response_size_bytes_sum"],
        totals["request_duration_seconds_sum"],
    )


@dataclass(frozen=True)
class WholeRun:
    seconds: float
    served: Served
    load: str
    cpu_seconds: float  # of the child process (ours: reliability run; theirs: slo-generator compute)


def run_ours(config: Path, out: Path) -> tuple[float, str]:
    """`reliability run` as a child process, timed whole like the peer; (seconds, failure or '')."""
    script = Path(sys.executable).parent / "reliability"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "reliability"]
    argv = [*command, "run", str(config), "--out", str(out), "--now", EVALUATE_AT_TEXT, "--quiet"]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - started
    failure = "" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip()[-400:]}"
    return seconds, failure


def our_windows(out: Path, days: int) -> tuple[list[peer.Step], dict[tuple[str, str], peer.Report]]:
    """The fixed windows of our SLI artifact (not `history`) and each SLO's figures in each of them.

    Only windows within the `days` of history are compared: over a longer one,
    Prometheus' increase() extrapolates to the window's start, while ours counts what was sampled.
    """
    artifact = json.loads((out / "sli-metrics.json").read_text())
    steps: dict[str, peer.Step] = {}
    ratios: dict[tuple[str, str], peer.Report] = {}
    for component in artifact["components"]:
        for window in component["slis"][0]["windows"]:
            if format_duration(window["seconds"]) != window["window"]:
                continue  # `history` and the forecast's span are not windows an SLO is judged over
            steps[window["window"]] = peer.Step(window["window"], window["seconds"])
            if window["seconds"] <= days * 86400:
                figures = peer.Report(window["ratio"], window["good"], window["bad"])
                ratios[component["component"], window["window"]] = figures
    return list(steps.values()), ratios


def differences(ours: dict[tuple[str, str], peer.Report], theirs: peer.PeerRun) -> list[str]:
    lines = []
    for key, figures in sorted(ours.items()):
        report = theirs.reports.get(key)
        if report is None:
            lines.append(f"  {key[0]} {key[1]}: no report from slo-generator")
        elif (report.good, report.bad) != (figures.good, figures.bad) or not (
            abs(report.sli - figures.sli) <= SLI_TOLERANCE
        ):
            lines.append(f"  {key[0]} {key[1]}: ours {figures}, slo-generator {report}")
    return lines


def compare_with_peer(
    binary: Path,
    work: Path,
    url: str,
    slos: int,
    days: int,
    concurrency: int,
    figures: dict[str, Any] | None = None,
) -> int:
    """Ours and slo-generator over the same SLOs and windows, one after the other; exit status.
    `figures`, when given, receives both whole runs' figures and whether their SLIs agree."""
    config = write_config(work, url, slos, concurrency)
    before, cpu_before = served(url), cpu_seconds(resource.RUSAGE_CHILDREN)
    seconds, failure = run_ours(config, work / "out-whole")
    ours_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    ours = WholeRun(seconds, served(url).since(before), load_average(), ours_cpu)
    if failure:
        print(f"\nours (reliability run) failed, so no comparison: {failure}")
        return 1
    steps, ratios = our_windows(work / "out-whole", days)
    shared = peer.write_configs(work / "slo-generator", url, slos, steps, EVALUATE_AT)
    before, cpu_before = served(url), cpu_seconds(resource.RUSAGE_CHILDREN)
    theirs_run = peer.compute(binary, shared, EVALUATE_AT)
    theirs_cpu = cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before
    theirs = WholeRun(theirs_run.seconds, served(url).since(before), load_average(), theirs_cpu)

    names = " ".join(step.name for step in steps)
    print(f"\nthe same {slos} SLOs x {len(steps)} windows ({names}), same Prometheus, whole processes")
    print(
        f"{'run':<38} {'wall s':>7} {'CPU s':>7} {'server s':>8} {'requests':>9} {'answers MiB':>12} "
        f"{'load average':>16}"
    )
    for label, run in (
        (f"ours: reliability run, concurrency {concurrency}", ours),
        (f"{peer.version(binary)} compute", theirs),
    ):
        print(
            f"{label:<38} {run.seconds:7.2f} {run.cpu_seconds:7.2f} {run.served.seconds:8.2f} "
            f"{run.served.requests:>9,} "
            f"{run.served.answer_bytes / MIB:12.1f} {run.load:>16}"
        )
    print(
        f"slo-generator / ours: {theirs.seconds / ours.seconds:.2f}x the wall time, "
        f"{theirs.cpu_seconds / max(ours.cpu_seconds, 1e-9):.2f}x the CPU seconds, "
        f"{theirs.served.requests / max(ours.served.requests, 1):.2f}x the requests"
    )
    print("server s = Prometheus' own time answering them, summed over requests; CPU s = the process's own")
    if figures is not None:
        figures |= {
            "version": peer.version(binary),
            "ours": whole_figures(ours),
            "peer": whole_figures(theirs),
        }
    if theirs_run.returncode != 0:
        print(f"slo-generator exited with {theirs_run.returncode}:\n{theirs_run.output_tail}")
        return 1
    found = differences(ratios, theirs_run)
    if found:
        print(f"SLIs vs slo-generator: {len(found)} differences over {SLI_TOLERANCE:g}")
        print("\n".join(found[:20] + ([f"  ... and {len(found) - 20} more"] if len(found) > 20 else [])))
        return 1
    print(
        f"SLIs vs slo-generator: agree ({len(ratios):,} SLO windows of up to {days} days: "
        f"good and bad equal, SLI within {SLI_TOLERANCE:g})"
    )
    if figures is not None:
        figures |= {"agree": True, "windows": len(ratios)}
    return 0


def whole_figures(run: WholeRun) -> dict[str, Any]:
    return {
        "wall_s": run.seconds,
        "cpu_s": run.cpu_seconds,
        "server_s": run.served.seconds,
        "requests": run.served.requests,
        "answer_bytes": run.served.answer_bytes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slos", type=int, default=100)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--slo-generator",
        type=Path,
        metavar="PATH",
        help="slo-generator's executable (default: its venv under benchmarks/data/, made if missing)",
    )
    parser.add_argument("--no-peer", action="store_true", help="leave out the slo-generator comparison")
    add_summary_option(parser)
    args = parser.parse_args(argv)

    print(f"bench_prometheus_real: {args.slos} SLOs x {args.days} days of 1-minute counters (2 series each)")
    print(f"  {os.cpu_count()} CPUs, load average {load_average()} (other processes skew the timings)")
    binary = None
    if args.no_peer:
        print("  peer: left out (--no-peer)")
    else:
        binary, how = peer.find_or_install(args.slo_generator)
        print(f"  peer: {how}" if binary else f"  peer: skipped, {how}")
    status = 0
    runs: list[dict[str, Any]] = []
    compared: dict[str, Any] | None = None if binary is None else {"agree": False}
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
                f"{'samples':>11} {'peak RSS':>9} {'CPU s':>7} {'load average':>16}"
            )
            for concurrency in args.concurrency:
                config = write_config(work, url, args.slos, concurrency)
                with context.Pool(1) as pool:
                    found = pool.apply(measure, (str(config), str(work / f"out-{concurrency}")))
                print(
                    f"{concurrency:>11} {found.seconds:7.2f} {found.fetching_seconds:8.2f} "
                    f"{found.requests:>9,} {found.answer_bytes / MIB:12.1f} {found.samples:>11,} "
                    f"{found.peak_mib:5.0f} MiB {found.cpu_seconds:7.2f} "
                    f"{load_average():>16}"
                )
                runs.append({"concurrency": concurrency} | asdict(found))
            if binary is not None:
                status = compare_with_peer(
                    binary, work, url, args.slos, args.days, max(args.concurrency), compared
                )
    write_summary(args.summary_json, {"slos": args.slos, "days": args.days, "runs": runs, "peer": compared})
    return status


if __name__ == "__main__":
    sys.exit(main())
