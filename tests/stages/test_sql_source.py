"""The same events give the same per-minute counts and latency buckets, to the event, whether the
event-file reader folds them or DuckDB or chDB computes them from Parquet (or CSV) files."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from support.configs import availability, component, latency, service, slo, write_config
from typer.testing import CliRunner

from reliability import pipeline
from reliability.cli import app
from reliability.config import load_config
from reliability.config.model import (
    ColumnMapping,
    Component,
    EventSource,
    GoodRule,
    LatencyColumns,
    Origin,
    Sli,
    SliKind,
    SqlSource,
    TimestampFormat,
)
from reliability.conventions import Stage
from reliability.core.accumulate import Accumulator
from reliability.core.events import EventColumns
from reliability.core.grid import DAY, MinuteGrid
from reliability.core.latency_buckets import bucket_index, micros_of
from reliability.core.latency_sketch import slot_of, slot_starts
from reliability.errors import ReliabilityError
from reliability.telemetry.event_files import read_events
from reliability.telemetry.report import ReadReport
from reliability.telemetry.sql.cells import SketchCells
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.source import read_minute_state, read_sql_source
from reliability.telemetry.sql.state import ComponentMinutes, LatencyBuckets, MinuteState
from reliability.telemetry.sql.table import SqlTable

pytest.importorskip("duckdb")
pytest.importorskip("chdb")

GRID = MinuteGrid(origin=20_000 * DAY, minutes=2 * 1440)
HERE = Origin("test", None)
COLUMNS = ColumnMapping(
    timestamp="ts_ms",
    timestamp_format=TimestampFormat.UNIX_MS,
    component="component",
    status="status",
    latency=LatencyColumns(column="latency_ms", unit="ms"),
)
SLIS = (
    Sli("availability", SliKind.AVAILABILITY, good=GoodRule(status_below=500)),
    Sli("not-throttled", SliKind.AVAILABILITY, good=GoodRule(status_not_in=(429, 503))),
    Sli("fast", SliKind.LATENCY, threshold_seconds=0.3),
    Sli("snappy", SliKind.LATENCY, threshold_seconds=0.0125),
    Sli("no-5xx", SliKind.AVAILABILITY, good=GoodRule(status_not_in=("5xx", 429))),  # classes as ranges
    Sli("2xx-or-404", SliKind.AVAILABILITY, good=GoodRule(status_in=("2xx", 404))),
)
COMPONENTS = [
    Component("shop", "checkout", "events", "checkout", SLIS, HERE),
    Component("shop", "search", "events", "search", SLIS[:1] + SLIS[2:3], HERE),
]


def events(count: int = 60_000) -> pa.Table:
    """Events over the grid and a little beyond it, with exact threshold values, missing latencies
    and rows the reader must skip (a status outside 100..999, a NaN, infinite or negative latency)."""
    rng = np.random.default_rng(7)
    start_ms, end_ms = (GRID.origin - 600) * 1000, (GRID.end + 600) * 1000
    ts = np.sort(rng.integers(start_ms, end_ms, count))
    ts[:50] = GRID.origin * 1000  # on the first edge
    ts[-50:] = GRID.end * 1000  # one past the last minute
    latency = np.round(rng.lognormal(3, 1.5, count), 3)  # milliseconds with three decimals
    latency[rng.random(count) < 0.01] = 300.0  # exactly the threshold
    latency[rng.random(count) < 0.01] = 12.5
    status = rng.choice([200, 200, 200, 201, 404, 429, 500, 503], count)
    status[rng.random(count) < 0.002] = 42  # not an HTTP status: the row is skipped
    component = rng.choice(["checkout", "search", "elsewhere"], count, p=[0.6, 0.3, 0.1])
    latency[:3] = [np.nan, np.inf, -1.0]  # rows the reader skips
    missing = rng.random(count) < 0.02
    return pa.table(
        {
            "ts_ms": pa.array(ts, pa.int64()),
            "component": pa.array(component),
            "status": pa.array(status, pa.int64()),
            "latency_ms": pa.array(latency, pa.float64(), mask=missing),
        }
    )


def folded_from_event_file(path: Path) -> MinuteState:
    """The event-file reader and the in-process fold for the counts; each event's latency put into
    its minute's bucket."""
    source = EventSource("events", (path,), None, COLUMNS, None, HERE)
    accumulator = Accumulator(GRID, COMPONENTS)
    chunks = list(
        read_events(source, [c.match for c in COMPONENTS], ReadReport("events"), block_bytes=1 << 16)
    )
    for chunk in chunks:
        accumulator.add(chunk)
    states = []
    for code, series in enumerate(accumulator.finish()):
        minute, seconds = per_minute_latencies(chunks, code)
        buckets = LatencyBuckets.of(minute, bucket_index(micros_of(seconds)), np.ones(minute.size, np.int64))
        states.append(ComponentMinutes(series.component.match, series.slis, buckets))
    return MinuteState(GRID, tuple(states))


def per_minute_latencies(chunks: list[EventColumns], code: int) -> tuple[np.ndarray, np.ndarray]:
    """(grid minute, seconds) of component `code`'s events in the grid that have a latency."""
    minute = np.concatenate([GRID.minute_of(c.timestamp) for c in chunks])
    seconds = np.concatenate([c.latency for c in chunks])
    mine = np.concatenate([c.component for c in chunks]) == code
    keep = mine & (minute >= 0) & (minute < GRID.minutes) & ~np.isnan(seconds)
    return minute[keep], seconds[keep]


def assert_same(found: MinuteState, expected: MinuteState) -> None:
    assert [c.match for c in found.components] == [c.match for c in expected.components]
    for mine, theirs in zip(found.components, expected.components, strict=True):
        assert mine.slis.keys() == theirs.slis.keys()
        for name, series in mine.slis.items():
            assert np.array_equal(series.total, theirs.slis[name].total), (mine.match, name, "total")
            assert np.array_equal(series.good, theirs.slis[name].good), (mine.match, name, "good")
        assert_same_buckets(mine.latency, theirs.latency)


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("events")
    table = events()
    half = table.num_rows // 2
    pq.write_table(table.slice(0, half), folder / "part-1.parquet")  # two files: a glob reads both
    pq.write_table(table.slice(half), folder / "part-2.parquet")
    pcsv.write_csv(table, folder / "events.csv")
    return {"csv": folder / "events.csv", "parquet": folder / "part-*.parquet"}


@pytest.fixture(scope="module")
def from_event_file(files: dict[str, Path]) -> MinuteState:
    return folded_from_event_file(files["csv"])


@pytest.mark.parametrize(
    ("dialect", "file_format"),
    [
        (DuckDbDialect(), "parquet"),
        (DuckDbDialect(), "csv"),
        (ClickHouseDialect(), "parquet"),
        (ClickHouseDialect(), "csv"),
    ],
    ids=["duckdb-parquet", "duckdb-csv", "chdb-parquet", "chdb-csv"],
)
def test_the_pushed_down_state_equals_the_event_file_fold(
    dialect: Dialect, file_format: str, files: dict[str, Path], from_event_file: MinuteState
) -> None:
    table = SqlTable((str(files[file_format]),), file_format, COLUMNS)
    found = read_minute_state(dialect, table, COMPONENTS, GRID)
    assert_same(found, from_event_file)


def test_the_example_is_not_trivial(from_event_file: MinuteState) -> None:
    checkout = from_event_file.components[0]
    assert checkout.slis["availability"].total.sum() > 30_000
    assert 0 < checkout.slis["snappy"].good.sum() < checkout.slis["snappy"].total.sum()
    assert checkout.slis["fast"].total.sum() < checkout.slis["availability"].total.sum()  # missing latencies
    assert checkout.latency.events.sum() == checkout.slis["fast"].total.sum()
    assert len(np.unique(checkout.latency.bucket)) > 100


def test_states_merge_by_adding_counts_and_buckets(from_event_file: MinuteState) -> None:
    doubled = from_event_file.merged(from_event_file)
    for once, twice in zip(from_event_file.components, doubled.components, strict=True):
        assert np.array_equal(twice.slis["availability"].good, 2 * once.slis["availability"].good)
        assert np.array_equal(twice.latency.bucket, once.latency.bucket)
        assert np.array_equal(twice.latency.events, 2 * once.latency.events)


def sql_config(folder: Path, engine: str, pattern: str, **columns: Any) -> Path:
    source = {
        "name": "lake",
        "type": "sql",
        "engine": engine,
        "paths": [pattern],
        "columns": sql_columns(**columns),
    }
    slis = [availability(), latency("300ms", name="fast")]
    services = [service("shop", component("checkout", source="lake", slis=slis))]
    return write_config(folder, *services, sources=[source])


@pytest.mark.parametrize("engine", ["duckdb", "chdb"])
def test_a_configured_sql_source_reads_like_the_event_file(
    engine: str, files: dict[str, Path], from_event_file: MinuteState, tmp_path: Path
) -> None:
    folder = files["parquet"].parent
    config = load_config(sql_config(folder, engine, "part-*.parquet"))
    source = config.source("lake")
    assert isinstance(source, SqlSource)
    assert source.format == "parquet" and [p.name for p in source.paths] == [
        "part-1.parquet",
        "part-2.parquet",
    ]
    checkout = list(config.index.components_reading["lake"])
    window_starts = (GRID.minutes - 1440, 17)
    found = read_sql_source(source, checkout, GRID, window_starts).components[0]
    expected = from_event_file.components[0]
    assert np.array_equal(found.slis["availability"].good, expected.slis["availability"].good)  # status < 500
    assert np.array_equal(found.slis["fast"].total, expected.slis["fast"].total)
    in_cells = SketchCells(GRID.minutes, window_starts)
    assert_same_buckets(found.latency, summed_per_cell(expected.latency, in_cells))
    assert found.latency.minute.size < expected.latency.minute.size  # summed: fewer rows


def summed_per_cell(buckets: LatencyBuckets, cells: SketchCells) -> LatencyBuckets:
    """Per-minute buckets summed per cell of the sketch, each cell at its first minute."""
    return LatencyBuckets.of(cell_first_minutes(buckets.minute, cells), buckets.bucket, buckets.events)


def cell_first_minutes(minute: np.ndarray, cells: SketchCells) -> np.ndarray:
    """As LatencyFold keeps them: a recent minute on its own, any other at its slot's first minute."""
    starts = slot_starts(cells.minutes, cells.window_starts)
    recent_from = cells.minutes - min(cells.recent_minutes, cells.minutes)
    return np.where(minute >= recent_from, minute, starts[slot_of(minute, starts)])


def assert_same_buckets(found: LatencyBuckets, expected: LatencyBuckets) -> None:
    for field in ("minute", "bucket", "events"):
        assert np.array_equal(getattr(found, field), getattr(expected, field)), field


@pytest.mark.parametrize("dialect", [DuckDbDialect(), ClickHouseDialect()], ids=lambda d: d.name)
@pytest.mark.parametrize(
    "cells",
    [
        SketchCells(GRID.minutes, (GRID.minutes - 1440, GRID.minutes - 61, 5, 0, -3, GRID.minutes)),
        SketchCells(2 * 1440 + 37, (1000,), recent_minutes=120),  # now inside an hour: parts split
        SketchCells(200, (), recent_minutes=360),  # every minute recent
    ],
    ids=["windows", "split-hours", "all-recent"],
)
def test_the_engine_puts_each_minute_in_the_sketch_cell_the_fold_does(
    dialect: Dialect, cells: SketchCells
) -> None:
    minutes = f"SELECT {dialect.to_bigint('number')} AS minute FROM numbers({cells.minutes})"
    if isinstance(dialect, DuckDbDialect):
        minutes = f"SELECT range AS minute FROM range({cells.minutes})"
    found = dialect.run(
        f"SELECT minute, {cells.first_minute('minute')} AS cell FROM ({minutes}) ORDER BY minute"
    )
    minute = np.asarray(found.column("minute").to_numpy(), np.int64)
    assert np.array_equal(minute, np.arange(cells.minutes))
    expected = cell_first_minutes(minute, cells)
    assert np.array_equal(np.asarray(found.column("cell").to_numpy(), np.int64), expected)
    assert 1 < len(np.unique(expected)) < cells.minutes or cells.recent_minutes >= cells.minutes


def test_a_sql_source_is_validated(tmp_path: Path) -> None:
    pq.write_table(events(100), tmp_path / "events.parquet")
    ok = sql_config(tmp_path, "duckdb", "events.parquet")
    assert CliRunner().invoke(app, ["validate", str(ok)]).exit_code == 0
    missing = load_problems(sql_config(tmp_path, "duckdb", "nothing-*.parquet"))
    assert "no file matches 'nothing-*.parquet'" in missing
    two_columns = load_problems(
        sql_config(tmp_path, "duckdb", "events.parquet", latency={"start": "ts_ms", "end": "ts_ms"})
    )
    assert "a sql source takes the latency from one column" in two_columns
    assert "engine" in load_problems(sql_config(tmp_path, "postgres", "events.parquet"))


def sli_artifact(config_path: Path, out: Path) -> dict[str, Any]:
    """The SLI stage's artifact of a run at the grid's end, without what names the inputs or the run."""
    config = load_config(config_path)
    options = pipeline.RunOptions(now=float(GRID.end), out_dir=out, until=Stage.SLI)
    artifact = pipeline.run(config, options).artifacts[Stage.SLI].to_json()
    return {
        key: value
        for key, value in artifact.items()
        if key not in ("inputs", "header", "run_id", "config_files")
    }


@pytest.mark.parametrize("engine", ["duckdb", "chdb"])
def test_a_run_from_a_sql_source_equals_the_run_from_the_event_file(
    engine: str, files: dict[str, Path], tmp_path: Path
) -> None:
    slis = [availability(), latency("300ms", name="fast")]
    slos = [slo("up", 99, window="1d"), slo("quick", 95, sli="fast", window="1d")]
    services = [service("shop", component("checkout", *slos, source="lake", slis=slis))]
    settings = {"history": "2d"}
    events_file = {
        "name": "lake",
        "type": "events",
        "paths": [str(files["csv"])],
        "columns": sql_columns(),
    }
    sql = {
        "name": "lake",
        "type": "sql",
        "engine": engine,
        "paths": [str(files["parquet"])],
        "columns": sql_columns(),
    }
    (tmp_path / "events").mkdir()
    (tmp_path / "sql").mkdir()
    from_file = sli_artifact(
        write_config(tmp_path / "events", *services, sources=[events_file], settings=settings),
        tmp_path / "out-events",
    )
    from_sql = sli_artifact(
        write_config(tmp_path / "sql", *services, sources=[sql], settings=settings), tmp_path / "out-sql"
    )
    assert from_sql == from_file
    assert '"p99_seconds"' in json.dumps(from_file) and '"by_status"' in json.dumps(from_file)


def sql_columns(**columns: Any) -> dict[str, Any]:
    return {
        "timestamp": {"column": "ts_ms", "format": "unix_ms"},
        "component": "component",
        "status": "status",
        "latency": {"column": "latency_ms", "unit": "ms"},
        **columns,
    }


def load_problems(path: Path) -> str:
    with pytest.raises(ReliabilityError) as raised:
        load_config(path)
    return str(raised.value)


@pytest.mark.parametrize("dialect", [DuckDbDialect(), ClickHouseDialect()], ids=lambda d: d.name)
def test_timestamps_of_a_timestamp_column_read_like_rfc3339_text(dialect: Dialect, tmp_path: Path) -> None:
    table = events(5000)
    micros = table.column("ts_ms").to_numpy() * 1000 + np.arange(table.num_rows) % 1000  # sub-millisecond
    stamps = pa.array(micros, pa.timestamp("us", tz="UTC"))
    text = pa.array([s.isoformat().replace("+00:00", "Z") for s in stamps.to_pylist()])
    pq.write_table(table.drop(["ts_ms"]).append_column("time", stamps), tmp_path / "events.parquet")
    pcsv.write_csv(table.drop(["ts_ms"]).append_column("time", text), tmp_path / "events.csv")
    columns = replace(COLUMNS, timestamp="time", timestamp_format=TimestampFormat.RFC3339)
    source = EventSource("events", (tmp_path / "events.csv",), None, columns, None, HERE)
    accumulator = Accumulator(GRID, COMPONENTS)
    chunks = list(read_events(source, [c.match for c in COMPONENTS], ReadReport("events")))
    for chunk in chunks:
        accumulator.add(chunk)
    expected = accumulator.finish()
    found = read_minute_state(
        dialect, SqlTable((str(tmp_path / "events.parquet"),), "parquet", columns), COMPONENTS, GRID
    )
    for code, (mine, theirs) in enumerate(zip(found.components, expected, strict=True)):
        assert np.array_equal(mine.slis["availability"].total, theirs.slis["availability"].total)
        assert mine.latency.events.sum() == per_minute_latencies(chunks, code)[0].size
    assert found.components[0].slis["availability"].total.sum() > 2000
