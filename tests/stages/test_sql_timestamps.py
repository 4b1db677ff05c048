"""A `sql` source reads timestamps as the event-file reader reads them: the same RFC 3339 text is
used or invalid, timestamp types without a zone are UTC, and every time is the same epoch value,
whatever the engine, the file format or the machine's time zone."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from reliability.config.model import (
    ColumnMapping,
    Component,
    EventSource,
    GoodRule,
    Origin,
    Sli,
    SliKind,
    TimestampFormat,
)
from reliability.core.accumulate import Accumulator
from reliability.core.grid import MinuteGrid
from reliability.telemetry import convert
from reliability.telemetry.event_files import read_events
from reliability.telemetry.ingest import fold_events
from reliability.telemetry.report import ReadReport
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.records import read_record_counts
from reliability.telemetry.sql.table import SqlTable

pytest.importorskip("duckdb")
pytest.importorskip("chdb")

TEXTS = [
    "2026-11-04T10:00:00Z",
    "2026-11-04 10:00:00Z",
    "2026-11-04T10:00:00+14:00",
    "2026-11-04T10:00:00-00:00",
    "2026-11-04T10:00:00+23:59",
    "2026-11-04T10:00:00-23:59",
    "2026-11-04T10:00:00.5+01:30",
    "2026-11-04T10:00:00.000001Z",
    "2026-11-04T10:00:00.123456789Z",  # cut to microseconds, not rounded
    "1969-12-31T23:59:59.999999Z",
    "1969-12-31T23:59:59.5Z",
    " 2026-11-04T10:00:00Z ",
    "0000-01-01T00:00:00Z",
    "0000-01-01T00:00:00+01:00",
    "0000-02-29T00:00:00Z",
    "0001-01-01T00:00:00Z",
    "1677-09-21T00:12:43Z",
    "1900-01-01T00:00:00Z",
    "2262-04-11T23:47:17Z",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-01:00",
    "2024-02-29T10:00:00Z",
    "2000-02-29T10:00:00Z",
    # invalid for the event-file reader
    "10000-01-01T00:00:00Z",
    "2026-11-04T10:00:00",
    "2026-11-04 10:00:00",
    "2026-11-04",
    "20261104T100000Z",
    "2026-11-31T10:00:00Z",
    "2026-02-29T10:00:00Z",
    "1900-02-29T10:00:00Z",
    "2026-13-04T10:00:00Z",
    "2026-00-04T10:00:00Z",
    "2026-11-00T10:00:00Z",
    "2026-11-04T24:00:00Z",
    "2026-11-04T25:00:00Z",
    "2026-11-04T10:60:00Z",
    "2026-11-04T10:00:60Z",
    "2026-11-04T10:00:00+24:00",
    "2026-11-04T10:00:00+99:00",
    "2026-11-04T10:00:00+10:60",
    "2026-11-04T10:00:00+0100",
    "2026-11-04T10:00:00.1234567891Z",
    "2026-11-04T10:00:00.Z",
    "2026-11-04t10:00:00z",
    "yesterday",
]
INVALID_FROM = TEXTS.index("10000-01-01T00:00:00Z")
STAMPS = [dt.datetime(2026, 11, 4, 23, 30, 0, 123456), dt.datetime(1960, 1, 1), dt.datetime(2026, 11, 5)]
TYPED = {  # Parquet columns of timestamp types (and two others, which the reader finds invalid)
    "us": pa.array(STAMPS, pa.timestamp("us")),
    "ms": pa.array(STAMPS, pa.timestamp("ms")),
    "us-utc": pa.array(STAMPS, pa.timestamp("us", "UTC")),
    "us-berlin": pa.array(STAMPS, pa.timestamp("us", "Europe/Berlin")),
    # nanoseconds cut to microseconds from below, as the reader cuts them (-1 ns is -1 us)
    "ns": pa.array([1793786400123456789, -1500000001, -1, 0], pa.timestamp("ns")),
    "ns-utc": pa.array([1793786400123456789, -1500000001, -1, 1], pa.timestamp("ns", "UTC")),
    "date": pa.array([s.date() for s in STAMPS], pa.date32()),
    "integer": pa.array([1, 2, 3]),
}
ENGINES = {"duckdb": DuckDbDialect(), "chdb": ClickHouseDialect()}
# Each text on its own in a CSV too: an engine that infers types from a column of times alone
# must still read the text (date-only text in DuckDB, text without an offset in ClickHouse).
LONE = ["2026-11-04T10:00:00", "2026-11-04 10:00:00", "2026-11-04", "2026-11-04T10:00:00.1234567Z"]


def files(folder: Path) -> dict[str, tuple[str, list[Path]]]:
    """Name -> (format, files) of every case; the texts as Parquet strings and as CSV."""
    folder.mkdir(parents=True, exist_ok=True)
    found: dict[str, tuple[str, list[Path]]] = {}
    pq.write_table(pa.table({"ts": pa.array(TEXTS)}), folder / "texts.parquet")
    found["texts.parquet"] = ("parquet", [folder / "texts.parquet"])
    pcsv.write_csv(pa.table({"ts": pa.array(TEXTS)}), folder / "texts.csv")
    found["texts.csv"] = ("csv", [folder / "texts.csv"])
    for number, text in enumerate(LONE):
        path = folder / f"lone-{number}.csv"
        path.write_text(f"ts\n{text}\n{text}\n")
        found[path.name] = ("csv", [path])
    # Two patterns, one read each (a chDB read's settings must hold in a UNION ALL too).
    found["two.csv"] = ("csv", [folder / "lone-0.csv", folder / "lone-2.csv"])
    for name, array in TYPED.items():
        pq.write_table(pa.table({"ts": array}), folder / f"{name}.parquet")
        found[f"{name}.parquet"] = ("parquet", [folder / f"{name}.parquet"])
    return found


def engine_seconds(dialect: Dialect, file_format: str, paths: list[Path]) -> list[float | None]:
    """Each row's epoch seconds as the engine reads the column `ts`; None where invalid."""
    seconds = dialect.rfc3339_seconds('"ts"')
    scan = dialect.scan([str(p) for p in paths], file_format)
    found: list[float | None] = dialect.run(f"SELECT {seconds} AS s FROM {scan}").column("s").to_pylist()
    return found


def reader_seconds(file_format: str, paths: list[Path]) -> list[float | None]:
    """As the event-file reader converts the column: CSV fields are text, Parquet keeps its types."""
    if file_format == "csv":
        options = pcsv.ConvertOptions(column_types={"ts": pa.string()})
        column = pa.concat_tables([pcsv.read_csv(p, convert_options=options) for p in paths]).column("ts")
    else:
        column = pa.concat_tables([pq.read_table(p) for p in paths]).column("ts")
    converted = convert.to_epoch_seconds(column.combine_chunks(), "rfc3339")
    return [None if bad else float(v) for v, bad in zip(converted.values, converted.invalid, strict=True)]


@pytest.fixture(scope="module")
def cases(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, list[Path]]]:
    return files(tmp_path_factory.mktemp("timestamps"))


def test_the_texts_split_as_the_event_reader_splits_them(cases: dict[str, tuple[str, list[Path]]]) -> None:
    seconds = reader_seconds(*cases["texts.csv"])
    assert [s is not None for s in seconds] == [n < INVALID_FROM for n in range(len(TEXTS))]
    assert seconds[TEXTS.index("2026-11-04T10:00:00.123456789Z")] == 1793786400.123456


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "case", ["texts.csv", "texts.parquet", "two.csv", *(f"lone-{n}.csv" for n in range(len(LONE)))]
)
def test_the_engine_reads_timestamp_text_as_the_event_reader(
    engine: str, case: str, cases: dict[str, tuple[str, list[Path]]]
) -> None:
    assert engine_seconds(ENGINES[engine], *cases[case]) == reader_seconds(*cases[case])


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", [f"{name}.parquet" for name in TYPED])
def test_the_engine_reads_timestamp_types_as_the_event_reader(
    engine: str, case: str, cases: dict[str, tuple[str, list[Path]]]
) -> None:
    expected = reader_seconds(*cases[case])
    assert engine_seconds(ENGINES[engine], *cases[case]) == expected
    if case == "us.parquet":  # a timestamp without a zone is UTC
        assert expected[0] == dt.datetime(2026, 11, 4, 23, 30, 0, 123456, dt.UTC).timestamp()


def every_engines_seconds(
    named: dict[str, tuple[str, list[str]]],
) -> dict[str, dict[str, list[float | None]]]:
    """Engine -> case -> the seconds the engine reads (in a child process, of another time zone)."""
    return {
        engine: {
            name: engine_seconds(dialect, fmt, [Path(p) for p in paths])
            for name, (fmt, paths) in named.items()
        }
        for engine, dialect in ENGINES.items()
    }


_IN_A_CHILD = """
import json, sys
sys.path.insert(0, sys.argv[1])
import test_sql_timestamps
print(json.dumps(test_sql_timestamps.every_engines_seconds(json.loads(sys.argv[2]))))
"""


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Kolkata"])
def test_the_machines_time_zone_moves_no_event(zone: str, cases: dict[str, tuple[str, list[Path]]]) -> None:
    named = {name: (fmt, [str(p) for p in paths]) for name, (fmt, paths) in cases.items()}
    env = {**os.environ, "TZ": zone}
    answer = subprocess.run(
        [sys.executable, "-c", _IN_A_CHILD, str(Path(__file__).parent), json.dumps(named)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    found = json.loads(answer.stdout)
    for engine in ENGINES:
        for name, (fmt, paths) in cases.items():
            assert found[engine][name] == reader_seconds(fmt, paths), (engine, name, zone)


GRID = MinuteGrid(origin=int(dt.datetime(2026, 11, 1, tzinfo=dt.UTC).timestamp()), minutes=7 * 1440)
HERE = Origin("test", None)
COLUMNS = ColumnMapping(timestamp="ts", timestamp_format=TimestampFormat.RFC3339, status="status")
COMPONENTS = [
    Component(
        "shop",
        "checkout",
        "events",
        "checkout",
        (Sli("ok", SliKind.AVAILABILITY, GoodRule(status_below=500)),),
        HERE,
    )
]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_the_engine_counts_used_and_invalid_rows_as_the_event_reader(
    engine: str, file_format: str, tmp_path: Path
) -> None:
    path = tmp_path / f"events.{file_format}"
    table = pa.table({"ts": pa.array(TEXTS), "status": pa.array([200] * len(TEXTS))})
    pq.write_table(table, path) if file_format == "parquet" else pcsv.write_csv(table, path)
    expected = ReadReport("events")
    source = EventSource("events", (path,), None, COLUMNS, None, HERE)
    chunks = read_events(source, ["checkout"], expected)
    fold_events(chunks, Accumulator(GRID, COMPONENTS), expected, source, "rfc3339")
    found = ReadReport("events")
    table_of = SqlTable((str(path),), file_format, COLUMNS)
    read_record_counts(ENGINES[engine], table_of, COMPONENTS, GRID).told(found)
    assert dict(found.skipped) == dict(expected.skipped) == {"invalid timestamp": len(TEXTS) - INVALID_FROM}
    assert (found.before_history, found.after_now, found.used) == (
        expected.before_history,
        expected.after_now,
        expected.used,
    )
    assert expected.used > 0 and expected.before_history > 0 and expected.after_now > 0
