"""Each stage on a small hand-made data set whose numbers can be checked with a pencil.

Evaluation at 2026-11-05T12:00:00Z. Component web/api, SLO 99 % over 1 day:
- last 5 minutes:        10 events, 2 bad   (burn 0.2 / 0.01 = 20)
- 5 minutes to 1 hour:   90 events, 8 bad   (1 h: 100 events, 10 bad, burn 10)
- 2 to 20 hours ago:    100 events, all good
- 1 day window:         200 events, 10 bad  -> SLI 0.95, allowed 0.01 x 200 = 2, consumed 10
- 30 to 31 hours ago:    50 events, all good: older than the 1-day window, so only history sees them
  (history: 250 events, 10 bad)
Component web/idle has no events at all.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest
from support.configs import (
    availability,
    component,
    events_source,
    hook,
    latency,
    service,
    sla,
    slo,
    write_config,
)

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.core.latency_buckets import MAX_RELATIVE_ERROR
from reliability.timefmt import parse_rfc3339, to_rfc3339

NOW = parse_rfc3339("2026-11-05T12:00:00Z").timestamp()

WEB = service(
    "web",
    component(
        "api",
        slo("api-availability", 99, window="1d"),
        slo("api-perfect", 100, window="1d"),
        slo("api-latency", "auto", "latency", window="1d"),
        slo("api-slow-alerts", 99, window="1d", alerting={"windows": "slow-only"}),
        slis=(availability(), latency("250ms")),
    ),
    component("idle", slo("idle-availability", 99.9)),
    slas=[sla("api-contract", "api", 99, (99, 10), (96, 25))],
)
SLOW_ONLY = {
    "name": "slow-only",
    "pairs": [{"severity": "ticket", "long": "6h", "short": "30m", "budget_share": 0.05}],
}
ON_PAGE = hook(
    "on-page",
    command=["python3", "-c", "import sys; sys.stdin.read()"],
    min_confidence=0,  # few events in this hand-made data: record the action anyway
)


def write_case(folder: Path) -> Path:
    (folder / "events.csv").write_text("\n".join(rows()) + "\n")
    return write_config(
        folder,
        WEB,
        settings={"evaluate_at": "2026-11-05T12:00:00Z"},
        alert_windows=[SLOW_ONLY],
        sources=[events_source(latency="ms")],
        hooks=[ON_PAGE],
    )


def rows() -> list[str]:
    lines = ["ts,comp,status,ms"]

    def add(count: int, bad: int, newest_age: float, oldest_age: float) -> None:
        step = (oldest_age - newest_age) / count
        for i in range(count):
            status = 500 if i < bad else 200
            ms = 400 if i % 10 == 0 else 100  # every tenth request is slow
            lines.append(f"{to_rfc3339(NOW - newest_age - i * step)},api,{status},{ms}")

    add(10, 2, 1, 290)  # last 5 minutes
    add(90, 8, 310, 3500)  # between 5 minutes and 1 hour
    add(100, 0, 2 * 3600, 20 * 3600)  # 2 to 20 hours ago
    add(50, 0, 30 * 3600, 31 * 3600)  # outside the 1-day window
    return lines


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunResult:
    folder = tmp_path_factory.mktemp("stages")
    config = load_config(write_case(folder))
    return pipeline.run(config, pipeline.RunOptions(now=NOW, out_dir=folder / "out"))


def find(items: list[dict[str, Any]], key: str, value: str) -> dict[str, Any]:
    return next(i for i in items if i[key] == value)


def window(result: pipeline.RunResult, comp: str, sli: str, name: str) -> dict[str, Any]:
    component = find(result.as_json()[Stage.SLI]["components"], "component", comp)
    return find(find(component["slis"], "name", sli)["windows"], "window", name)


def budget(result: pipeline.RunResult, slo: str) -> dict[str, Any]:
    return find(result.as_json()[Stage.BUDGETS]["slos"], "slo", slo)


def test_sli_windows(result: pipeline.RunResult) -> None:
    five = window(result, "api", "availability", "5m")
    assert (five["good"], five["total"], five["error_ratio"]) == (8, 10, 0.2)
    hour = window(result, "api", "availability", "1h")
    assert (hour["good"], hour["total"]) == (90, 100)
    day = window(result, "api", "availability", "1d")
    assert (day["good"], day["total"], day["ratio"]) == (190, 200, 0.95)
    history = window(result, "api", "availability", "history")
    assert (history["good"], history["total"]) == (240, 250)
    # latency: 20 of 200 requests took 400 ms > 250 ms
    assert window(result, "api", "latency", "1d")["ratio"] == 0.9


def test_latency_percentiles(result: pipeline.RunResult) -> None:
    component = find(result.as_json()[Stage.SLI]["components"], "component", "api")
    day = find(component["latency"]["windows"], "window", "1d")
    # 180 requests at 100 ms and 20 at 400 ms: p50 and p90 are 100 ms, p95 and p99 are 400 ms, each
    # read as the midpoint of its log-linear bucket
    near = partial(pytest.approx, rel=MAX_RELATIVE_ERROR)
    assert (day["count"], day["p50_seconds"], day["p95_seconds"], day["p99_seconds"]) == (
        200,
        near(0.1),
        near(0.4),
        near(0.4),
    )
    assert (
        day["estimated"]
        and day["bounds_seconds"]["p50_seconds"][0] <= 0.1 <= day["bounds_seconds"]["p50_seconds"][1]
    )


def test_no_traffic_is_no_data(result: pipeline.RunResult) -> None:
    idle = window(result, "idle", "availability", "30d")
    assert idle["no_data"] and idle["ratio"] is None and idle["total"] == 0
    entry = budget(result, "web/idle-availability")
    assert entry["no_data"]
    assert entry["budget"]["remaining_ratio"] is None
    assert entry["alert"]["state"] == "no_data"


def test_budget_numbers(result: pipeline.RunResult) -> None:
    entry = budget(result, "web/api-availability")
    assert entry["sli_ratio"] == 0.95
    b = entry["budget"]
    assert b["allowed_events"] == pytest.approx(2.0)  # 0.01 x 200
    assert b["consumed_events"] == 10
    assert b["consumed_ratio"] == pytest.approx(5.0)  # 10 / 2
    assert b["remaining_ratio"] == pytest.approx(-4.0)
    assert b["allowed_minutes"] == pytest.approx(14.4)  # 1440 x 0.01
    assert b["consumed_minutes"] == pytest.approx(72.0)  # 1440 x 0.05
    assert b["exhausted"]
    rates = {r["window"]: r["burn_rate"] for r in entry["burn_rates"]}
    assert rates["1h"] == pytest.approx(10.0)  # 0.1 / 0.01
    assert rates["1d"] == pytest.approx(5.0)
    assert entry["exhaustion"]["seconds"] == 0.0


def test_alert_pairs_scaled_to_a_one_day_window(result: pipeline.RunResult) -> None:
    alert = budget(result, "web/api-availability")["alert"]
    assert alert["state"] == "page"
    # The Workbook's windows x 1 d / 30 d in whole minutes (a short window at least 1 minute); the
    # budget shares stay, so the factors stay 14.4, 6, 3 and 1.
    pairs = [(p["long_window"], p["short_window"], p["factor"]) for p in alert["pairs"]]
    assert pairs == [
        ("2m", "1m", pytest.approx(14.4)),
        ("12m", "1m", pytest.approx(6.0)),
        ("48m", "4m", pytest.approx(3.0)),
        ("2h24m", "12m", pytest.approx(1.0)),
    ]
    assert alert["pairs"][0]["status"] == "firing"
    assert alert["window_set"] == "sre-workbook-1d"


def test_current_burn_is_over_1h_without_a_1h_alert_window(result: pipeline.RunResult) -> None:
    entry = budget(result, "web/api-slow-alerts")
    # No pair of `slow-only` uses 1h; the current burn is still 1h's: 0.1 / 0.01 = 10.
    assert entry["current_burn_window"] == "1h"
    assert entry["current_burn_rate"] == pytest.approx(10.0)
    assert entry["current_burn_rate"] == budget(result, "web/api-availability")["current_burn_rate"]
    rates = {r["window"]: r["burn_rate"] for r in entry["burn_rates"]}
    assert list(rates) == ["30m", "1h", "6h", "1d"]  # exported as the 1h burn rate the dashboards read
    assert rates["1h"] == entry["current_burn_rate"]
    assert "1h burn rate" in entry["exhaustion"]["basis"]
    assert [(p["long_window"], p["short_window"]) for p in entry["alert"]["pairs"]] == [("6h", "30m")]


def test_objective_100_percent(result: pipeline.RunResult) -> None:
    entry = budget(result, "web/api-perfect")
    assert entry["budget"]["allowed_events"] == 0
    assert entry["budget"]["consumed_ratio"] is None
    assert entry["budget"]["exhausted"]
    assert entry["current_burn_rate"] is None
    assert entry["alert"]["state"] == "page"  # any error is an unbounded burn


def test_targets(result: pipeline.RunResult) -> None:
    targets = {t["slo"]: t for t in result.as_json()[Stage.TARGETS]["slos"]}
    declared = targets["web/api-availability"]
    # history error ratio 10/250 = 0.04 > 0.01: not achievable. 90 % allows 0.1 x 0.75 = 0.075 >= 0.04
    # (met); 95 % allows 0.05 x 0.75 = 0.0375 < 0.04 (not met), so 90 % is proposed.
    assert declared["verdict"] == "not_achievable"
    assert declared["proposed_percent"] == 90.0
    assert declared["budget"]["events"] == pytest.approx(2.0)
    auto = targets["web/api-latency"]
    # latency error ratio 25/250 = 0.1: 90 % allows 0.1 x 0.75 = 0.075 -> no step met with margin,
    # so the lowest step is used; history used exactly all of its budget: "tight".
    assert auto["objective_source"] == "auto"
    assert auto["objective_percent"] == 90.0
    assert auto["verdict"] == "tight"
    assert "not even the lowest step 90.0%" in auto["rationale"]
    assert targets["web/idle-availability"]["verdict"] == "no_data"


def test_sla(result: pipeline.RunResult) -> None:
    sla = result.as_json()[Stage.SLA]["slas"][0]
    current, previous = sla["periods"]
    assert current["month"] == "2026-11" and not current["complete"]
    assert current["attained_percent"] == pytest.approx(96.0)  # 240 / 250, all in November
    assert current["breached"] and current["credit_percent"] == 10  # below 99, not below 96
    assert sla["status"] == "breached"
    assert previous["month"] == "2026-10" and previous["complete"] and previous["no_data"]
    assert not previous["breached"]


def test_hooks_are_recorded_not_run_by_default(result: pipeline.RunResult) -> None:
    actions = result.as_json()[Stage.SLA]["actions"]
    page_actions = [a for a in actions if a["trigger"] == "page"]
    # latency burns about 1x (1 slow in 10 against a 0.1 budget): below the page pairs' 14.4 and 6, so
    # with windows scaled to its 1-day period it does not page; the two SLOs that do are one incident
    [incident] = page_actions
    assert incident["subject"] == "web/api"
    assert [s["slo"] for s in incident["event"]["slos"]] == ["web/api-availability", "web/api-perfect"]
    assert all(a["status"] == "dry_run" for a in actions)
    assert page_actions[0]["event"]["details"]["alert_state"] == "page"


def test_until_stops_early(tmp_path: Path) -> None:
    config = load_config(write_case(tmp_path))
    out = tmp_path / "out"
    done = pipeline.run(config, pipeline.RunOptions(now=NOW, out_dir=out, until=Stage.TARGETS))
    assert set(done.artifacts) == {Stage.SLI, Stage.TARGETS}
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "sli-metrics.json", "slo-targets.json"]
