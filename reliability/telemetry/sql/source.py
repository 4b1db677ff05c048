"""Read a `sql` source: run the pushed-down queries, return the per-minute state on the grid."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from reliability.config.model import Component, Sli, SqlSource
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.query import minute_queries
from reliability.telemetry.sql.records import RecordCounts, read_record_counts
from reliability.telemetry.sql.state import ComponentMinutes, LatencyBuckets, MinuteState
from reliability.telemetry.sql.table import SqlTable

DIALECTS: dict[str, type[Dialect]] = {"duckdb": DuckDbDialect, "chdb": ClickHouseDialect}


def read_sql_source(source: SqlSource, components: Sequence[Component], grid: MinuteGrid) -> MinuteState:
    """The configured engine's per-minute state of the source's events on the grid."""
    table = SqlTable(source.patterns, source.format, source.columns)
    return read_minute_state(DIALECTS[source.engine](), table, components, grid)


def read_sql_records(source: SqlSource, components: Sequence[Component], grid: MinuteGrid) -> RecordCounts:
    """What became of the source's rows, counted by the configured engine."""
    table = SqlTable(source.patterns, source.format, source.columns)
    return read_record_counts(DIALECTS[source.engine](), table, components, grid)


def read_minute_state(
    dialect: Dialect, table: SqlTable, components: Sequence[Component], grid: MinuteGrid
) -> MinuteState:
    queries = minute_queries(dialect, table, components, grid)
    counts = IntColumns(dialect.run(queries.counts))
    buckets = IntColumns(dialect.run(queries.buckets))
    statuses = IntColumns(dialect.run(queries.bad_statuses))
    codes = {component.match: code for code, component in enumerate(components)}
    count_code = _codes(counts.table, codes)
    count_minute = counts["minute"]
    bucket_code = _codes(buckets.table, codes)
    status_code = _codes(statuses.table, codes)
    result = []
    for code, component in enumerate(components):
        rows = count_code == code
        slis = {}
        for sli in component.slis:
            number = queries.slis.index(sli)
            slis[sli.name] = MinuteSeries(
                _per_minute(grid, count_minute[rows], counts[f"good_{number}"][rows]),
                _per_minute(grid, count_minute[rows], counts[f"total_{number}"][rows]),
            )
        mine = bucket_code == code
        latency = LatencyBuckets.of(buckets["minute"][mine], buckets["bucket"][mine], buckets["events"][mine])
        bad = _bad_by_status(grid, statuses, status_code == code, component, queries.slis)
        result.append(ComponentMinutes(component.match, slis, latency, bad))
    return MinuteState(grid, tuple(result))


def _bad_by_status(
    grid: MinuteGrid, table: IntColumns, rows: np.ndarray, component: Component, slis: tuple[Sli, ...]
) -> dict[str, dict[int, np.ndarray]]:
    """As the fold: for each status-rule availability SLI, bad events per minute of each status."""
    minute, status = table["minute"][rows], table["status"][rows]
    found: dict[str, dict[int, np.ndarray]] = {}
    for sli in component.slis:
        if sli.good is None or sli.good.success_flag:
            continue
        bad = table[f"bad_{slis.index(sli)}"][rows]
        found[sli.name] = {
            code: _per_minute(grid, minute[status == code], bad[status == code])
            for code in np.unique(status[bad > 0]).tolist()
        }
    return found


class IntColumns:
    """An answer's integer columns, each converted once however many components and SLIs read it."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self._converted: dict[str, np.ndarray] = {}

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self._converted:
            column = self.table.column(name).to_numpy(zero_copy_only=False)
            self._converted[name] = np.asarray(column, dtype=np.int64)
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
