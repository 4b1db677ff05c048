"""Read every configured source into per-minute series: telemetry in, minute series out."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from reliability.config.model import (
    Component,
    Config,
    CounterSnapshotSource,
    EventSource,
    OpenMetricsSource,
    OtlpMetricsSource,
    OtlpTracesSource,
    PrometheusSource,
    ScrapeFilesSource,
    SqlSource,
)
from reliability.core.accumulate import Accumulator, ComponentSeries
from reliability.core.counts import MinuteSeries
from reliability.core.events import EventColumns
from reliability.core.grid import MinuteGrid
from reliability.core.read_windows import first_minutes
from reliability.telemetry import openmetrics_files
from reliability.telemetry.event_files import bytes_on_disk, read_events
from reliability.telemetry.group_routing import reading_key
from reliability.telemetry.plausibility import check_usable
from reliability.telemetry.progress import NO_PROGRESS, Progress, TaskHandle
from reliability.telemetry.prometheus_errors import QueryError, SourceUnavailable
from reliability.telemetry.report import ReadReport
from reliability.telemetry.side_by_side import SideBySide, until_set


def _counter_file_series(*args: Any, **kwargs: Any) -> list[ComponentSeries]:
    # Imported when such a source is read: a run without one never loads those readers.
    from reliability.telemetry import counter_files

    return counter_files.read_component_series(*args, **kwargs)


# Sources of files of counters: each reader gives the components' series (one task step per file).
_FILE_METRIC_READERS: dict[type, Callable[..., list[ComponentSeries]]] = {
    OpenMetricsSource: openmetrics_files.read_component_series,
    CounterSnapshotSource: _counter_file_series,
    ScrapeFilesSource: _counter_file_series,
    OtlpMetricsSource: _counter_file_series,
}


@dataclass(frozen=True)
class Telemetry:
    grid: MinuteGrid
    series: list[ComponentSeries]
    reports: list[ReadReport]


@dataclass(frozen=True)
class SourceRead:
    """A source read before the others (its groups were found and counted in the same read):
    its report, and its series for the components reading it once the configuration is concrete."""

    report: ReadReport
    series_for: Callable[[list[Component]], list[ComponentSeries]]


def _event_series(
    source: EventSource | OtlpTracesSource,
    components: list[Component],
    grid: MinuteGrid,
    window_starts: tuple[int, ...],
    report: ReadReport,
    strict: bool,
    task: TaskHandle,
    stopping: threading.Event | None = None,
) -> list[ComponentSeries]:
    """Stream the event files through the accumulator, chunk by chunk; no more once `stopping` is set."""
    accumulator = Accumulator(grid, components, window_starts)
    if isinstance(source, OtlpTracesSource):
        from reliability.telemetry.otlp_traces import read_spans  # only for such a source

        chunks = read_spans(source, [c.match for c in components], report, strict=strict, task=task)
        unit = "nanoseconds, as in OTLP"
    else:
        has_column = source.columns.component is not None
        matches = [reading_key(c, has_column) for c in components]
        group_bys = tuple(dict.fromkeys(c.group_by for c in components if c.group_by))
        chunks = read_events(source, matches, report, strict=strict, task=task, group_bys=group_bys)
        unit = source.columns.timestamp_described
    if stopping is not None:
        chunks = until_set(stopping, chunks)
    return fold_events(chunks, accumulator, report, source, unit)


def fold_events(
    chunks: Iterable[EventColumns],
    accumulator: Accumulator,
    report: ReadReport,
    source: EventSource | OtlpTracesSource,
    unit: str,
) -> list[ComponentSeries]:
    """The chunks counted per minute, their order and range told in `report`; refused if none is usable."""
    grid = accumulator.grid
    last_timestamp = -np.inf
    earliest, latest = np.inf, -np.inf
    out_of_order = 0
    for events in chunks:
        stamps = events.timestamp
        earliest, latest = min(earliest, float(stamps.min())), max(latest, float(stamps.max()))
        # Shifted views compared: a byte per event, not diff's 8-byte array of differences first.
        descents = int(np.count_nonzero(stamps[1:] < stamps[:-1]))
        out_of_order += descents + int(stamps[0] < last_timestamp)
        last_timestamp = float(stamps[-1])
        in_range = accumulator.add(events)
        report.before_history += in_range.before_grid
        report.after_now += in_range.after_end
        report.used += len(events) - in_range.before_grid - in_range.after_end
    report.out_of_order = (report.out_of_order or 0) + out_of_order
    seen = (earliest, latest) if earliest <= latest and not report.used else None
    check_usable(report, source.origin, grid, seen, unit)
    return accumulator.finish()


def _silent(components: list[Component], grid: MinuteGrid) -> list[ComponentSeries]:
    """Series without a single event: what an unreachable source contributes (no data, never good)."""
    empty = np.zeros(grid.minutes, np.int64)
    return [
        ComponentSeries(
            component=c,
            slis={s.name: MinuteSeries(empty, empty) for s in c.slis},
        )
        for c in components
    ]


def load_telemetry(
    config: Config,
    grid: MinuteGrid,
    *,
    strict: bool = False,
    allow_partial: bool = False,
    progress: Progress = NO_PROGRESS,
    minute_detail_from: int | None = None,
    alert_steps_from: int | None = None,
    already_read: Mapping[str, SourceRead] | None = None,
) -> Telemetry:
    """Every source into minute series; an unreachable Prometheus fails the run unless allow_partial.

    `progress` gets one task per source: event files count bytes read from disk, OpenMetrics
    files count files, Prometheus counts range query requests. Before `minute_detail_from`
    only spans between hour points are summed, so Prometheus may be read at those points there,
    and from `alert_steps_from` spans between 5-minute step points (the alert timeline).
    A source in `already_read` (by name) is not read again: its series and report are taken from it.
    """
    # Each source's series, taken in the order of the sources whichever read ends first.
    taken: list[tuple[Callable[[], list[ComponentSeries]], ReadReport]] = []
    # The reads exit before their tasks close: a bar is never advanced once gone.
    with ExitStack() as tasks, SideBySide[list[ComponentSeries]]() as file_reads:
        for source in config.sources:
            components = list(config.index.components_reading.get(source.name, ()))
            if not components:
                continue
            if already_read and source.name in already_read:
                read = already_read[source.name]
                taken.append((partial(read.series_for, components), read.report))
                continue
            report = ReadReport(source.name)
            window_starts = first_minutes(config, components, grid)
            if isinstance(source, SqlSource):
                with progress.task(f"querying {source.name}", 1) as task:
                    found = _sql_series(source, components, grid, window_starts, report, strict)
                    task.advance(1)
                taken.append((partial(list, found), report))
            elif isinstance(source, OtlpTracesSource | EventSource):
                total = len(source.paths) if isinstance(source, OtlpTracesSource) else bytes_on_disk(source)
                task = tasks.enter_context(progress.task(f"reading {source.name}", total))
                events = partial(
                    _event_series,
                    source,
                    components,
                    grid,
                    window_starts,
                    report,
                    strict,
                    task,
                    file_reads.stopping,
                )
                taken.append((file_reads.start(events), report))
            elif isinstance(source, PrometheusSource):
                found = _prometheus_series(
                    source,
                    components,
                    grid,
                    report,
                    progress,
                    strict=strict,
                    allow_partial=allow_partial,
                    detail_from=minute_detail_from,
                    steps_from=alert_steps_from,
                )
                taken.append((partial(list, found), report))
            else:
                reader = _FILE_METRIC_READERS[type(source)]
                task = tasks.enter_context(progress.task(f"reading {source.name}", len(source.paths)))
                counters = partial(reader, source, components, grid, report, strict=strict, task=task)
                taken.append((file_reads.start(counters), report))
        series = [one for take, _ in taken for one in take()]
    return Telemetry(grid, series, [report for _, report in taken])


def _prometheus_series(
    source: PrometheusSource,
    components: list[Component],
    grid: MinuteGrid,
    report: ReadReport,
    progress: Progress,
    *,
    strict: bool,
    allow_partial: bool,
    detail_from: int | None,
    steps_from: int | None,
) -> list[ComponentSeries]:
    """The source's series; an unreachable one, with allow_partial, gives silent series."""
    # Its HTTP client (http.client, ssl, a thread pool) loads only for a Prometheus source.
    from reliability.telemetry import prometheus_api

    planned = prometheus_api.planned_requests(components, grid, detail_from, steps_from)
    try:
        with progress.task(f"querying {source.name}", planned) as task:
            return prometheus_api.read_component_series(
                source,
                components,
                grid,
                report,
                strict=strict,
                task=task,
                detail_from=detail_from,
                steps_from=steps_from,
            )
    except (SourceUnavailable, QueryError) as exc:
        if not allow_partial:
            raise
        report.unavailable = str(exc)
        return _silent(components, grid)


def _sql_series(
    source: SqlSource,
    components: list[Component],
    grid: MinuteGrid,
    window_starts: tuple[int, ...],
    report: ReadReport,
    strict: bool,
) -> list[ComponentSeries]:
    """The engine folds the events; only per-minute counts, latency buckets and the counts of
    what became of the rows come back."""
    from reliability.telemetry.sql import series  # the engines load lazily
    from reliability.telemetry.sql import source as sql_source

    records = sql_source.read_sql_records(source, components, grid, strict=strict)
    if strict:
        records.stop_at_a_skipped_row()
    records.told(report)
    report.out_of_order = None  # the engine reads rows in no set order: not counted, not 0
    check_usable(
        report, source.origin, grid, None if report.used else records.seen, source.columns.timestamp_described
    )
    state = sql_source.read_sql_source(source, components, grid, window_starts)
    return series.component_series(state, components, window_starts)
