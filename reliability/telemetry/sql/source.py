"""Read a `sql` source: run the pushed-down query, return the per-minute state on the grid."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import pyarrow as pa

from reliability.config.model import Component, Sli, SqlSource
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid
from reliability.telemetry.sql.cells import SketchCells
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.failures import engine_failures
from reliability.telemetry.sql.file_columns import check_file_columns
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
    cells = SketchCells(grid.minutes, window_starts)
    with engine_failures(source), engine_of(source) as engine:
        return read_minute_state(engine, SqlTable.of(source), components, grid, cells)


def read_sql_records(
    source: SqlSource, components: Sequence[Component], grid: MinuteGrid, *, strict: bool = False
) -> RecordCounts:
    """What became of the source's rows, counted by the configured engine; with `strict`, the
    first skipped row found. Read first in a run, so each local file's columns are checked here."""
    check_file_columns(source.paths, source.format, source.columns)
    with engine_failures(source), engine_of(source) as engine:
        return read_record_counts(engine, SqlTable.of(source), components, grid, strict=strict)


@contextmanager
def engine_of(source: SqlSource) -> Iterator[Dialect]:
    """The configured engine; a server's client is closed after use (chDB serves one path at a time)."""
    if source.server is None:
        yield DIALECTS[source.engine]()
        return
    from reliability.telemetry.sql.clickhouse_server import ClickHouseServerDialect  # loads its client

    server = ClickHouseServerDialect(source.name, source.server)
    try:
        yield server
    finally:
        server.close()


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
    # where a boolean mask per component would pass over every row as many times; each column is
    # then taken from the rows of the grouping that has it alone.
    codes = {component.match: code for code, component in enumerate(components)}
    group = IntColumns(answer)["per_cell"] * len(components) + _codes(answer, codes)
    # Codes this small sort by radix, in one pass.
    order = np.argsort(group.astype(np.min_scalar_type(2 * len(components))), kind="stable")
    bounds = np.searchsorted(group[order], np.arange(2 * len(components) + 1)).tolist()
    split = bounds[len(components)]
    counted, in_cells = IntColumns(answer, order[:split]), IntColumns(answer, order[split:])
    result = []
    for code, component in enumerate(components):
        counts = slice(bounds[code], bounds[code + 1])
        slis = {}
        for sli in component.slis:
            number = query.slis.index(sli)
            slis[sli.name] = MinuteSeries(
                _per_minute(grid, counted["minute"][counts], counted[f"good_{number}"][counts]),
                _per_minute(grid, counted["minute"][counts], counted[f"total_{number}"][counts]),
            )
        cell_rows = slice(bounds[len(components) + code] - split, bounds[len(components) + code + 1] - split)
        bucket = in_cells["bucket"][cell_rows]
        timed = bucket >= 0  # rows of events without a latency have no bucket
        latency = LatencyBuckets.of(
            in_cells["cell"][cell_rows][timed], bucket[timed], in_cells["events"][cell_rows][timed]
        )
        bad = _bad_by_status(grid, counted, counts, component, query.slis)
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
    """An answer's integer columns at the rows `rows` (all, in order, without), NULL read as -1;
    each converted once however many components and SLIs read it."""

    def __init__(self, table: pa.Table, rows: np.ndarray | None = None) -> None:
        self.table = table
        self._rows = None if rows is None else pa.array(rows)
        self._converted: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._converted:
            column = self.table.column(name)
            if self._rows is not None:
                column = column.take(self._rows)
            if column.null_count:
                column = column.fill_null(-1)
            self._converted[name] = np.asarray(column.to_numpy(zero_copy_only=False), dtype=np.int64)
        return self._converted[name]


def _codes(table: pa.Table, codes: dict[str, int]) -> np.ndarray:
    """Each row's component code, looked up by Arrow: no Python object per row."""
    import pyarrow.compute as pc

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
