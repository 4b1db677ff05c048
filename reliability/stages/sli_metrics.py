"""Stage 1: SLIs per component and window, per day, and latency percentiles."""

from __future__ import annotations

from typing import Any

import numpy as np

from reliability.config.model import Config, SliKind, Slo
from reliability.conventions import HISTORY_WINDOW, RECENT_WINDOWS
from reliability.core.accumulate import ComponentSeries
from reliability.core.counts import Count, MinuteSeries
from reliability.core.grid import DAY, MINUTE, MinuteGrid
from reliability.core.histogram import Histogram, quantiles
from reliability.core.percentiles import PERCENTILE_KEYS, PERCENTILES, LatencySummary, summarize
from reliability.durations import format_duration, parse_duration
from reliability.stages import slo_measurements
from reliability.telemetry.ingest import Telemetry
from reliability.telemetry.report import ReadReport
from reliability.timefmt import to_rfc3339

# Latency analytics (worst hours, share of slow requests) look back this far.
LATENCY_ANALYSIS_SECONDS = 30 * 86400
TOP_WORST_HOURS = 5


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
    return (
        {"count": summary.count}
        | dict(zip(PERCENTILE_KEYS, summary.values, strict=True))
        | {"no_data": summary.count == 0, "estimated": False}
    )


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _estimated_fields(cumulative: np.ndarray, bounds: np.ndarray) -> dict[str, Any]:
    """Percentiles estimated from histogram buckets, each with the bucket it lies in (null: +Inf)."""
    histogram = Histogram(bounds, cumulative)
    total = round(histogram.total)
    if total == 0:
        return _latency_fields(summarize(np.zeros(0))) | {"estimated": True, "bounds_seconds": {}}
    estimates = quantiles(histogram, tuple(p / 100 for p in PERCENTILES))
    return (
        {"count": total}
        | {key: _finite(e.estimate) for key, e in zip(PERCENTILE_KEYS, estimates, strict=True)}
        | {"no_data": False, "estimated": True}
        | {
            "bounds_seconds": {
                key: [_finite(e.lower_bound), _finite(e.upper_bound)]
                for key, e in zip(PERCENTILE_KEYS, estimates, strict=True)
            }
        }
    )


def _slos_on(config: Config, series: ComponentSeries) -> list[Slo]:
    return list(config.index.slos_on.get(series.component.id, ()))


def windows_for(config: Config, series: ComponentSeries, grid: MinuteGrid) -> list[tuple[str, int]]:
    """(name, seconds): the alert windows, each rolling SLO window on this component, and all history."""
    windows = {(n, int(parse_duration(n))) for n in RECENT_WINDOWS}
    for slo in _slos_on(config, series):
        for pair in config.alert_window_sets[slo.alert_windows]:
            windows |= {(pair.long, pair.long_seconds), (pair.short, pair.short_seconds)}
        if slo.window.rolling_seconds is not None:
            windows.add((slo.window.name, slo.window.rolling_seconds))
    return [*sorted(windows, key=lambda w: w[1]), (HISTORY_WINDOW, grid.minutes * MINUTE)]


def _worst_hours(series: ComponentSeries, grid: MinuteGrid) -> list[dict[str, Any]]:
    """The hours with the highest p99 latency (nearest rank) within the last LATENCY_ANALYSIS_SECONDS.

    One sort by (hour, latency) serves every hour: the p99 of an hour of n events is its
    ceil(0.99 n)-th smallest latency.
    """
    samples = series.latency
    first = grid.first_minute(LATENCY_ANALYSIS_SECONDS)
    keep = samples.minute >= first
    hour, seconds = samples.minute[keep] // 60, samples.seconds[keep]
    if not hour.size:
        return []
    order = np.lexsort((seconds, hour))
    hours, starts, counts = np.unique(hour[order], return_index=True, return_counts=True)
    p99 = seconds[order][starts + np.ceil(0.99 * counts).astype(np.int64) - 1]
    worst = np.lexsort((hours, -p99))[:TOP_WORST_HOURS]
    return [
        {
            "hour": to_rfc3339(grid.origin + int(hours[i]) * 3600),
            "count": int(counts[i]),
            "p99_seconds": float(p99[i]),
        }
        for i in worst
    ]


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
    samples, histogram = series.latency, series.latency_histogram

    def fields(first_minute: int, end_minute: int) -> dict[str, Any]:
        if histogram is not None:
            return _estimated_fields(histogram.between(first_minute, end_minute), histogram.bounds)
        return _latency_fields(summarize(samples.between(first_minute, end_minute)))

    windows = [
        _window_entry(grid, name, seconds) | fields(grid.first_minute(seconds), grid.minutes)
        for name, seconds in windows_for(config, series, grid)
    ]
    per_day = DAY // MINUTE
    daily = [
        {"date": to_rfc3339(grid.day_start(day))[:10]} | fields(day * per_day, (day + 1) * per_day)
        for day in range(grid.days)
    ]
    slow = [
        {"sli": s.name, "threshold_seconds": s.threshold_seconds, "slow_share": c.error_ratio}
        for s in series.component.slis
        if s.kind is SliKind.LATENCY
        for c in [series.slis[s.name].window(grid, LATENCY_ANALYSIS_SECONDS)]
    ]
    return {
        "definition": "nearest rank over raw events"
        if histogram is None
        else "estimated from histogram buckets: linear within the bucket, as histogram_quantile",
        "windows": windows,
        "daily": daily,
        "analysis_window": format_duration(LATENCY_ANALYSIS_SECONDS),
        "worst_hours": _worst_hours(series, grid),
        "slow_share": slow,
    }


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
        "unavailable": report.unavailable,
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
        "slos": slo_measurements.build(config, grid, telemetry.series),
    }
