"""Read every configured source into per-minute series: telemetry in, minute series out."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reliability.config.model import Component, Config, EventSource
from reliability.core.accumulate import Accumulator, ComponentSeries
from reliability.core.grid import MinuteGrid
from reliability.telemetry.event_files import read_events
from reliability.telemetry.openmetrics_files import read_component_series
from reliability.telemetry.report import ReadReport


@dataclass(frozen=True)
class Telemetry:
    grid: MinuteGrid
    series: list[ComponentSeries]
    reports: list[ReadReport]


def _event_series(
    source: EventSource, components: list[Component], grid: MinuteGrid, report: ReadReport, strict: bool
) -> list[ComponentSeries]:
    """Stream the event files through the accumulator, chunk by chunk."""
    accumulator = Accumulator(grid, components)
    last_timestamp = -np.inf
    for events in read_events(source, [c.match for c in components], report, strict=strict):
        stamps = events.timestamp
        report.out_of_order += int(np.count_nonzero(np.diff(stamps) < 0)) + int(stamps[0] < last_timestamp)
        last_timestamp = float(stamps[-1])
        in_range = accumulator.add(events)
        report.before_history += in_range.before_grid
        report.after_now += in_range.after_end
        report.used += len(events) - in_range.before_grid - in_range.after_end
    return accumulator.finish()


def load_telemetry(config: Config, grid: MinuteGrid, *, strict: bool = False) -> Telemetry:
    series: list[ComponentSeries] = []
    reports: list[ReadReport] = []
    for source in config.sources:
        components = [c for c in config.components if c.source == source.name]
        if not components:
            continue
        report = ReadReport(source.name)
        if isinstance(source, EventSource):
            series.extend(_event_series(source, components, grid, report, strict))
        else:
            series.extend(read_component_series(source, components, grid, report, strict=strict))
        reports.append(report)
    return Telemetry(grid, series, reports)
