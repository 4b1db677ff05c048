"""A sql source's files the engine cannot read as configured fail the run as event files do: exit 3,
naming the file (and column where one is missing), never an internal error."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest
from test_sql_records import lake_config, rows, run

from reliability.errors import EXIT_BAD_INPUT

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
    assert f"{tmp_path / 'empty.csv'}:1: ts_ms: missing column(s)" in output
