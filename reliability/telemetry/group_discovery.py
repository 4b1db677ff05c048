"""The groups of grouped components, read from their event files before the events are counted.

A group is every distinct value (tuple) of a component's group_by keys among its events inside the
evaluation grid, history included: a group seen earlier but silent in a window is then an SLO with
no data there, never a good one. Reading the key columns once more is the price of a fixed set of
components during the count.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reliability.config.group_checks import too_many_groups
from reliability.config.groups import Discovered, GroupValues
from reliability.config.model import Component, Config, EventSource, PrometheusSource
from reliability.core.grid import MinuteGrid
from reliability.errors import ConfigError, Problem
from reliability.telemetry import convert, timestamps
from reliability.telemetry.counter_file_groups import COUNTER_FILE_SOURCES, counter_file_groups
from reliability.telemetry.derived import component_text
from reliability.telemetry.event_files import parsed_blocks
from reliability.telemetry.formats import ParsedBlock
from reliability.telemetry.group_routing import group_columns, group_value
from reliability.telemetry.prometheus_groups import prometheus_groups


def discover_groups(config: Config, grid: MinuteGrid) -> Discovered:
    """Grouped component id -> the group values its events in the grid had."""
    found: dict[str, set[GroupValues]] = {}  # event-file groups; Prometheus' come whole
    for source in config.sources:
        grouped = [c for c in config.index.components_reading.get(source.name, ()) if c.group_by]
        if not grouped:
            continue
        if isinstance(source, PrometheusSource):
            found.update((k, set(v)) for k, v in prometheus_groups(source, grouped, grid).items())
            continue
        if isinstance(source, COUNTER_FILE_SOURCES):
            found.update((k, set(v)) for k, v in counter_file_groups(source, grouped, grid).items())
            continue
        if not isinstance(source, EventSource):
            raise _not_read(grouped[0])
        for comp in grouped:
            found[comp.id] = set()
        extra = group_columns([c.group_by for c in grouped])
        for path in source.paths:
            for block in parsed_blocks(path, source, extra):
                for comp in grouped:
                    found[comp.id].update(_block_groups(block, source, comp, grid))
                    if len(found[comp.id]) > comp.max_groups:
                        raise too_many_groups(comp)
    return {comp_id: frozenset(values) for comp_id, values in found.items()}


def _block_groups(
    block: ParsedBlock, source: EventSource, comp: Component, grid: MinuteGrid
) -> set[GroupValues]:
    table = block.table

    def column(name: str) -> pa.Array:
        if name not in table.column_names:
            return pa.nulls(table.num_rows, pa.string())
        return table.column(name).combine_chunks()

    mapping = source.columns
    stamps = timestamps.epoch_seconds(column(mapping.timestamp), mapping).values
    with np.errstate(invalid="ignore"):
        minute = grid.minute_of(np.where(np.isfinite(stamps), stamps, -np.inf))
    keep = (minute >= 0) & (minute < grid.minutes)
    if mapping.component:
        names = column(mapping.component)
        if mapping.component_pattern:
            names = component_text(names, mapping.component_pattern)
        keep &= np.asarray(pc.fill_null(pc.equal(convert.to_text(names), comp.match), False))
    if source.row_filter:
        text = convert.to_text(column(source.row_filter.column))
        keep &= np.asarray(pc.fill_null(pc.is_in(text, pa.array(source.row_filter.values)), False))
    values = [group_value(column(key.column), key) for key in comp.group_by]
    for value in values:
        keep &= ~convert.missing(value)
    if not keep.any():
        return set()
    rows = pa.array(keep)
    kept = pa.table([v.filter(rows) for v in values], names=[f"k{i}" for i in range(len(values))])
    distinct = kept.group_by(kept.column_names).aggregate([])
    return set(zip(*(distinct.column(name).to_pylist() for name in kept.column_names), strict=True))


def _not_read(comp: Component) -> ConfigError:
    message = (
        f"component {comp.id} is grouped over a source `run` cannot group: it groups event files, "
        "files of counters and Prometheus sources"
    )
    problem = Problem(comp.origin.file, message, comp.origin.line, "group_by")
    return ConfigError(str(problem), [problem])
