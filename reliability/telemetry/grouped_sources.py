"""The sources with grouped components, each read once before the others: the groups found in it
make the configuration concrete (config.groups.expand_groups), and its counts are kept for the run.

Prometheus sources are only asked for their groups here (an instant query); they are read with
the others.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reliability.config.groups import GroupValues, expand_groups
from reliability.config.model import Config, EventSource, PrometheusSource
from reliability.core.grid import MinuteGrid
from reliability.core.read_windows import first_minutes
from reliability.telemetry.event_files import bytes_on_disk
from reliability.telemetry.ingest import SourceRead
from reliability.telemetry.progress import NO_PROGRESS, Progress


@dataclass(frozen=True)
class GroupedRead:
    config: Config  # each grouped item made one per group found
    sources: Mapping[str, SourceRead]  # the sources already read, by name: load_telemetry's already_read


def read_groups(
    config: Config, grid: MinuteGrid, *, strict: bool = False, progress: Progress = NO_PROGRESS
) -> GroupedRead:
    """The configuration made concrete from the groups the telemetry has in the grid, and the
    sources that were read to find them (event files and files of counters)."""
    if not any(c.group_by for c in config.components):
        return GroupedRead(config, {})
    # The group readers (a Prometheus client among them) load only for a config with grouped items.
    from reliability.telemetry.counter_file_groups import COUNTER_FILE_SOURCES, read_grouped_counters
    from reliability.telemetry.group_discovery import not_groupable
    from reliability.telemetry.grouped_events import read_grouped_events
    from reliability.telemetry.prometheus_groups import prometheus_groups

    found: dict[str, frozenset[GroupValues]] = {}
    read: dict[str, SourceRead] = {}
    for source in config.sources:
        components = list(config.index.components_reading.get(source.name, ()))
        grouped = [c for c in components if c.group_by]
        if not grouped:
            continue
        if isinstance(source, PrometheusSource):
            found.update(prometheus_groups(source, grouped, grid))
        elif isinstance(source, COUNTER_FILE_SOURCES):
            with progress.task(f"reading {source.name}", len(source.paths)) as task:
                groups, read[source.name] = read_grouped_counters(
                    source, grouped, grid, strict=strict, task=task
                )
            found.update(groups)
        elif isinstance(source, EventSource):
            starts = first_minutes(config, components, grid)
            with progress.task(f"reading {source.name}", bytes_on_disk(source)) as task:
                groups, read[source.name] = read_grouped_events(
                    source, components, grid, starts, strict=strict, task=task
                )
            found.update(groups)
        else:
            raise not_groupable(grouped[0])
    return GroupedRead(expand_groups(config, found), read)
