"""The groups of components grouped over files of counters (OpenMetrics, scrapes, snapshots, OTLP).

A group is every distinct value (tuple) of the group labels among the series an SLI counts every
event with (its total counter, or its histogram's buckets) that have a sample inside the evaluation
grid, history included: a group that went silent is then no data where it is silent, never good.
Each group then reads its selectors narrowed to its values, as Prometheus sources do, from the
samples the groups were found in: the files are read once.
"""

from __future__ import annotations

from collections.abc import Iterator

from reliability.config.group_checks import too_many_groups
from reliability.config.groups import GroupValues
from reliability.config.model import (
    Component,
    CounterSnapshotSource,
    OpenMetricsSource,
    OtlpMetricsSource,
    ScrapeFilesSource,
    Selector,
    Sli,
)
from reliability.core.accumulate import ComponentSeries
from reliability.core.grid import MinuteGrid
from reliability.telemetry import counter_files, openmetrics_files
from reliability.telemetry.counter_files import CounterFileSource
from reliability.telemetry.ingest import SourceRead
from reliability.telemetry.openmetrics_files import Samples
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport

COUNTER_FILE_SOURCES = (OpenMetricsSource, ScrapeFilesSource, CounterSnapshotSource, OtlpMetricsSource)


def _counted_by(sli: Sli) -> Iterator[tuple[str, Selector]]:
    """(series name, selector) of the series that count every event of a metric SLI."""
    if sli.counters is not None:
        yield sli.counters.total.metric, sli.counters.total
    if sli.histogram is not None:
        yield f"{sli.histogram.metric}_bucket", sli.histogram


def counter_file_groups(
    samples: Samples, components: list[Component], grid: MinuteGrid
) -> dict[str, frozenset[GroupValues]]:
    """Grouped component id -> the group values its SLIs' series had within the grid."""
    found: dict[str, frozenset[GroupValues]] = {}
    for comp in components:
        labels = tuple(key.column for key in comp.group_by)
        values: set[GroupValues] = set()
        for sli in comp.slis:
            for name, selector in _counted_by(sli):
                for series_labels, stamps, _ in samples.matching(name, selector):
                    if not ((stamps >= grid.origin) & (stamps <= grid.end)).any():
                        continue
                    if all(series_labels.get(label) for label in labels):  # without the label: no group
                        values.add(tuple(series_labels[label] for label in labels))
        if len(values) > comp.max_groups:
            raise too_many_groups(comp)
        found[comp.id] = frozenset(values)
    return found


def read_grouped_counters(
    source: OpenMetricsSource | CounterFileSource,
    components: list[Component],
    grid: MinuteGrid,
    *,
    strict: bool = False,
    task: TaskHandle = NO_TASK,
) -> tuple[dict[str, frozenset[GroupValues]], SourceRead]:
    """The source's files read once: the groups of its grouped components, and the samples kept
    to count each group once the configuration is made concrete."""
    report = ReadReport(source.name)
    if isinstance(source, OpenMetricsSource):
        samples = openmetrics_files.read_samples(source, report, strict=strict, task=task)

        def series_for(concrete: list[Component]) -> list[ComponentSeries]:
            return openmetrics_files.series_of_samples(samples, source.origin, concrete, grid, report)

    else:
        samples, times = counter_files.read_samples(source, report, strict=strict, task=task)

        def series_for(concrete: list[Component]) -> list[ComponentSeries]:
            return counter_files.series_of_read(source, samples, times, concrete, grid, report)

    return counter_file_groups(samples, components, grid), SourceRead(report, series_for)
