"""The groups of a grouped component found in one parsed block of its event file.

A group is every distinct value (tuple) of a component's group_by keys among its events inside the
evaluation grid, history included: a group seen earlier but silent in a window is then an SLO with
no data there, never a good one. The values its events have outside the grid only are told apart:
their rows are read (and counted out of range) without making a group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from reliability.config.groups import GroupValues
from reliability.config.model import Component, EventSource
from reliability.core.grid import MinuteGrid
from reliability.errors import ConfigError, Problem
from reliability.telemetry import convert, timestamps
from reliability.telemetry.derived import component_text
from reliability.telemetry.formats import ParsedBlock
from reliability.telemetry.group_routing import group_value


@dataclass(frozen=True)
class BlockGroups:
    inside: set[GroupValues]  # values of events inside the grid: the component's groups
    outside: set[GroupValues]  # values of its other events (out of range, or without a time)


def block_groups(block: ParsedBlock, source: EventSource, comp: Component, grid: MinuteGrid) -> BlockGroups:
    """The group values the component's events in the block have, inside the grid and outside it."""
    table = block.table

    def column(name: str) -> pa.Array:
        if name not in table.column_names:
            return pa.nulls(table.num_rows, pa.string())
        return table.column(name).combine_chunks()

    mapping = source.columns
    stamps = timestamps.epoch_seconds(column(mapping.timestamp), mapping).values
    with np.errstate(invalid="ignore"):
        minute = grid.minute_of(np.where(np.isfinite(stamps), stamps, -np.inf))
    inside = (minute >= 0) & (minute < grid.minutes)
    keep = np.ones(table.num_rows, dtype=bool)
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
    return BlockGroups(_distinct(values, keep & inside), _distinct(values, keep & ~inside))


def _distinct(values: list[pa.Array], rows: np.ndarray) -> set[GroupValues]:
    if not rows.any():
        return set()
    chosen = pa.array(rows)
    kept = pa.table([v.filter(chosen) for v in values], names=[f"k{i}" for i in range(len(values))])
    distinct = kept.group_by(kept.column_names).aggregate([])
    return set(zip(*(distinct.column(name).to_pylist() for name in kept.column_names), strict=True))


def not_groupable(comp: Component) -> ConfigError:
    message = (
        f"component {comp.id} is grouped over a source `run` cannot group: it groups event files, "
        "files of counters and Prometheus sources"
    )
    problem = Problem(comp.origin.file, message, comp.origin.line, "group_by")
    return ConfigError(str(problem), [problem])
