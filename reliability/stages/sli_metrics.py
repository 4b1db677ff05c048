"""Stage 1: SLIs per component and window, per day, and latency percentiles."""

from __future__ import annotations

from typing import Any

from reliability.config.model import Config
from reliability.conventions import HISTORY_WINDOW, RECENT_WINDOWS
from reliability.core.accumulate import ComponentSeries
from reliability.core.counts import Count, MinuteSeries
from reliability.core.grid import DAY, MINUTE, MinuteGrid
from reliability.core.percentiles import LatencySummary, summarize
from reliability.durations import format_duration, parse_duration
from reliability.telemetry.ingest import Telemetry
from reliability.telemetry.report import ReadReport
from reliability.timefmt import to_rfc3339


def count_fields(count: Count) -> dict[str, Any]:
    return {
        "good": count.good,
        "total": count.total,
        "bad": count.bad,
        "ratio": count.ratio,
        "error_ratio": count.error_ratio,
        "no_data": count.no_data,
    }


def _latency_fields(summary: LatencySummary) -> dict[str, Any]:
    return {
        "count": summary.count,
        "p50_seconds": summary.p50,
        "p95_seconds": summary.p95,
        "p99_seconds": summary.p99,
        "no_data": summary.count == 0,
    }


def windows_for(config: Config, series: ComponentSeries, grid: MinuteGrid) -> list[tuple[str, int]]:
    """(name, seconds): the recent windows, each SLO window on this component, and all history."""
    names = list(RECENT_WINDOWS)
    comp = series.component
    for slo in config.slos:
        if slo.service == comp.service and slo.component == comp.name:
            names.append(format_duration(slo.window_seconds))
    windows = sorted({(n, int(parse_duration(n))) for n in names}, key=lambda w: w[1])
    return [*windows, (HISTORY_WINDOW, grid.minutes * MINUTE)]


def _window_entry(grid: MinuteGrid, name: str, seconds: int) -> dict[str, Any]:
    return {
        "window": name,
        "seconds": seconds,
        "start": to_rfc3339(max(grid.end - seconds, grid.origin)),
        "end": to_rfc3339(grid.end),
        "complete": grid.covers(seconds),
    }


def _sli_entry(
    config: Config, series: ComponentSeries, name: str, minutes: MinuteSeries, grid: MinuteGrid
) -> dict[str, Any]:
    sli = next(s for s in series.component.slis if s.name == name)
    windows = []
    for window, seconds in windows_for(config, series, grid):
        with_data, hours = minutes.hours_with_data(grid, seconds)
        entry = _window_entry(grid, window, seconds) | count_fields(minutes.window(grid, seconds))
        entry["hours_with_data"], entry["hours"] = with_data, hours
        windows.append(entry)
    good, total = minutes.daily(grid)
    daily = [
        {"date": to_rfc3339(grid.day_start(day))[:10], "complete": grid.day_start(day) + DAY <= grid.end}
        | count_fields(Count(int(good[day]), int(total[day])))
        for day in range(grid.days)
    ]
    return {
        "name": sli.name,
        "kind": str(sli.kind),
        "good_when": sli.describe(),
        "windows": windows,
        "daily": daily,
    }


def _latency(config: Config, series: ComponentSeries, grid: MinuteGrid) -> dict[str, Any]:
    samples = series.latency
    windows = [
        _window_entry(grid, name, seconds)
        | _latency_fields(summarize(samples.between(grid.first_minute(seconds), grid.minutes)))
        for name, seconds in windows_for(config, series, grid)
    ]
    per_day = DAY // MINUTE
    daily = [
        {"date": to_rfc3339(grid.day_start(day))[:10]}
        | _latency_fields(summarize(samples.between(day * per_day, (day + 1) * per_day)))
        for day in range(grid.days)
    ]
    return {"definition": "nearest rank over raw events", "windows": windows, "daily": daily}


def _input_entry(report: ReadReport) -> dict[str, Any]:
    return {
        "source": report.source,
        "files": [{"path": path, "records": records} for path, records in report.files.items()],
        "records": report.records,
        "used": report.used,
        "skipped": dict(sorted(report.skipped.items())),
        "skipped_total": report.skipped_total,
        "skipped_examples": [vars(e) for e in report.examples],
        "filtered_out": report.filtered_out,
        "before_history": report.before_history,
        "after_evaluation_time": report.after_now,
        "out_of_order": report.out_of_order,
    }


def build(config: Config, telemetry: Telemetry) -> dict[str, Any]:
    grid = telemetry.grid
    components = []
    for series in telemetry.series:
        comp = series.component
        components.append(
            {
                "id": comp.id,
                "service": comp.service,
                "component": comp.name,
                "source": comp.source,
                "slis": [
                    _sli_entry(config, series, name, minutes, grid) for name, minutes in series.slis.items()
                ],
                "latency": _latency(config, series, grid),
            }
        )
    return {
        "history": {"start": to_rfc3339(grid.origin), "end": to_rfc3339(grid.end)},
        "inputs": [_input_entry(r) for r in telemetry.reports],
        "components": components,
    }
