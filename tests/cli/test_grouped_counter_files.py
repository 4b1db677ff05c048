"""Grouped SLOs over files of counters: one SLO per value of a series label, whatever the file kind
(OpenMetrics, a scrape folder, counter snapshots, OTLP metrics); a group whose series stopped is no data."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support.file_opens import counting_opens
from typer.testing import CliRunner

from reliability.cli import app

EVALUATED = int(datetime(2026, 12, 7, 12, 0, tzinfo=UTC).timestamp())
ROUTES = ("a", "b", "c")
STOPPED = "c"  # its counters end an hour before the evaluation: nothing in the SLO's 1h window
FAILING = "b"  # one request in ten fails

CONFIG = """
settings:
  evaluate_at: "2026-12-07T12:00:00Z"
  history: 2h
sources:
  - name: counters
SOURCE
services:
  - name: shop
    components:
      - name: routes
        source: counters
        group_by: [route]
        max_groups: MAX
        slis:
          - name: availability
            kind: availability
            total: {metric: requests_total}
            bad_counter: {metric: errors_total}
        slos:
          - {name: availability, sli: availability, objective: 99, window: 1h}
"""

# (time, route, requests so far, errors so far): every 5 minutes over the 2h of history.
Reading = tuple[int, str, int, int]


def _readings() -> list[Reading]:
    found = []
    for step in range(24):
        at = EVALUATED - 7200 + 300 * step
        for route in ROUTES:
            if route == STOPPED and at >= EVALUATED - 3600:
                continue
            found.append((at, route, 10 * step, step if route == FAILING else 0))
    return found


def _openmetrics(folder: Path) -> str:
    lines = []
    for at, route, requests, errors in _readings():
        lines.append(f'requests_total{{route="{route}"}} {requests} {at}')
        lines.append(f'errors_total{{route="{route}"}} {errors} {at}')
    (folder / "counters.om").write_text("\n".join([*lines, "# EOF"]) + "\n")
    return "    type: openmetrics\n    paths: [counters.om]"


def _scrapes(folder: Path) -> str:
    (folder / "scrapes").mkdir()
    for at in sorted({at for at, *_ in _readings()}):
        lines = [f"# timestamp {at}"]
        for _, route, requests, errors in (r for r in _readings() if r[0] == at):
            lines += [
                f'requests_total{{route="{route}"}} {requests}',
                f'errors_total{{route="{route}"}} {errors}',
            ]
        (folder / "scrapes" / f"{at}.prom").write_text("\n".join(lines) + "\n")
    return "    type: prometheus_scrapes\n    paths: [scrapes/*.prom]\n    scrape_time: {from: comment}"


def _snapshots(folder: Path) -> str:
    rows: dict[int, dict[str, object]] = {}
    for at, route, requests, errors in _readings():
        rows.setdefault(at, {})[route] = {"requests": requests, "errors": errors}
    text = "".join(json.dumps({"time": at, "routes": routes}) + "\n" for at, routes in rows.items())
    (folder / "status.jsonl").write_text(text)
    return (
        "    type: counter_snapshots\n    paths: [status.jsonl]\n"
        "    timestamp: {field: time, format: unix_s}\n    each: routes\n    key_label: route\n"
        "    counters: {requests_total: requests, errors_total: errors}"
    )


def _otlp_metrics(folder: Path) -> str:
    start = str((EVALUATED - 7300) * 10**9)

    def counter(name: str, points: list[tuple[int, str, int]]) -> dict[str, object]:
        data = [
            {
                "startTimeUnixNano": start,
                "timeUnixNano": str(at * 10**9),
                "asInt": str(value),
                "attributes": [{"key": "route", "value": {"stringValue": route}}],
            }
            for at, route, value in points
        ]
        return {"name": name, "sum": {"dataPoints": data, "aggregationTemporality": 2, "isMonotonic": True}}

    lines = []
    for at in sorted({at for at, *_ in _readings()}):
        now = [r for r in _readings() if r[0] == at]
        metrics = [
            counter("requests_total", [(at, route, requests) for _, route, requests, _ in now]),
            counter("errors_total", [(at, route, errors) for _, route, _, errors in now]),
        ]
        lines.append(json.dumps({"resourceMetrics": [{"scopeMetrics": [{"metrics": metrics}]}]}))
    (folder / "metrics.jsonl").write_text("\n".join(lines) + "\n")
    return "    type: otlp\n    signal: metrics\n    paths: [metrics.jsonl]"


KINDS: dict[str, Callable[[Path], str]] = {
    "openmetrics": _openmetrics,
    "scrapes": _scrapes,
    "snapshots": _snapshots,
    "otlp": _otlp_metrics,
}


def _run(folder: Path, kind: str, max_groups: int = 50) -> tuple[int, str]:
    source = KINDS[kind](folder)
    config = folder / "config.yaml"
    config.write_text(CONFIG.replace("SOURCE", source).replace("MAX", str(max_groups)))
    args = ["run", str(config), "--out", str(folder / "out"), "--no-ledger"]
    result = CliRunner().invoke(app, args)
    return result.exit_code, result.output


@pytest.mark.parametrize("kind", KINDS)
def test_one_slo_per_label_value_and_the_stopped_group_is_no_data(tmp_path: Path, kind: str) -> None:
    code, output = _run(tmp_path, kind)
    assert code == 0, output
    budgets = json.loads((tmp_path / "out" / "error-budgets.json").read_text())
    by_id = {entry["slo"]: entry for entry in budgets["slos"]}
    assert sorted(by_id) == [f"shop/availability{{route={route}}}" for route in ROUTES]
    assert (by_id["shop/availability{route=a}"]["total"], by_id["shop/availability{route=a}"]["good"]) == (
        120,
        120,
    )
    assert (by_id["shop/availability{route=b}"]["total"], by_id["shop/availability{route=b}"]["good"]) == (
        120,
        108,
    )
    stopped = by_id["shop/availability{route=c}"]
    assert (stopped["no_data"], stopped["events"], stopped["sli_ratio"]) == (True, 0, None)
    row = next(line for line in output.splitlines() if "availability{route=c}" in line)
    assert "no data" in row
    sli = json.loads((tmp_path / "out" / "sli-metrics.json").read_text())
    assert {c["component"] for c in sli["components"]} == {f"routes{{route={route}}}" for route in ROUTES}


@pytest.mark.parametrize("kind", KINDS)
def test_each_file_of_counters_is_read_once(
    tmp_path: Path, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The groups are found in the samples the run counts: no file is opened twice."""
    opens = counting_opens(monkeypatch)
    code, output = _run(tmp_path, kind)
    assert code == 0, output
    inputs = {
        p.name
        for p in tmp_path.rglob("*")
        if p.is_file() and p.name != "config.yaml" and "out" not in p.parts
    }
    assert set(opens) == inputs
    assert set(opens.values()) == {2 if kind == "scrapes" else 1}  # a scrape's time line is read first


@pytest.mark.parametrize("kind", KINDS)
def test_more_groups_than_max_groups_fail_naming_the_component(tmp_path: Path, kind: str) -> None:
    code, output = _run(tmp_path, kind, max_groups=2)
    assert code != 0
    lines = (tmp_path / "config.yaml").read_text().splitlines()
    declared = lines.index("      - name: routes") + 1
    assert f"config.yaml:{declared}: max_groups: component shop/routes" in output
    assert "more than max_groups=2 groups by route" in output


@pytest.mark.parametrize("kind", ["snapshots", "otlp"])
def test_a_pattern_over_labelled_counters_is_refused(tmp_path: Path, kind: str) -> None:
    source = KINDS[kind](tmp_path)
    config = tmp_path / "config.yaml"
    grouped = "group_by: [{label: route, column: route, pattern: '^(.)'}]"
    config.write_text(
        CONFIG.replace("SOURCE", source).replace("MAX", "50").replace("group_by: [route]", grouped)
    )
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "out"), "--no-ledger"])
    assert result.exit_code != 0
    assert "group by metric labels by name (no pattern, no label)" in result.output
