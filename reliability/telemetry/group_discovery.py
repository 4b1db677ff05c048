"""Which new reading keys of a parsed block of an event file are groups.

A group is every distinct value (tuple) of a component's group_by keys among its events inside the
evaluation grid, history included: a group seen earlier but silent in a window is then an SLO with
no data there, never a good one. Values its events have outside the grid only are told apart:
their rows are read (and counted out of range) without making a group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from reliability.config.model import Component, EventSource
from reliability.core.grid import MinuteGrid
from reliability.errors import ConfigError, Problem
from reliability.telemetry import convert, timestamps
from reliability.telemetry.formats import ParsedBlock


@dataclass(frozen=True)
class BlockGroups:
    inside: set[str]  # reading keys of events inside the grid: groups
    outside: set[str]  # reading keys of the other events (out of range, or without a time)


def block_groups(
    block: ParsedBlock, source: EventSource, keys: pa.Array, asked: set[str], grid: MinuteGrid
) -> BlockGroups:
    """Where the block's events with a reading key in `asked` lie: inside the grid or outside it.

    `keys` holds each row's reading key (null without a group value); only the asked rows' times are
    read, so a block whose groups are all known costs nothing here.
    """
    rows = np.flatnonzero(
        np.asarray(pc.fill_null(pc.is_in(keys, pa.array(sorted(asked), pa.string())), False))
    )
    table = block.table.take(pa.array(rows))

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
    if source.row_filter:
        text = convert.to_text(column(source.row_filter.column))
        keep &= np.asarray(pc.fill_null(pc.is_in(text, pa.array(source.row_filter.values)), False))
    asked_keys = keys.take(pa.array(rows))
    return BlockGroups(_distinct(asked_keys, keep & inside), _distinct(asked_keys, keep & ~inside))


def _distinct(keys: pa.Array, rows: npt.NDArray[np.bool_]) -> set[str]:
    return set(pc.unique(keys.filter(pa.array(rows))).to_pylist()) if rows.any() else set()


def not_groupable(comp: Component) -> ConfigError:
    message = (
        f"component {comp.id} is grouped over a source `run` cannot group: it groups event files, "
        "files of counters and Prometheus sources"
    )
    problem = Problem(comp.origin.file, message, comp.origin.line, "group_by")
    return ConfigError(str(problem), [problem])
