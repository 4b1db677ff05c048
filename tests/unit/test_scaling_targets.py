"""bench_scaling's table: each target's verdict and by how much, and a row for every figure of --full."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import REPO


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    """benchmarks/bench_scaling.py, which imports scaling_targets from its own folder."""
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        return importlib.import_module("bench_scaling")
    finally:
        sys.path.remove(str(REPO / "benchmarks"))


def test_a_limit_says_whether_it_is_met_and_by_how_much(bench: ModuleType) -> None:
    Limit, Measured = bench.targets.Limit, bench.targets.Measured
    under = Limit(1024, "under", "MiB")
    assert under.text == "under 1,024 MiB"
    assert under.judge(Measured(768, "MiB")).text == "met (25 % to spare)"
    assert under.judge(Measured(1024, "MiB")).text == "NOT MET (0 % over)"
    at_least = Limit(3.0, "at least", "x")
    assert at_least.judge(Measured(2.4, "x")).text == "NOT MET (20 % short)"
    assert at_least.judge(Measured(3.0, "x")).met is True
    no_slower = Limit(1.0, "at most", "x", on_ratio=True)
    assert no_slower.text == "ours/peer at most 1.00x"
    assert no_slower.judge(Measured(5.5, "s", 5.0, "DuckDB")).text == "NOT MET (10 % over)"
    assert no_slower.judge(Measured(5.5, "s")).text == "NOT MET (no figure)"  # no peer, no ratio


def pipeline_summary(events: int, seconds: float) -> dict[str, Any]:
    def fmt(wall: float) -> dict[str, Any]:
        duck = {"wall_s": wall * 1.2, "cpu_s": wall * 2, "peak_rss_mib": 800.0, "agree": True}
        sql = {"wall_s": wall, "cpu_s": wall, "peak_rss_mib": 300.0, "identical": True}
        return {
            "sli_wall_s": wall,
            "sli_cpu_s": wall,
            "peak_rss_mib": 500.0,
            "duckdb": duck,
            "sql": {"duckdb": sql, "chdb": None},  # chdb not installed
        }

    return {
        "events": events,
        "formats": {"csv": fmt(seconds), "parquet": fmt(seconds / 2)},
        "full_run_peak_rss_mib": None,
    }


def prometheus_summary() -> dict[str, Any]:
    whole = {"wall_s": 10.0, "cpu_s": 5.0}
    return {
        "runs": [{"peak_mib": 400.0}],
        "peer": {"ours": whole, "peer": whole | {"wall_s": 12.0}, "agree": True},
    }


def fake_summaries() -> dict[str, dict[str, Any] | None]:
    """What each run of --full might write; the 1,000 SLOs' run failed and wrote nothing."""
    return {
        "pipeline": pipeline_summary(10_000_000, 5.0),
        "pipeline_large": pipeline_summary(100_000_000, 40.0),
        "parse": {"readers": {"ours": {"seconds": 10.0, "peak_rss_mib": 600.0}}},  # no json.loads
        "prometheus": prometheus_summary(),
        "prometheus_large": None,  # the benchmark failed
        "example": {"modes": {"cached": {"wall_s": 1.2, "cpu_s": 1.0}}},
        "help": {"wall_s": 0.1, "cpu_s": 0.07},
        "serve": {"requests_per_second": 2500.0, "rss_start_mib": 300.0, "rss_peak_mib": 330.0},
    }


def test_full_mode_has_a_filled_row_for_every_figure(bench: ModuleType) -> None:
    summaries = fake_summaries()
    steps = bench.plan(bench.DEFAULT, full=True, data_dir=Path("/data"), slo_generator=None)
    assert {step.name for step in steps} == set(summaries)
    rows = {row.figure: row for row in bench.targets.rows(bench.specs(bench.DEFAULT, full=True), summaries)}

    assert rows["SLI stage, 10M CSV events, wall"].peer == "DuckDB 6.00 s"
    assert rows["SLI stage, 10M CSV events, wall"].verdict.text == "met (17 % to spare)"
    assert rows["Parquet vs CSV speed-up, 10M"].verdict.text == "NOT MET (33 % short)"
    assert rows["Parquet vs CSV speed-up, 100M"].target == "-"  # the target is on the first size
    assert rows["SLI stage, 100M CSV events, wall"].target == "-"
    assert rows["SLI stage 100M / 10M time, csv"].ours == "8.00x"
    assert rows["SLI stage 100M / 10M time, csv"].verdict.met is True
    assert rows["SQL source (duckdb), 10M parquet, wall"].verdict.text == "met"
    assert rows["SQL source (chdb), 10M csv, wall"].verdict.text == "NOT MET (no figure)"
    assert rows["Prometheus range answer, 10M samples, parse"].peer == "-"
    assert rows["real Prometheus, 100 SLOs, whole run wall"].ratio == "0.83x"
    assert rows["real Prometheus, 1,000 SLOs, whole run wall"].verdict.text == "NOT MET (no figures)"
    assert rows["serve RSS growth under 60 s x 8 connections"].verdict.text == "NOT MET (5.0 points over)"
    assert rows["`reliability --help`"].verdict.met is True
    assert len(rows) == 34


def test_no_run_prints_the_table_of_the_summaries_left_in_the_log_folder(
    bench: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, summary in fake_summaries().items():
        if summary is not None:
            (tmp_path / f"{name}.json").write_text(json.dumps(summary))
    status = bench.main(["--full", "--no-run", "--log-dir", str(tmp_path)])
    printed = capsys.readouterr().out
    assert status == 1  # targets not met, no benchmark run, so none failed
    assert "34 rows: 12 targets met, 6 not met" in printed
    failed_run = [line for line in printed.splitlines() if line.startswith("real Prometheus, 1,000 SLOs")]
    assert len(failed_run) == 4 and all("no figures" in line for line in failed_run)
