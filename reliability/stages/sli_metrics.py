"""Stage 1: SLIs per component and window, per day, and latency percentiles."""

from __future__ import annotations

import math
from datetime import date

import numpy as np

from reliability.artifacts.figures import CountFigures
from reliability.artifacts.header import Header
from reliability.artifacts.sli_metrics import (
    ComponentSlis,
    History,
    InputFile,
    InputReport,
    Latency,
    LatencyDay,
    LatencyFigures,
    LatencyWindow,
    SkippedRecord,
    Sli,
    SliDay,
    SliMetrics,
    SliWindow,
    SlowShare,
    WorstHour,
)
from reliability.config.model import Config, SliKind
from reliability.core import read_windows
from reliability.core.accumulate import ComponentSeries
from reliability.core.counts import Count, MinuteSeries
from reliability.core.grid import DAY, MINUTE, MinuteGrid
from reliability.core.histogram import Histogram, quantiles
from reliability.core.latency_buckets import (
    MAX_ABSOLUTE_ERROR_SECONDS,
    MAX_RELATIVE_ERROR,
    SUB_BUCKETS,
    bucket_midpoint_seconds,
)
from reliability.core.latency_sketch import LatencySketch, RowPercentiles, percentiles_by_row
from reliability.core.percentiles import (
    PERCENTILE_KEYS,
    PERCENTILES,
    LatencySummary,
    nearest_rank_index,
    summarize,
)
from reliability.durations import format_duration
from reliability.stages import slo_measurements
from reliability.telemetry.ingest import Telemetry
from reliability.telemetry.report import ReadReport
from reliability.timefmt import moment

# Latency analytics (worst hours, share of slow requests) look back this far.
LATENCY_ANALYSIS_SECONDS = 30 * 86400
TOP_WORST_HOURS = 5
EXACT_DEFINITION = "nearest rank over raw events"  # what a source without latencies reports
NO_LATENCIES = np.zeros(0)
SKETCH_DEFINITION = (
    f"nearest rank over log-linear buckets of every event's latency ({SUB_BUCKETS} per power of two),"
    " reported as the bucket's midpoint: estimates within"
    f" {math.ceil(MAX_RELATIVE_ERROR * 1e4) / 100:g} % or {MAX_ABSOLUTE_ERROR_SECONDS * 1e6:g} us"
    " of the exact nearest rank"
)
HISTOGRAM_DEFINITION = "estimated from histogram buckets: linear within the bucket, as histogram_quantile"


def count_figures(count: Count) -> CountFigures:
    return CountFigures(count.good, count.total, count.bad, count.ratio, count.error_ratio, count.no_data)


def _latency_figures(
    count: int,
    values: tuple[float | None, ...],
    *,
    estimated: bool,
    bounds: dict[str, tuple[float | None, float | None]] | None = None,
) -> LatencyFigures:
    p50, p90, p95, p99, p99_9 = values  # in the order of PERCENTILE_KEYS
    return LatencyFigures(count, p50, p90, p95, p99, p99_9, count == 0, estimated, bounds)


def _measured_latency(summary: LatencySummary) -> LatencyFigures:
    return _latency_figures(summary.count, tuple(summary.values), estimated=False)


def _finite(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def _estimated_figures(cumulative: np.ndarray, bounds: np.ndarray) -> LatencyFigures:
    """Percentiles estimated from histogram buckets, each with the bucket it lies in (null: +Inf)."""
    histogram = Histogram(bounds, cumulative)
    total = round(histogram.total)
    if total == 0:
        empty = summarize(np.zeros(0))
        return _latency_figures(empty.count, tuple(empty.values), estimated=True, bounds={})
    estimates = quantiles(histogram, tuple(p / 100 for p in PERCENTILES))
    return _latency_figures(
        total,
        tuple(_finite(e.estimate) for e in estimates),
        estimated=True,
        bounds={
            key: (_finite(e.lower_bound), _finite(e.upper_bound))
            for key, e in zip(PERCENTILE_KEYS, estimates, strict=True)
        },
    )


def _sketch_figures(sketch: LatencySketch, first_minute: int, end_minute: int) -> LatencyFigures:
    """Percentiles of the window's buckets: each bucket's midpoint, with its smallest and largest value."""
    counts = sketch.between(first_minute, end_minute)
    return _bucket_figures(percentiles_by_row(counts[np.newaxis, :], sketch.lowest_bucket))[0]


def _bucket_figures(rows: RowPercentiles) -> list[LatencyFigures]:
    """The figures of each row of bucket counts, their buckets' values read together."""
    midpoints, (lower, upper) = rows.midpoints.tolist(), rows.bounds
    lowest, highest = lower.tolist(), upper.tolist()
    figures = []
    for row, count in enumerate(rows.counts.tolist()):
        if not count:
            figures.append(_latency_figures(0, (None,) * len(PERCENTILES), estimated=True, bounds={}))
            continue
        # The ceiling bucket's upper bound is inf: none, as for a histogram's +Inf bucket.
        edges = ((lo, _finite(hi)) for lo, hi in zip(lowest[row], highest[row], strict=True))
        bounds = zip(PERCENTILE_KEYS, edges, strict=True)
        values = tuple(midpoints[row])
        figures.append(_latency_figures(count, values, estimated=True, bounds=dict(bounds)))
    return figures


def windows_for(config: Config, series: ComponentSeries, grid: MinuteGrid) -> list[tuple[str, int]]:
    """(name, seconds): the alert windows, each rolling SLO window on this component, and all history."""
    return read_windows.windows_for(config, series.component, grid)


def _worst_hours(series: ComponentSeries, grid: MinuteGrid) -> tuple[WorstHour, ...]:
    """The hours with the highest p99 latency (nearest rank) within the last LATENCY_ANALYSIS_SECONDS."""
    if series.latency_sketch is None:  # no latencies per event, so no hours to rank
        return ()
    hours, counts, p99 = _sketch_hourly_p99(
        series.latency_sketch, grid.first_minute(LATENCY_ANALYSIS_SECONDS)
    )
    worst = np.lexsort((hours, -p99))[:TOP_WORST_HOURS]
    return tuple(
        WorstHour(moment(grid.origin + int(hours[i]) * 3600), int(counts[i]), float(p99[i])) for i in worst
    )


Hourly = tuple[np.ndarray, np.ndarray, np.ndarray]  # hour index, events, p99 seconds (hours with events)


def _sketch_hourly_p99(sketch: LatencySketch, first_minute: int) -> Hourly:
    hours, buckets = sketch.hourly(first_minute)
    counts = buckets.sum(axis=1)
    with_events = counts > 0
    if not with_events.all():  # else no copies of the hours x buckets counts
        hours, buckets, counts = hours[with_events], buckets[with_events], counts[with_events]
    rank = nearest_rank_index(counts, np.array(99.0))
    running = np.cumsum(buckets, axis=1, out=buckets)  # in place: the array is this read's own
    found = (running > rank[:, None]).argmax(axis=1)
    return hours, counts, bucket_midpoint_seconds(found + sketch.lowest_bucket)


def _day(grid: MinuteGrid, day: int) -> date:
    return moment(grid.day_start(day)).date()


def _sli(config: Config, series: ComponentSeries, name: str, minutes: MinuteSeries, grid: MinuteGrid) -> Sli:
    sli = next(s for s in series.component.slis if s.name == name)
    windows = []
    for window, seconds in windows_for(config, series, grid):
        with_data, hours = minutes.hours_with_data(grid, seconds)
        windows.append(
            SliWindow(
                window,
                seconds,
                moment(max(grid.end - seconds, grid.origin)),
                moment(grid.end),
                grid.covers(seconds),
                count_figures(minutes.window(grid, seconds)),
                with_data,
                hours,
            )
        )
    good, total = minutes.daily(grid)
    daily = tuple(
        SliDay(
            _day(grid, day),
            grid.day_start(day) + DAY <= grid.end,
            count_figures(Count(int(good[day]), int(total[day]))),
        )
        for day in range(grid.days)
    )
    return Sli(sli.name, str(sli.kind), sli.describe(), tuple(windows), daily)


def _latency(config: Config, series: ComponentSeries, grid: MinuteGrid) -> Latency:
    histogram, sketch = series.latency_histogram, series.latency_sketch

    def figures(first_minute: int, end_minute: int) -> LatencyFigures:
        if histogram is not None:
            return _estimated_figures(histogram.between(first_minute, end_minute), histogram.bounds)
        if sketch is not None:
            return _sketch_figures(sketch, first_minute, end_minute)
        return _measured_latency(summarize(NO_LATENCIES))  # the source has no latencies

    named = windows_for(config, series, grid)
    firsts = [grid.first_minute(seconds) for _, seconds in named]
    if histogram is None and sketch is not None:  # every window (all end at the grid's end) in one pass
        window_figures = _bucket_figures(percentiles_by_row(sketch.to_end(firsts), sketch.lowest_bucket))
    else:
        window_figures = [figures(first, grid.minutes) for first in firsts]
    windows = tuple(
        LatencyWindow(
            name,
            seconds,
            moment(max(grid.end - seconds, grid.origin)),
            moment(grid.end),
            grid.covers(seconds),
            window_figures[i],
        )
        for i, (name, seconds) in enumerate(named)
    )
    per_day = DAY // MINUTE
    if histogram is None and sketch is not None:  # every day read in one pass
        per_day_figures = _bucket_figures(percentiles_by_row(sketch.daily(per_day), sketch.lowest_bucket))
    else:
        per_day_figures = [figures(day * per_day, (day + 1) * per_day) for day in range(grid.days)]
    daily = tuple(LatencyDay(_day(grid, day), per_day_figures[day]) for day in range(grid.days))
    slow = tuple(
        SlowShare(s.name, s.threshold_seconds, c.error_ratio)
        for s in series.component.slis
        if s.kind is SliKind.LATENCY
        for c in [series.slis[s.name].window(grid, LATENCY_ANALYSIS_SECONDS)]
    )
    return Latency(
        HISTOGRAM_DEFINITION
        if histogram is not None
        else SKETCH_DEFINITION
        if sketch is not None
        else EXACT_DEFINITION,
        windows,
        daily,
        format_duration(LATENCY_ANALYSIS_SECONDS),
        _worst_hours(series, grid),
        slow,
    )


def _input_report(report: ReadReport) -> InputReport:
    return InputReport(
        source=report.source,
        files=tuple(InputFile(path, records) for path, records in report.files.items()),
        records=report.records,
        used=report.used,
        skipped=dict(sorted(report.skipped.items())),
        skipped_total=report.skipped_total,
        skipped_examples=tuple(
            SkippedRecord(e.file, e.line, e.reason, e.field, e.value) for e in report.examples
        ),
        filtered_out=report.filtered_out,
        before_history=report.before_history,
        after_evaluation_time=report.after_now,
        out_of_order=report.out_of_order,
        unavailable=report.unavailable,
    )


def build(header: Header, config: Config, telemetry: Telemetry) -> SliMetrics:
    grid = telemetry.grid
    components = tuple(
        ComponentSlis(
            series.component.id,
            series.component.service,
            series.component.name,
            series.component.source,
            tuple(_sli(config, series, name, minutes, grid) for name, minutes in series.slis.items()),
            _latency(config, series, grid),
        )
        for series in telemetry.series
    )
    return SliMetrics(
        header,
        History(moment(grid.origin), moment(grid.end)),
        tuple(_input_report(r) for r in telemetry.reports),
        components,
        slo_measurements.build(config, grid, telemetry.series),
    )
