"""SLOs over several components, composites, calendar windows, time slices and the policy, end to end.

Evaluation at 2026-11-05T12:00:00Z; every event is in the last 50 minutes.
- web/a: 100 events, 10 bad (status 503)      SLI 0.90
- web/b: 100 events,  2 bad (status 500)      SLI 0.98
- pair (a + b summed):  200 events, 12 bad      SLI 0.94
- journey (all must succeed of a and b):        SLI 0.90 x 0.98 = 0.882
- weighted (a weight 3, b weight 1):            SLI (3 x 0.90 + 0.98) / 4 = 0.92
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reliability import pipeline
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.errors import ConfigError
from reliability.timefmt import parse_rfc3339, to_rfc3339

NOW = parse_rfc3339("2026-11-05T12:00:00Z").timestamp()

CONFIG = """
settings:
  policy:
    - {state: freeze, budget_remaining_below: 0}
    - {state: careful, alert: [ticket, page]}
sources:
  - name: log
    type: events
    paths: [events.csv]
    columns:
      timestamp: {column: ts, format: unix_s}
      component: comp
      status: status
services:
  - name: web
    components:
      - name: a
        source: log
        slis: [{name: availability, kind: availability}]
        slos:
          - name: a-month
            sli: availability
            objective: 80
            window: {calendar: month, time_zone: Europe/Berlin}
          - name: a-slices
            sli: availability
            objective: 50
            window: 1d
            budgeting: {method: timeslices, slice: 10m, target: 90}
          - name: a-quiet
            sli: availability
            objective: 99
            alerting: {min_events: 1000}
      - name: b
        source: log
        slis: [{name: availability, kind: availability}]
        slos:
          - {name: b-availability, sli: availability, objective: 90}
    slos:
      - {name: pair, components: [a, b], sli: availability, objective: 90}
      - name: journey
        objective: 85
        composite: {method: all_must_succeed, of: [{slo: web/a-month}, {slo: web/b-availability}]}
      - name: weighted
        objective: 85
        composite: {method: weighted, of: [{slo: web/a-month, weight: 3}, {slo: web/b-availability}]}
"""


def rows() -> list[str]:
    lines = ["ts,comp,status"]
    for component, bad, code in (("a", 10, 503), ("b", 2, 500)):
        for i in range(100):
            # one event every 30 s over the last 50 minutes; the bad ones are the newest
            status = code if i < bad else 200
            lines.append(f"{int(NOW) - 1 - i * 30},{component},{status}")
    return lines


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> pipeline.RunResult:
    folder = tmp_path_factory.mktemp("depth")
    (folder / "config.yaml").write_text(CONFIG)
    (folder / "events.csv").write_text("\n".join(rows()) + "\n")
    config = load_config(folder / "config.yaml")
    return pipeline.run(config, pipeline.RunOptions(now=NOW, out_dir=folder / "out"))


def budget(result: pipeline.RunResult, slo: str) -> dict[str, Any]:
    return next(s for s in result.as_json()[Stage.BUDGETS]["slos"] if s["slo"] == f"web/{slo}")


def test_slo_over_two_components_sums_their_counts(result: pipeline.RunResult) -> None:
    entry = budget(result, "pair")
    assert (entry["good"], entry["total"]) == (188, 200)
    shares = {s["key"]: s["share"] for s in entry["attribution"]["component"]["shares"]}
    assert shares == pytest.approx({"a": 10 / 12, "b": 2 / 12})
    statuses = {s["key"]: s["bad"] for s in entry["attribution"]["status"]["shares"]}
    assert statuses == {"503": 10, "500": 2}


def test_composites(result: pipeline.RunResult) -> None:
    assert budget(result, "journey")["sli_ratio"] == pytest.approx(0.90 * 0.98)
    assert budget(result, "weighted")["sli_ratio"] == pytest.approx((3 * 0.90 + 0.98) / 4)
    dependency = budget(result, "journey")["attribution"]["dependency"]["shares"]
    # all must succeed: each part's error ratio, normalised: 0.10 / 0.12 and 0.02 / 0.12
    assert {s["key"]: s["share"] for s in dependency} == pytest.approx(
        {"web/a-month": 0.10 / 0.12, "web/b-availability": 0.02 / 0.12}
    )
    graph = next(s for s in result.as_json()[Stage.SLI]["slos"] if s["slo"] == "web/journey")["composite"]
    assert graph["method"] == "all_must_succeed"
    assert [d["slo"] for d in graph["depends_on"]] == ["web/a-month", "web/b-availability"]


def test_calendar_month_in_berlin(result: pipeline.RunResult) -> None:
    entry = budget(result, "a-month")
    detail = entry["window_detail"]
    assert detail["start"] == "2026-10-31T23:00:00Z"  # November 1st, 00:00 CET
    assert detail["period_end"] == "2026-11-30T23:00:00Z"
    assert entry["window_seconds"] == 30 * 86400
    # budget minutes are for the whole month: 30 d x 20 % = 8640 min; consumed over 4.5 days elapsed
    assert entry["budget"]["allowed_minutes"] == pytest.approx(30 * 1440 * 0.2)
    elapsed_minutes = (NOW - parse_rfc3339("2026-10-31T23:00:00Z").timestamp()) / 60
    assert entry["budget"]["consumed_minutes"] == pytest.approx(elapsed_minutes * 0.10)
    assert entry["forecast"]["available"] is False  # no complete day of history to draw from
    assert to_rfc3339(NOW) < detail["period_end"]


def test_timeslices(result: pipeline.RunResult) -> None:
    # 10-minute slices back from 12:00: the last 50 minutes hold 5 slices of 20 events each;
    # a's 10 bad events are the newest, so slice 11:50-12:00 has 10 bad of 20 (0.5) -> bad;
    # the other 4 slices are all good; the rest of the day has no data (excluded, counted).
    entry = budget(result, "a-slices")
    assert (entry["good"], entry["total"]) == (4, 5)
    assert entry["budgeting"]["method"] == "timeslices"
    measured = next(s for s in result.as_json()[Stage.SLI]["slos"] if s["slo"] == "web/a-slices")
    day = next(m for m in measured["measurements"] if m["window"] == "1d")
    assert day["slices_without_data"] == 144 - 5
    assert day["events"] == 100


def test_minimum_events_stops_a_page(result: pipeline.RunResult) -> None:
    quiet = budget(result, "a-quiet")
    # 5m: 10 events, all bad -> burn 100, but 1h: 10 bad of 100 -> burn 10 < 14.4, so 1h/5m stays quiet.
    # 6h/30m: burn 10 over 6 h and 10/60 / 0.01 = 16.7 over 30 m, both > 6: it fires, but every window
    # has fewer than 1000 events, so it raises a ticket, not a page.
    assert quiet["alert"]["state"] == "ticket"
    assert all(p["low_confidence"] for p in quiet["alert"]["pairs"] if p["status"] == "firing")


def test_policy_from_settings(result: pipeline.RunResult) -> None:
    quiet = budget(result, "a-quiet")
    assert quiet["policy"]["state"] == "freeze"  # 10 bad of 100 against 1 % allowed: spent
    assert quiet["policy"]["rule"] == 0
    # the ticket alone would make it "careful" (rule 1), but rule 0 comes first
    pair = budget(result, "pair")  # 12 bad of 200 = 6 % against 10 %: 40 % left; burn 6 over 5 m only
    assert pair["alert"]["state"] == "ok"
    assert pair["policy"] == {"state": "ok", "rule": None, "reason": "no rule matched"}


@pytest.mark.parametrize(
    ("old", "new", "says"),
    [
        ("time_zone: Europe/Berlin", "time_zone: Mars/Olympus", "unknown time zone 'Mars/Olympus'"),
        ("{slo: web/b-availability}]}\n  ", "{slo: web/nope}]}\n  ", "unknown SLO 'web/nope'"),
        ("slice: 10m, target: 90", "slice: 10m", "timeslices needs a `target`"),
        ("min_events: 1000", "min_events: 1000, windows: fancy", "unknown alert window set 'fancy'"),
        ("components: [a, b]", "components: [a, c]", "unknown component 'c'"),
    ],
)
def test_new_settings_are_validated(tmp_path: Path, old: str, new: str, says: str) -> None:
    assert old in CONFIG
    (tmp_path / "config.yaml").write_text(CONFIG.replace(old, new, 1))
    (tmp_path / "events.csv").write_text("ts,comp,status\n")
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "config.yaml")
    assert any(says in str(p) for p in caught.value.problems), caught.value.problems
