"""Reading counters at hour points before the last hours gives the figures of reading every minute.

A real Prometheus holds 12 days of 1-minute counters (the run needs the last 5 minute by minute)
in shapes that do and do not allow it:
steady ones, a reset, series that start or end between hour points (flat there or growing), a
pause, and one that first grows late. `run` (which asks for minutes only near the end) must write
the same figures as a run that reads every minute, and only the selectors that allow it may be
read at hour points. With alert windows of whole 5-minute steps the alert timeline is replayed
from counts at step points; there a series that first grows after the step points begin is read
minute by minute over that step, since the replay judges windows by the first minute with data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support import configs
from support.real_servers import backfill, prometheus

from reliability import pipeline
from reliability.config import load_config
from reliability.config.model import PrometheusSource
from reliability.core.grid import MinuteGrid
from reliability.stages import minute_detail
from reliability.telemetry import prometheus_api
from reliability.telemetry.prometheus_hours import HourPlan
from reliability.telemetry.report import ReadReport
from reliability.timefmt import parse_rfc3339

NOW = "2026-11-05T12:17:00Z"  # not on the hour: hour points are whole UTC hours and whole hours back
END = int(parse_rfc3339(NOW).timestamp())
MINUTES = 12 * 1440
DAY = 86400
# Minutes before END at which a shape starts, ends, pauses or resets: none of them on an hour point.
LATE_START, EARLY_END, RESET_AT, PAUSE = 7 * 1440 + 171, 2 * 1440 + 95, 5 * 1440 + 43, (4 * 1440 + 20, 150)
# First growth inside the reach of the 2-day SLO's alert timeline, in the minute just after a
# 5-minute step point (10:10 UTC): a lump at the next point would move the minute data begins.
WAKES_AT = 2 * 1440 + 126
READ_BY_HOURS = {"steady", "starts-flat", "ends-flat", "wakes"}
READ_BY_MINUTES = {"reset", "starts-growing", "ends-growing", "pauses"}


def _shape(case: str, growth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(minutes before END, counter value) of one case's samples."""
    ago = np.arange(MINUTES, -1, -1)
    values = np.cumsum(growth).astype(float)
    keep = np.ones(ago.size, bool)
    if case.startswith("starts"):
        keep = ago <= LATE_START
        if case == "starts-flat":  # no growth until the next whole hour after it starts
            flat = keep & (ago > LATE_START - 40)
            values[flat] = values[np.flatnonzero(flat)[0]]
    elif case.startswith("ends"):
        keep = ago >= EARLY_END
        if case == "ends-flat":  # no growth after the last whole hour before it ends
            flat = keep & (ago <= EARLY_END + 30)
            values[flat] = values[np.flatnonzero(flat)[0]]
    elif case == "reset":
        values[ago <= RESET_AT] -= values[ago == RESET_AT + 1]
    elif case == "pauses":
        keep = (ago > PAUSE[0]) | (ago <= PAUSE[0] - PAUSE[1])
    elif case == "wakes":
        values[ago > WAKES_AT] = values[0]
    return ago[keep], values[keep]


def openmetrics() -> str:
    lines = []
    for family, rate in (("req", 60), ("err", 0.5)):
        lines.append(f"# TYPE {family} counter")
        for index, case in enumerate(sorted(READ_BY_HOURS | READ_BY_MINUTES)):
            growth = np.random.default_rng(index).poisson(rate, MINUTES + 1)
            for ago, value in zip(*_shape(case, growth), strict=True):
                lines.append(f'{family}_total{{case="{case}"}} {value:g} {END - 60 * int(ago)}')
    return "\n".join([*lines, "# EOF", ""])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    work = tmp_path_factory.mktemp("prometheus-hours")
    backfill(openmetrics(), work / "data", work)
    with prometheus(work, data_dir=work / "data") as base:
        yield base


# Whole 5-minute steps: the alert timeline then needs counts at step points only.
STEP_WINDOWS = {
    "name": "steps",
    "pairs": [
        {"severity": "page", "long": "2h", "short": "10m", "budget_share": 0.05},
        {"severity": "ticket", "long": "12h", "short": "1h", "budget_share": 0.1},
    ],
}


def write_config(folder: Path, url: str, **alerting: Any) -> Path:
    def case(name: str) -> configs.Node:
        sli = configs.availability(
            total=configs.selector("req_total", case=name),
            bad_counter=configs.selector("err_total", case=name),
        )
        return configs.component(
            name,
            configs.slo(f"{name}-day", 99, window="1d", **alerting),
            configs.slo(f"{name}-two-days", 99.5, window="2d", **alerting),
            source="prom",
            slis=[sli],
        )

    services = [configs.service("shop", *(case(name) for name in sorted(READ_BY_HOURS | READ_BY_MINUTES)))]
    sections = {"alert_windows": [STEP_WINDOWS]} if alerting else {}
    return configs.write_config(
        folder, *services, sources=[configs.prometheus_source(url, timeout="10s")], **sections
    )


def figures(out: Path) -> dict[str, Any]:
    """Every artifact's figures, without what names the run or counts the samples read."""
    found = {}
    for name in ("sli-metrics.json", "slo-targets.json", "error-budgets.json"):
        document = json.loads((out / name).read_text())
        found[name] = {k: v for k, v in document.items() if k not in ("run_id", "config_files", "inputs")}
    return found


def samples_used(out: Path) -> int:
    return int(json.loads((out / "sli-metrics.json").read_text())["inputs"][0]["used"])


@pytest.mark.real
def test_run_reads_hour_points_and_writes_the_figures_of_every_minute(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_config(tmp_path, server))
    by_hours = pipeline.run(config, pipeline.RunOptions(now=END, out_dir=tmp_path / "hours"))
    assert by_hours.telemetry is not None
    grid = by_hours.telemetry.grid
    # The alert timeline replays the last 2 days, reading back 2 more: the window's own burn rate
    # (its longest alert window, scaled to the 2-day period, is 4h48m).
    assert minute_detail.minute_detail_from(config, grid) == END - 4 * DAY
    monkeypatch.setattr(pipeline, "minute_detail_from", lambda _config, grid: grid.origin)
    pipeline.run(config, pipeline.RunOptions(now=END, out_dir=tmp_path / "minutes"))
    assert figures(tmp_path / "hours") == figures(tmp_path / "minutes")
    # Eight of the 16 selectors (four cases, two counters each) were read at hour points.
    assert samples_used(tmp_path / "hours") < samples_used(tmp_path / "minutes") * 0.7


@pytest.mark.real
def test_only_counters_that_allow_it_are_read_at_hour_points(server: str, tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, server))
    [source] = config.sources
    assert isinstance(source, PrometheusSource)
    grid = MinuteGrid(END - 14 * DAY - (END % DAY), (14 * DAY + END % DAY) // 60)
    plan = prometheus_api.hour_plan(grid, END - 6 * 3600)
    assert isinstance(plan, HourPlan) and len(plan.hour_points()) == 2  # UTC hours and hours back
    client = prometheus_api.PrometheusClient(source)
    collected = prometheus_api._Collected(client, ReadReport("prom"), strict=False)
    wanted = prometheus_api._wanted(list(config.index.components_reading["prom"]))
    assert len(prometheus_api._groups(wanted)) == 2  # one query per metric, for all eight cases
    by_minutes = prometheus_api._by_hours(client, wanted, plan, collected, prometheus_api.NO_TASK)
    expected = [
        f'{metric}{{case=~"{name}"}}' for metric in ("req_total", "err_total") for name in READ_BY_MINUTES
    ]
    assert sorted(by_minutes) == sorted(expected)
    read = {(name, dict(labels)["case"]) for name, labels in collected.series}
    assert read == {(metric, name) for metric in ("req_total", "err_total") for name in READ_BY_HOURS}


@pytest.mark.real
def test_run_reads_step_points_where_only_the_alert_timeline_needs_detail(
    server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = load_config(write_config(tmp_path, server, alerting={"windows": "steps"}))
    by_steps = pipeline.run(config, pipeline.RunOptions(now=END, out_dir=tmp_path / "steps"))
    assert by_steps.telemetry is not None
    grid = by_steps.telemetry.grid
    # Minutes for the last hours only; step points from the 2-day timeline's reach (2 days back
    # from its start, as for the default windows).
    assert minute_detail.minute_detail_from(config, grid) == END - 6 * 3600
    assert minute_detail.alert_step_detail_from(config, grid) == END - 4 * DAY
    monkeypatch.setattr(pipeline, "minute_detail_from", lambda _config, grid: grid.origin)
    monkeypatch.setattr(pipeline, "alert_step_detail_from", lambda _config, grid: grid.end)
    pipeline.run(config, pipeline.RunOptions(now=END, out_dir=tmp_path / "minutes"))
    assert figures(tmp_path / "steps") == figures(tmp_path / "minutes")
    # Half the selectors, at steps over 4 of the 12 days and at hours before: about a third fewer.
    assert samples_used(tmp_path / "steps") < samples_used(tmp_path / "minutes") * 0.8


@pytest.mark.real
def test_a_series_first_growing_among_step_points_is_read_minute_by_minute_there(
    server: str, tmp_path: Path
) -> None:
    config = load_config(write_config(tmp_path, server))
    [source] = config.sources
    assert isinstance(source, PrometheusSource)
    grid = MinuteGrid(END - 14 * DAY - (END % DAY), (14 * DAY + END % DAY) // 60)
    plan = prometheus_api.hour_plan(grid, END - 6 * 3600, END - 4 * DAY)
    assert isinstance(plan, HourPlan) and len(plan.point_ranges()) == 3  # UTC hours, hours back, steps
    client = prometheus_api.PrometheusClient(source)
    collected = prometheus_api._Collected(client, ReadReport("prom"), strict=False)
    components = list(config.index.components_reading["prom"])
    wanted, counting = prometheus_api._wanted(components), prometheus_api._counting_events(components)
    by_minutes = prometheus_api._by_hours(client, wanted, plan, collected, prometheus_api.NO_TASK, counting)
    # It ends 2 minutes before a step point, which still sees its last sample: whole at step points.
    late = READ_BY_MINUTES - {"ends-growing"}
    assert sorted(by_minutes) == sorted(
        f'{metric}{{case=~"{name}"}}' for metric in ("req_total", "err_total") for name in late
    )
    read = {(name, dict(labels)["case"]) for name, labels in collected.series}
    at_points = (READ_BY_HOURS | READ_BY_MINUTES) - late
    assert read == {(metric, name) for metric in ("req_total", "err_total") for name in at_points}
    woke = END - 60 * WAKES_AT - 30  # its first growth, booked in the minute before (prometheus_api)
    stamps = collected.series["req_total", (("case", "wakes"),)][0]
    found = np.concatenate(stamps)
    assert {woke - 60, woke, woke + 60} <= set(found.tolist())  # minutes around it, not a step apart
    # and its error counter over the same minutes, though it first grows there too
    errors = np.concatenate(collected.series["err_total", (("case", "steady"),)][0])
    assert {woke - 60, woke, woke + 60} <= set(errors.tolist())
