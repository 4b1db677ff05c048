"""A sql source's files the engine cannot read as configured fail the run as event files do: exit 3,
naming the file (and column where one is missing), never an internal error."""

from __future__ import annotations

from pathlib import Path

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from test_sql_records import COLUMNS, COMPONENTS, GRID, lake_config, read_by_the_event_file_reader, rows, run

from reliability.config.model import Origin, SqlSource
from reliability.errors import EXIT_BAD_INPUT, EXIT_FAILURE, ReliabilityError
from reliability.telemetry.report import ReadReport
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect, EngineError
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.failures import engine_failures
from reliability.telemetry.sql.records import read_record_counts
from reliability.telemetry.sql.table import SqlTable

pytest.importorskip("duckdb")
pytest.importorskip("chdb")

ENGINES = ["duckdb", "chdb"]


def sql_run(tmp_path: Path, engine: str, pattern: Path, file_format: str) -> tuple[int, str]:
    config = lake_config(tmp_path / "sql", pattern, type="sql", engine=engine, format=file_format)
    return run(config, tmp_path / "out")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_lake_file_without_a_mapped_column_fails_naming_it(engine: str, tmp_path: Path) -> None:
    lake = tmp_path / "lake"
    lake.mkdir()
    table = rows()
    pq.write_table(table, lake / "a.parquet")
    pq.write_table(table.drop_columns(["latency_ms"]), lake / "b.parquet")
    code, output = sql_run(tmp_path, engine, lake / "*.parquet", "parquet")
    assert code == EXIT_BAD_INPUT, output
    assert f"{lake / 'b.parquet'}: latency_ms: missing column(s) 'latency_ms'" in output


@pytest.mark.parametrize("engine", ENGINES)
def test_an_empty_csv_fails_naming_it(engine: str, tmp_path: Path) -> None:
    (tmp_path / "empty.csv").write_bytes(b"")
    code, output = sql_run(tmp_path, engine, tmp_path / "empty.csv", "csv")
    assert code == EXIT_BAD_INPUT, output
    assert f"{tmp_path / 'empty.csv'}: the file is empty: no header to read" in output


@pytest.mark.parametrize("engine", ENGINES)
def test_a_csv_row_of_the_wrong_width_fails_naming_the_source_and_file(engine: str, tmp_path: Path) -> None:
    path = tmp_path / "short.csv"
    pcsv.write_csv(rows(), path)
    with path.open("a") as csv:
        csv.write("1,checkout,200\n")
    code, output = sql_run(tmp_path, engine, path, "csv")
    assert code == EXIT_BAD_INPUT, output
    assert "internal error" not in output
    assert f"source 'lake': {engine} could not read {path}: " in output


@pytest.mark.parametrize("dialect", [DuckDbDialect(), ClickHouseDialect()], ids=ENGINES)
def test_text_in_a_number_column_past_the_engine_s_sample_is_a_skipped_row(
    dialect: Dialect, tmp_path: Path
) -> None:
    path = tmp_path / "late.csv"
    pcsv.write_csv(rows(30_000), path)  # numbers unquoted, as the engines infer them
    with path.open("a") as csv:
        csv.write(f'{GRID.origin * 1000.0 + 60_000.0},"checkout",oops,"true",5.0\n')
    expected = read_by_the_event_file_reader(path)
    found = ReadReport("events")
    read_record_counts(dialect, SqlTable((str(path),), "csv", COLUMNS), COMPONENTS, GRID).told(found)
    assert found.skipped["invalid status"] == expected.skipped["invalid status"]
    assert dict(found.skipped) == dict(expected.skipped)


def test_an_engine_failure_not_of_the_input_exits_1(tmp_path: Path) -> None:
    source = SqlSource(
        "lake", "duckdb", ("s3://bucket/*.parquet",), (), "parquet", COLUMNS, Origin("c.yaml", 3)
    )
    with pytest.raises(ReliabilityError) as raised, engine_failures(source):
        raise EngineError("Failed to download extension\nhttpfs", bad_input=False)
    assert raised.value.exit_code == EXIT_FAILURE
    assert str(raised.value) == (
        "c.yaml:3: source 'lake': duckdb could not read s3://bucket/*.parquet: "
        "Failed to download extension httpfs"
    )


def test_duckdb_tells_a_file_it_cannot_open_from_bad_input() -> None:
    with pytest.raises(EngineError) as raised:
        DuckDbDialect().run("SELECT * FROM read_csv('/nonexistent/nowhere.csv')")
    assert not raised.value.bad_input  # a file it cannot open: an IOException
    with pytest.raises(EngineError) as raised:
        DuckDbDialect().run("SELECT CAST('x' AS INTEGER)")
    assert raised.value.bad_input
