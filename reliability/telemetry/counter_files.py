"""Sources of files of cumulative counters read at known times (snapshots, scrapes, OTLP exports).

Each format reads a file into FoundSamples and says at which times it read counters; the rest is
shared: the OpenMetrics path into series, and the rule that one time is only a baseline.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from reliability.config.model import (
    Component,
    CounterSnapshotSource,
    Origin,
    OtlpMetricsSource,
    ScrapeFilesSource,
)
from reliability.core.accumulate import ComponentSeries
from reliability.core.grid import MinuteGrid
from reliability.errors import InputError, Problem
from reliability.telemetry import counter_snapshots, otlp_metrics, prometheus_scrapes
from reliability.telemetry.openmetrics_files import FoundSamples, Samples, series_of_samples
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport

CounterFileSource = CounterSnapshotSource | ScrapeFilesSource | OtlpMetricsSource
FileReader = Callable[[Any, Path, FoundSamples], set[float]]  # (source, file, into) -> times read

# Each format's file reader, and what one reading time is called in messages.
_READERS: dict[type, tuple[FileReader, str]] = {
    CounterSnapshotSource: (counter_snapshots.read_file, "snapshot"),
    ScrapeFilesSource: (prometheus_scrapes.read_file, "scrape"),
    OtlpMetricsSource: (otlp_metrics.read_file, "export of a counter"),
}


def read_component_series(
    source: CounterFileSource,
    components: list[Component],
    grid: MinuteGrid,
    report: ReadReport,
    *,
    strict: bool = False,
    task: TaskHandle = NO_TASK,
) -> list[ComponentSeries]:
    """The components' series from the source's files; `task` advances by one per file."""
    samples, times = read_samples(source, report, strict=strict, task=task)
    return series_of_read(source, samples, times, components, grid, report)


def series_of_read(
    source: CounterFileSource,
    samples: Samples,
    times: set[float],
    components: list[Component],
    grid: MinuteGrid,
    report: ReadReport,
) -> list[ComponentSeries]:
    """The components' series from the samples read, once the source proved usable."""
    result = series_of_samples(samples, source.origin, components, grid, report)  # all bad: said first
    require_two_times(source.name, source.origin, times, _READERS[type(source)][1])
    return result


def read_samples(
    source: CounterFileSource, report: ReadReport, *, strict: bool = False, task: TaskHandle = NO_TASK
) -> tuple[Samples, set[float]]:
    """Every good sample of the source's files by series, and the times its counters were read."""
    read_file, _ = _READERS[type(source)]
    found = FoundSamples(report, strict)
    times: set[float] = set()
    for path in source.paths:
        times |= read_file(source, path, found)
        task.advance()
    return found.by_series(), times


def require_two_times(source: str, origin: Origin, times: Collection[float], what: str) -> None:
    """InputError unless the counters were read at two times or more."""
    if len(times) >= 2:
        return
    found = f"only one {what}" if times else f"no {what} with a counter"
    message = (
        f"source {source!r}: {found}; one {what} is only the baseline of its counters, "
        f"an increase needs at least two {what}s"
    )
    problem = Problem(origin.file, message, origin.line)
    raise InputError(str(problem), [problem])
