"""The bundled example end to end: the five planted situations show in the summary and artifacts."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import EXAMPLE_CONFIG

from reliability.examples import bundled
from reliability.summary import HEADERS


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """`reliability run config` from a fresh folder holding only a copy of config/."""
    folder = tmp_path_factory.mktemp("fresh")
    shutil.copytree(EXAMPLE_CONFIG, folder / "config")
    done = subprocess.run(
        [sys.executable, "-m", "reliability", "run", "config"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    return done, folder


def table(stdout: str) -> dict[str, dict[str, str]]:
    """The summary table as {slo: {column: cell}}, split on the header's column positions."""
    lines = stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("SERVICE"))
    header = lines[start]
    cuts = [header.index(name) for name in HEADERS] + [None]
    result = {}
    for line in lines[start + 1 :]:
        if not line.startswith(("orders", "storefront", "edge")):
            break
        cells = [line[cuts[i] : cuts[i + 1]].strip() for i in range(len(HEADERS))]
        result[cells[1]] = dict(zip(HEADERS, cells, strict=True))
    return result


def budgets(folder: Path) -> dict[str, dict[str, Any]]:
    data = json.loads((folder / "generated" / "error-budgets.json").read_text())
    return {entry["slo"]: entry for entry in data["slos"]}


def test_the_run_succeeds_and_writes_four_artifacts(fresh_run: tuple[Any, Path]) -> None:
    done, folder = fresh_run
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (folder / "generated").iterdir()) == [
        "error-budgets.json",
        "ledger.sqlite",
        "manifest.json",
        "sla-compliance.json",
        "sli-metrics.json",
        "slo-targets.json",
    ]
    assert "evaluated at 2026-11-05T12:00:00Z" in done.stdout


def test_exhausted_budget(fresh_run: tuple[Any, Path]) -> None:
    done, folder = fresh_run
    row = table(done.stdout)["payments-availability"]
    assert row["BUDGET LEFT"].startswith("EXHAUSTED")
    assert row["SLA"] == "BREACHED (10% credit)"
    assert budgets(folder)["orders/payments-availability"]["budget"]["exhausted"]


def test_fast_burn_pages(fresh_run: tuple[Any, Path]) -> None:
    done, folder = fresh_run
    row = table(done.stdout)["checkout-availability"]
    assert row["ALERT"] == "page"
    assert not row["BUDGET LEFT"].startswith("EXHAUSTED")
    entry = budgets(folder)["orders/checkout-availability"]
    fired = [
        (p["long_window"], p["short_window"]) for p in entry["alert"]["pairs"] if p["status"] == "firing"
    ]
    assert ("1h", "5m") in fired
    assert entry["exhaustion"]["seconds"] < 86400  # gone within a day at this rate
    incident = "orders/checkout [orders/checkout-availability, orders/checkout-good-minutes]"
    assert f"hook restart-checkout would run for {incident} (page)" in done.stdout  # one action, both SLOs


def test_healthy(fresh_run: tuple[Any, Path]) -> None:
    done, folder = fresh_run
    row = table(done.stdout)["catalog-availability"]
    assert row["ALERT"] == "ok" and row["SLA"] == "met"
    assert budgets(folder)["storefront/catalog-availability"]["budget"]["remaining_ratio"] > 0.5


def test_latency_only(fresh_run: tuple[Any, Path]) -> None:
    done, _ = fresh_run
    rows = table(done.stdout)
    assert rows["search-availability"]["ALERT"] == "ok"
    assert rows["search-latency"]["BUDGET LEFT"].startswith("EXHAUSTED")
    assert rows["search-latency"]["ALERT"] in {"ticket", "page"}


def test_summary_tells_how_soon_and_why_the_two_figures_differ(fresh_run: tuple[Any, Path]) -> None:
    done, _ = fresh_run
    rows = table(done.stdout)
    checkout = rows["checkout-availability"]
    assert checkout["EXHAUSTS IN"] == "2h45m"
    assert checkout["FORECAST"] == "p50 53%, 0% exhausted by 11-12"
    assert "Why exhausts in and the forecast can disagree: exhausts in spends" in done.stdout
    assert rows["payments-availability"]["EXHAUSTS IN"] == "now"
    assert rows["payments-availability"]["FORECAST"].endswith("100% exhausted by 11-12")
    assert rows["catalog-availability"]["EXHAUSTS IN"] == "not burning"
    assert rows["recommendations-availability"]["EXHAUSTS IN"] == "no data"


def test_summary_names_latency_thresholds_and_p99(fresh_run: tuple[Any, Path]) -> None:
    done, _ = fresh_run
    assert (
        "storefront/search-latency: good when latency <= 0.4s; p99 481ms over the 30d window, "
        "473ms over the last 1h" in done.stdout
    )
    assert "storefront/search-availability: good when" not in done.stdout  # availability SLIs have none


def test_gap_is_no_data(fresh_run: tuple[Any, Path]) -> None:
    done, folder = fresh_run
    row = table(done.stdout)["recommendations-availability"]
    assert row["ALERT"] == "no_data"
    assert row["BURN (1h)"] == "no data"
    assert row["SLI"].endswith("*")  # the window has gaps, noted under the table
    assert "* storefront/recommendations-availability: data in" in done.stdout
    entry = budgets(folder)["storefront/recommendations-availability"]
    assert entry["current_burn_rate"] is None
    assert entry["hours_with_data"] < entry["hours"]


def test_skipped_records_are_reported(fresh_run: tuple[Any, Path]) -> None:
    done, _ = fresh_run
    assert "2 skipped (NaN latency: 1, malformed record: 1)" in done.stdout
    assert "storefront.csv.gz:1001: malformed record" in done.stdout


def test_generator_is_deterministic(tmp_path: Path, repo: Path) -> None:
    rng_a, rng_b = np.random.default_rng(bundled.SEED), np.random.default_rng(bundled.SEED)
    a, b = bundled.orders(rng_a), bundled.orders(rng_b)
    assert np.array_equal(a["checkout"].timestamp, b["checkout"].timestamp)
    bundled.main(tmp_path)
    for name in ("storefront.csv.gz", "orders.jsonl.gz"):
        assert (tmp_path / name).read_bytes() == (repo / "config" / "telemetry" / name).read_bytes()


def test_the_deeper_slos_of_the_example(fresh_run: tuple[Any, Path]) -> None:
    done, folder = fresh_run
    rows = table(done.stdout)
    assert rows["order-journey"]["ALERT"] == "page"  # a composite pages when checkout does
    assert rows["checkout-good-minutes"]["ALERT"] == "page"
    assert rows["gateway-availability"]["ALERT"] == "ok"  # measured from OpenMetrics counters
    assert rows["gateway-latency"]["POLICY"] == "ok"
    entries = budgets(folder)
    assert (
        entries["storefront/catalog-availability-monthly"]["window_detail"]["start"] == "2026-10-31T23:00:00Z"
    )
    dependency = entries["orders/order-journey"]["attribution"]["dependency"]["shares"][0]
    assert dependency["key"] == "orders/payments-availability"
