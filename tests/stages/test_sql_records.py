"""The engine counts what became of the rows as the event-file reader counts the same records: per
file, per skip reason, before the history, after the evaluation time, used; and --strict stops."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from support.configs import availability, component, latency, service, write_config
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config.model import (
    ColumnMapping,
    Component,
    EventSource,
    GoodRule,
    LatencyColumns,
    Origin,
    Sli,
    SliKind,
    TimestampFormat,
)
from reliability.core.accumulate import Accumulator
from reliability.core.grid import DAY, MinuteGrid
from reliability.errors import EXIT_BAD_INPUT, InputError
from reliability.telemetry.event_files import read_events
from reliability.telemetry.ingest import fold_events
from reliability.telemetry.report import ReadReport
from reliability.telemetry.sql.clickhouse_dialect import ClickHouseDialect
from reliability.telemetry.sql.dialect import Dialect
from reliability.telemetry.sql.duckdb_dialect import DuckDbDialect
from reliability.telemetry.sql.records import RecordCounts, read_record_counts
from reliability.telemetry.sql.table import SqlTable

pytest.importorskip("duckdb")
pytest.importorskip("chdb")

GRID = MinuteGrid(origin=20_000 * DAY, minutes=1440)
HERE = Origin("test", None)
COLUMNS = ColumnMapping(
    timestamp="ts_ms",
    timestamp_format=TimestampFormat.UNIX_MS,
    component="component",
    status="status",
    success="ok",
    latency=LatencyColumns(column="latency_ms", unit="ms"),
)
SLIS = (
    Sli("availability", SliKind.AVAILABILITY, good=GoodRule(status_below=500)),
    Sli("fast", SliKind.LATENCY, threshold_seconds=0.3),
)
COMPONENTS = [Component("shop", "checkout", "events", "checkout", SLIS, HERE)]
NAN, INF = float("nan"), float("inf")
# One row per kind of bad record, twice over where the first check decides (an unknown component
# with no timestamp is counted as an unknown component, as the reader's order has it).
BAD = [
    # (ts_ms offset, component, status, ok, latency_ms)
    (0.0, "elsewhere", 200.0, "true", 1.0),
    (0.0, None, 200.0, "true", 1.0),
    (None, "elsewhere", 200.0, "true", 1.0),
    (None, "checkout", 200.0, "true", 1.0),
    (NAN, "checkout", 200.0, "true", 1.0),
    (INF, "checkout", 200.0, "true", 1.0),
    (0.0, "checkout", None, "true", 1.0),
    (0.0, "checkout", 42.0, "true", 1.0),
    (0.0, "checkout", 200.5, None, 1.0),
    (0.0, "checkout", NAN, "true", 1.0),
    (0.0, "checkout", 200.0, None, 1.0),
    (0.0, "checkout", 200.0, "maybe", 1.0),
    (0.0, "checkout", 200.0, "true", NAN),
    (0.0, "checkout", 200.0, "true", -1.0),
    (0.0, "checkout", 200.0, "true", -INF),
    (0.0, "checkout", 200.0, "true", INF),
    (-3_600_000.0, "checkout", 200.0, "true", 1.0),  # before the history
    (DAY * 1000.0 + 1.0, "checkout", 200.0, "true", 1.0),  # after the evaluation time
]


def rows(count: int = 3000) -> pa.Table:
    """Good rows over the grid with the bad ones strewn among them, numbers typed as doubles."""
    rng = np.random.default_rng(11)
    ts = rng.uniform(0, DAY * 1000.0, count)
    status = rng.choice([200.0, 503.0], count)
    ok = rng.choice(["true", "false"], count).astype(object)
    latency_ms = np.round(rng.lognormal(3, 1, count), 3)
    component = np.array(["checkout"] * count, dtype=object)
    for n, (offset, name, code, flag, took) in enumerate(BAD):
        at = 7 + 97 * n
        ts[at] = np.nan if offset is None else offset
        component[at], ok[at], latency_ms[at] = name, flag, took
        status[at] = np.nan if code is None else code
    absent, no_status = np.zeros(count, bool), np.zeros(count, bool)
    absent[[7 + 97 * n for n, row in enumerate(BAD) if row[0] is None]] = True
    no_status[[7 + 97 * n for n, row in enumerate(BAD) if row[2] is None]] = True
    return pa.table(
        {
            "ts_ms": pa.array(ts + GRID.origin * 1000.0, pa.float64(), mask=absent),
            "component": pa.array(component.tolist(), pa.string()),
            "status": pa.array(status, pa.float64(), mask=no_status),
            "ok": pa.array(ok.tolist(), pa.string()),
            "latency_ms": pa.array(latency_ms, pa.float64()),
        }
    )


def text_rows() -> pa.Table:
    """The same rows as CSV text, with text where a number belongs."""
    table = rows()
    columns = {name: pc.cast(table.column(name), pa.string()) for name in table.column_names}
    for name, where, value in (("ts_ms", 3, "yesterday"), ("status", 4, "ok"), ("latency_ms", 5, "slow")):
        values = columns[name].to_pylist()
        values[where] = value
        columns[name] = pa.array(values, pa.string())
    return pa.table(columns)


def read_by_the_event_file_reader(path: Path) -> ReadReport:
    source = EventSource("events", (path,), None, COLUMNS, None, HERE)
    report = ReadReport("events")
    chunks = read_events(source, [c.match for c in COMPONENTS], report)
    fold_events(chunks, Accumulator(GRID, COMPONENTS), report, source, "unix_ms")
    return report


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("records")
    pq.write_table(rows(), folder / "events.parquet")
    pcsv.write_csv(text_rows(), folder / "events.csv")
    return {"parquet": folder / "events.parquet", "csv": folder / "events.csv"}


CASES = [
    (DuckDbDialect(), "parquet"),
    (DuckDbDialect(), "csv"),
    (ClickHouseDialect(), "parquet"),
    (ClickHouseDialect(), "csv"),
]
IDS = ["duckdb-parquet", "duckdb-csv", "chdb-parquet", "chdb-csv"]


def counted(dialect: Dialect, path: Path, file_format: str) -> RecordCounts:
    return read_record_counts(dialect, SqlTable((str(path),), file_format, COLUMNS), COMPONENTS, GRID)


@pytest.mark.parametrize(("dialect", "file_format"), CASES, ids=IDS)
def test_the_engine_counts_the_rows_as_the_event_file_reader(
    dialect: Dialect, file_format: str, files: dict[str, Path]
) -> None:
    expected = read_by_the_event_file_reader(files[file_format])
    found = ReadReport("events")
    counted(dialect, files[file_format], file_format).told(found)
    assert found.files == expected.files
    assert dict(found.skipped) == dict(expected.skipped)
    assert (found.before_history, found.after_now, found.used) == (
        expected.before_history,
        expected.after_now,
        expected.used,
    )


def test_every_reason_is_in_the_example(files: dict[str, Path]) -> None:
    report = read_by_the_event_file_reader(files["csv"])
    assert set(report.skipped) == {
        "unknown component",
        "missing timestamp",
        "invalid timestamp",
        "missing status",
        "invalid status",
        "missing success flag",
        "invalid success flag",
        "NaN latency",
        "negative latency",
        "invalid latency",
    }
    assert report.skipped["unknown component"] == 3 and report.skipped["invalid latency"] == 2
    assert report.before_history == report.after_now == 1


@pytest.mark.parametrize(("dialect", "file_format"), CASES, ids=IDS)
def test_examples_name_the_file_and_the_row_where_the_engine_can(
    dialect: Dialect, file_format: str, files: dict[str, Path]
) -> None:
    found = counted(dialect, files[file_format], file_format)
    assert {e.reason for e in found.examples} == set(found.skipped)
    assert {e.file for e in found.examples} == {str(files[file_format])}
    expected = read_by_the_event_file_reader(files[file_format]).examples
    if isinstance(dialect, DuckDbDialect) and file_format == "csv":
        # read_csv numbers no rows: no line, but each reason's first rows in file order.
        assert {e.line for e in found.examples} == {None}
        for reason in {e.reason for e in expected}:
            values = [e.value for e in expected if e.reason == reason]
            assert [e.value for e in found.examples if e.reason == reason][: len(values)] == values
        return
    first = min(found.examples, key=lambda e: e.line or 0)
    earliest = min(expected, key=lambda e: e.line or 0)  # the reader's examples go column by column
    assert (first.line, first.reason, first.field) == (
        earliest.line,
        earliest.reason,
        earliest.field,
    )


def lake_config(folder: Path, path: Path, **kind: str) -> Path:
    """A source `lake` of the file: `kind` says type (and engine, format)."""
    source = {
        "name": "lake",
        **kind,
        "paths": [str(path)],
        "columns": {
            "timestamp": {"column": "ts_ms", "format": "unix_ms"},
            "component": "component",
            "status": "status",
            "success": "ok",
            "latency": {"column": "latency_ms", "unit": "ms"},
        },
    }
    slis = [availability(), latency("300ms", name="fast")]
    services = [service("shop", component("checkout", source="lake", slis=slis))]
    folder.mkdir()
    return write_config(folder, *services, sources=[source], settings={"history": "1d"})


def run(config: Path, out: Path, *extra: str) -> tuple[int, str]:
    now = "2024-10-05T00:00:00Z"  # GRID.end
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out), "--now", now, *extra])
    return result.exit_code, result.output


def source_lines(output: str) -> list[str]:
    """The lines of the run's output about the source `lake`: its counts and examples."""
    lines = output.splitlines()
    first = next(n for n, line in enumerate(lines) if line.startswith("lake: "))
    return [lines[first]] + [line for line in lines[first + 1 :] if line.startswith("  ")]


@pytest.mark.parametrize("engine", ["duckdb", "chdb"])
def test_a_run_reports_the_rows_as_for_the_event_file(
    engine: str, files: dict[str, Path], tmp_path: Path
) -> None:
    path = files["parquet"]
    sql = lake_config(tmp_path / "sql", path, type="sql", engine=engine, format="parquet")
    events = lake_config(tmp_path / "events", path, type="events")
    code, from_sql = run(sql, tmp_path / "out-sql")
    assert code == 0, from_sql
    code, from_events = run(events, tmp_path / "out-events")
    assert code == 0, from_events
    assert source_lines(from_sql) == source_lines(from_events)
    assert "lake: 3,000 records, 2,983 used, 1 after the evaluation time, 16 skipped (" in from_sql
    assert f"{path}:8: unknown component in component: elsewhere" in from_sql  # an example, located


@pytest.mark.parametrize("engine", ["duckdb", "chdb"])
def test_strict_fails_a_run_at_a_row_the_engine_skipped(
    engine: str, files: dict[str, Path], tmp_path: Path
) -> None:
    config = lake_config(tmp_path / "sql", files["parquet"], type="sql", engine=engine, format="parquet")
    code, output = run(config, tmp_path / "out", "--strict")
    assert code == EXIT_BAD_INPUT, output
    assert f"{files['parquet']}:8" in output and "unknown component" in output and "--strict" in output


def test_strict_names_the_first_skipped_row(files: dict[str, Path]) -> None:
    found = counted(DuckDbDialect(), files["parquet"], "parquet")
    with pytest.raises(InputError) as raised:
        found.stop_at_a_skipped_row()
    assert raised.value.problems[0].line == 8  # the first bad row, counted from 1
    RecordCounts(used=5).stop_at_a_skipped_row()  # nothing skipped: nothing to stop at


def test_strict_names_the_first_skipped_row_where_lines_are_unknown(files: dict[str, Path]) -> None:
    table = SqlTable((str(files["csv"]),), "csv", COLUMNS)
    found = read_record_counts(DuckDbDialect(), table, COMPONENTS, GRID, strict=True)
    with pytest.raises(InputError) as raised:
        found.stop_at_a_skipped_row()
    expected = min(read_by_the_event_file_reader(files["csv"]).examples, key=lambda e: e.line or 0)
    problem = raised.value.problems[0]
    assert (problem.line, problem.field) == (None, expected.field)
    assert problem.message.startswith(f"{expected.reason} ({expected.value!r})")
    assert f"{files['csv']}: {expected.field}: {expected.reason}" in str(raised.value)


def test_a_run_names_a_csv_row_duckdb_skipped_by_its_file(files: dict[str, Path], tmp_path: Path) -> None:
    config = lake_config(tmp_path / "sql", files["csv"], type="sql", format="csv")
    code, output = run(config, tmp_path / "out")
    assert code == 0, output  # no line 0 in the artifact: the line is null
    assert f"  {files['csv']}: unknown component in component: elsewhere" in output
    examples = json.loads((tmp_path / "out" / "sli-metrics.json").read_text())["inputs"][0][
        "skipped_examples"
    ]
    assert {e["line"] for e in examples} == {None}


def test_a_sql_source_whose_rows_are_all_skipped_fails_as_an_event_file(tmp_path: Path) -> None:
    table = rows()
    pq.write_table(
        table.set_column(1, "component", pa.array(["elsewhere"] * table.num_rows)), tmp_path / "other.parquet"
    )
    config = lake_config(tmp_path / "sql", tmp_path / "other.parquet", type="sql", format="parquet")
    code, output = run(config, tmp_path / "out")
    assert code == EXIT_BAD_INPUT
    assert "all 3,000 records were skipped (unknown component: 3,000)" in output


def test_a_sql_source_leaves_records_out_of_order_uncounted(files: dict[str, Path], tmp_path: Path) -> None:
    config = lake_config(tmp_path / "sql", files["parquet"], type="sql", format="parquet")
    code, output = run(config, tmp_path / "out", "--format", "json")
    assert code == 0, output
    artifact = json.loads((tmp_path / "out" / "sli-metrics.json").read_text())
    assert artifact["inputs"][0]["out_of_order"] is None  # the engine does not count it: not 0
    assert '"out_of_order_total": null' in output
