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
    counts = dialect.run(queries.counts)
    buckets = dialect.run(queries.buckets)
    statuses = dialect.run(queries.bad_statuses)
    codes = {component.match: code for code, component in enumerate(components)}
    count_code = _codes(counts, codes)
    count_minute = _ints(counts, "minute")
    bucket_code = _codes(buckets, codes)
    status_code = _codes(statuses, codes)
    result = []
    for code, component in enumerate(components):
        rows = count_code == code
        slis = {}
        for sli in component.slis:
            number = queries.slis.index(sli)
            slis[sli.name] = MinuteSeries(
                _per_minute(grid, count_minute[rows], _ints(counts, f"good_{number}")[rows]),
                _per_minute(grid, count_minute[rows], _ints(counts, f"total_{number}")[rows]),
            )
        mine = bucket_code == code
        latency = LatencyBuckets.of(
            _ints(buckets, "minute")[mine], _ints(buckets, "bucket")[mine], _ints(buckets, "events")[mine]
        )
        events = int(_ints(counts, "events")[rows].sum())
        bad = _bad_by_status(grid, statuses, status_code == code, component, queries.slis)
        result.append(ComponentMinutes(component.match, slis, latency, bad, events))
    return MinuteState(grid, tuple(result))


def _bad_by_status(
    grid: MinuteGrid, table: pa.Table, rows: np.ndarray, component: Component, slis: tuple[Sli, ...]
) -> dict[str, dict[int, np.ndarray]]:
    """As the fold: for each status-rule availability SLI, bad events per minute of each status."""
    minute, status = _ints(table, "minute")[rows], _ints(table, "status")[rows]
    found: dict[str, dict[int, np.ndarray]] = {}
    for sli in component.slis:
        if sli.good is None or sli.good.success_flag:
            continue
        bad = _ints(table, f"bad_{slis.index(sli)}")[rows]
        found[sli.name] = {
            code: _per_minute(grid, minute[status == code], bad[status == code])
            for code in np.unique(status[bad > 0]).tolist()
        }
    return found


def _ints(table: pa.Table, name: str) -> np.ndarray:
    return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=np.int64)


def _codes(table: pa.Table, codes: dict[str, int]) -> np.ndarray:
    return np.array([codes[value] for value in table.column("component").to_pylist()], dtype=np.int64)


def _per_minute(grid: MinuteGrid, minute: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.bincount(minute, weights=values, minlength=grid.minutes).astype(np.int64)
