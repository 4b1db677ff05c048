"""Read a `sql` source: run the pushed-down queries, return the per-minute state on the grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from reliability.config.model import Component, Sli, SqlSource
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid
from reliability.telemetry.sql.cells import SketchCells
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.query import is_status_rule, minute_query
from reliability.telemetry.sql.records import RecordCounts, read_record_counts
from reliability.telemetry.sql.state import ComponentMinutes, LatencyBuckets, MinuteState
from reliability.telemetry.sql.table import SqlTable

DIALECTS: dict[str, type[Dialect]] = {"duckdb": DuckDbDialect, "chdb": ClickHouseDialect}


def read_sql_source(
    source: SqlSource, components: Sequence[Component], grid: MinuteGrid, window_starts: tuple[int, ...] = ()
) -> MinuteState:
    """The configured engine's per-minute state of the source's events on the grid; the latency
    buckets summed per cell of the sketch that reads the windows starting at `window_starts`."""
    table = SqlTable(source.patterns, source.format, source.columns)
    cells = SketchCells(grid.minutes, window_starts)
    return read_minute_state(DIALECTS[source.engine](), table, components, grid, cells)


def read_sql_records(source: SqlSource, components: Sequence[Component], grid: MinuteGrid) -> RecordCounts:
    """What became of the source's rows, counted by the configured engine."""
    table = SqlTable(source.patterns, source.format, source.columns)
    return read_record_counts(DIALECTS[source.engine](), table, components, grid)


def read_minute_state(
    dialect: Dialect,
    table: SqlTable,
    components: Sequence[Component],
    grid: MinuteGrid,
    cells: SketchCells | None = None,
) -> MinuteState:
    """Latency buckets per minute, or per cell of `cells`."""
    query = minute_query(dialect, table, components, grid, cells)
    answer = dialect.run(query.sql)
    # One sort by (grouping, component) makes each component's rows of each grouping one slice,
    # where a boolean mask per component would pass over every row as many times.
    group = IntColumns(answer)["per_cell"] * len(components) + _codes(answer, components)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(2 * len(components) + 1)).tolist()
    rows = IntColumns(answer, order)
    result = []
    for code, component in enumerate(components):
        counts = slice(bounds[code], bounds[code + 1])
        slis = {}
        for sli in component.slis:
            number = query.slis.index(sli)
            slis[sli.name] = MinuteSeries(
                _per_minute(grid, rows["minute"][counts], rows[f"good_{number}"][counts]),
                _per_minute(grid, rows["minute"][counts], rows[f"total_{number}"][counts]),
            )
        in_cells = slice(bounds[len(components) + code], bounds[len(components) + code + 1])
        bucket = rows["bucket"][in_cells]
        timed = bucket >= 0  # rows of events without a latency have no bucket
        latency = LatencyBuckets.of(
            rows["cell"][in_cells][timed], bucket[timed], rows["events"][in_cells][timed]
        )
        bad = _bad_by_status(grid, rows, counts, component, query.slis)
        result.append(ComponentMinutes(component.match, slis, latency, bad))
    return MinuteState(grid, tuple(result))


def _bad_by_status(
    grid: MinuteGrid, table: IntColumns, rows: slice, component: Component, slis: tuple[Sli, ...]
) -> dict[str, dict[int, np.ndarray]]:
    """As the fold: for each status-rule availability SLI, bad events per minute of each status."""
    status = table["bad_status"][rows]
    bad_rows = status >= 0  # the rows no status-rule SLI counts as bad have no bad_status
    minute, status = table["minute"][rows][bad_rows], status[bad_rows]
    found: dict[str, dict[int, np.ndarray]] = {}
    for sli in component.slis:
        if not is_status_rule(sli):
            continue
        bad = table[f"bad_{slis.index(sli)}"][rows][bad_rows]
        found[sli.name] = {
            code: _per_minute(grid, minute[status == code], bad[status == code])
            for code in np.unique(status[bad > 0]).tolist()
        }
    return found


class IntColumns:
    """An answer's integer columns in the order `order` (as they are, without), NULL read as -1;
    each converted once however many components and SLIs read it."""

    def __init__(self, table: pa.Table, order: np.ndarray | None = None) -> None:
        self.table = table
        self._order = order
        self._converted: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._converted:
            column = self.table.column(name)
            if column.null_count:
                column = column.fill_null(-1)
            column = column.to_numpy(zero_copy_only=False)
            converted = np.asarray(column, dtype=np.int64)
            self._converted[name] = converted if self._order is None else converted[self._order]
        return self._converted[name]


def _codes(table: pa.Table, components: Sequence[Component]) -> np.ndarray:
    """Each row's component code (its place in `components`), looked up by Arrow: no Python object
    per row."""
    import pyarrow.compute as pc

    codes = {component.match: code for code, component in enumerate(components)}
    column = table.column("component")
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    names = pa.array(list(codes), type=column.type)
    found = pc.index_in(column, value_set=names)
    if found.null_count:  # the queries keep configured components only: this would be a bug
        unknown = pc.filter(column, pc.is_null(found))[0].as_py()
        raise KeyError(unknown)
    positions = np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.intp)
    by_position = np.asarray(list(codes.values()), dtype=np.int64)
    coded: np.ndarray = by_position[positions]
    return coded


def _per_minute(grid: MinuteGrid, minute: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.bincount(minute, weights=values, minlength=grid.minutes).astype(np.int64)
