"""Benchmark finding the selectors read minute by minute along with one that must be (prometheus_alike).

    .venv/bin/python benchmarks/bench_read_alike.py                  # 1,000 SLOs, 2 series per selector
    .venv/bin/python benchmarks/bench_read_alike.py --slos 100 --codes 5

Each SLO reads `slo_requests_total{slo="slo-NNNN"}` and `slo_errors_total{slo="slo-NNNN"}` (the
shape of bench_prometheus_real.py), each selector `--codes` series kept from the hour points. One
error counter had a reset, so it is read minute by minute: the run finds which other selectors
follow it (here only its SLI's total) and lets their hour-point samples go. Prints the CPU
seconds of the fastest of `--repeat` runs. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import time

from reliability.config.model import (
    Component,
    CounterSelectors,
    Origin,
    PrometheusSource,
    Selector,
    Sli,
    SliKind,
)
from reliability.telemetry import prometheus_api
from reliability.telemetry.report import ReadReport

METRICS = ("slo_requests_total", "slo_errors_total")


def components(slos: int) -> list[Component]:
    found = []
    for index in range(slos):
        label = (("slo", f"slo-{index:04d}"),)
        counters = CounterSelectors(Selector(METRICS[0], label), bad=Selector(METRICS[1], label))
        sli = Sli("availability", SliKind.AVAILABILITY, counters=counters)
        found.append(Component("bench", f"slo-{index:04d}", "prom", "", (sli,), Origin("bench.yaml", None)))
    return found


def collected_at_hours(slos: int, codes: int) -> prometheus_api._Collected:
    source = PrometheusSource("prom", "http://prometheus.invalid", Origin("bench.yaml", None))
    collected = prometheus_api._Collected(prometheus_api.PrometheusClient(source), ReadReport("prom"), False)
    for index in range(1, slos):  # slo-0000's errors were refused: not kept
        for code in range(codes):
            for metric in METRICS:
                collected.series[(metric, (("code", str(200 + code)), ("slo", f"slo-{index:04d}")))] = (
                    [],
                    [],
                )
    for code in range(codes):
        collected.series[(METRICS[0], (("code", str(200 + code)), ("slo", "slo-0000")))] = ([], [])
    return collected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--slos", type=int, default=1000)
    parser.add_argument("--codes", type=int, default=2, help="series per selector")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    slos = components(args.slos)
    wanted = prometheus_api._wanted(slos)
    refused = Selector(METRICS[1], (("slo", "slo-0000"),)).promql()
    fastest, found, series = float("inf"), [], 0
    for _ in range(args.repeat):
        collected = collected_at_hours(args.slos, args.codes)
        series = len(collected.series)
        started = time.process_time()
        found = prometheus_api._read_alike(wanted, [refused], collected, slos)
        fastest = min(fastest, time.process_time() - started)
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(
        f"bench_read_alike: {args.slos:,} SLOs, {len(wanted):,} selectors, {series:,} series at hour points"
    )
    print(f"  read minute by minute: {len(found)} selectors; {fastest:.3f} s CPU (fastest of {args.repeat})")
    print(f"  {os.cpu_count()} CPUs, load average {load}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
