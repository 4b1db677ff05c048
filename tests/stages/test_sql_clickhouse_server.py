"""Engine `clickhouse`: the same ClickHouse SQL sent through clickhouse-connect, to chDB's tables in
process (`chdb:///path`) and over ClickHouse's HTTP interface (tests/support/chdb_http.py, chDB
behind a local endpoint), reads a table of the event-file tests' rows as the event-file reader does."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from support.configs import availability, component, latency, service, slo, write_config
from test_sql_source import (
    COLUMNS,
    COMPONENTS,
    GRID,
    HERE,
    assert_same,
    events,
    folded_from_event_file,
    sli_artifact,
    sql_columns,
)
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.config.model import EventSource, SqlServer, SqlSource
from reliability.core.accumulate import Accumulator
from reliability.errors import ReliabilityError
from reliability.ledger import InputFile, input_files
from reliability.telemetry.event_files import read_events
from reliability.telemetry.ingest import fold_events
from reliability.telemetry.report import ReadReport
from reliability.telemetry.sql.source import engine_of, read_minute_state, read_sql_records, read_sql_source
from reliability.telemetry.sql.state import MinuteState
from reliability.telemetry.sql.table import SqlTable, clickhouse_identifier

chdb_session = pytest.importorskip("chdb.session")
pytest.importorskip("clickhouse_connect")

PASSWORD = "s3cret-'pass\"word"  # quotes, so a password is never pasted into SQL or a URL unescaped
PASSWORD_ENV = "RELIABILITY_TEST_CLICKHOUSE_PASSWORD"
ODD_DATABASE, ODD_TABLE = "shop`s \\db", 'events "v2"'  # names that only quoting keeps whole


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Path, Path]]:
    """(a chDB session holding the rows in MergeTree tables, its folder, the rows as a CSV event
    file); the session is closed after the module, as chDB serves one folder at a time."""
    folder = tmp_path_factory.mktemp("clickhouse")
    rows = events()
    pq.write_table(rows, folder / "events.parquet")
    pcsv.write_csv(rows, folder / "events.csv")
    session = chdb_session.Session(str(folder / "db"))
    schema = "(ts_ms Int64, component String, status Int64, latency_ms Nullable(Float64))"
    odd = f"{clickhouse_identifier(ODD_DATABASE)}.{clickhouse_identifier(ODD_TABLE)}"
    session.query(f"CREATE DATABASE {clickhouse_identifier(ODD_DATABASE)}")
    for table in ("events", odd):
        session.query(f"CREATE TABLE {table} {schema} ENGINE = MergeTree ORDER BY ts_ms")
        session.query(f"INSERT INTO {table} SELECT * FROM file('{folder / 'events.parquet'}', Parquet)")
    try:
        yield session, folder / "db", folder / "events.csv"
    finally:
        session.close()


@pytest.fixture(scope="module")
def from_event_file(lake: tuple[Any, Path, Path]) -> MinuteState:
    return folded_from_event_file(lake[2])


def table_source(url: str, table: str = "events", **server: Any) -> SqlSource:
    return SqlSource("lake", "clickhouse", (), (), "parquet", COLUMNS, HERE, table, SqlServer(url, **server))


@pytest.mark.parametrize("table", ["events", f"{ODD_DATABASE}.{ODD_TABLE}"], ids=["events", "quoted"])
def test_a_table_read_through_clickhouse_connect_equals_the_event_file(
    table: str, lake: tuple[Any, Path, Path], from_event_file: MinuteState
) -> None:
    source = table_source(f"chdb://{lake[1]}", table)
    with engine_of(source) as engine:  # per minute, as the event-file fold keeps them
        found = read_minute_state(engine, SqlTable.of(source), COMPONENTS, GRID)
    assert_same(found, from_event_file)


def test_a_tables_rows_are_counted_under_its_name(lake: tuple[Any, Path, Path]) -> None:
    source = EventSource("events", (lake[2],), None, COLUMNS, None, HERE)
    expected = ReadReport("events")
    chunks = read_events(source, [c.match for c in COMPONENTS], expected)
    fold_events(chunks, Accumulator(GRID, COMPONENTS), expected, source, "unix_ms")
    found = ReadReport("events")
    read_sql_records(table_source(f"chdb://{lake[1]}"), COMPONENTS, GRID).told(found)
    assert found.files == {"events": expected.files[str(lake[2])]}  # the table stands for the file
    assert found.skipped == expected.skipped and found.skipped
    assert (found.before_history, found.after_now, found.used) == (
        expected.before_history,
        expected.after_now,
        expected.used,
    )
    shown = {(e.file, e.line) for e in found.examples}
    assert shown == {("events", None)}  # a table's rows have no line


def http_config(folder: Path, url: str, **server: Any) -> Path:
    source = {"name": "lake", "type": "sql", "engine": "clickhouse", "url": url, "table": "events"}
    source |= {"user": "reader", "password_env": PASSWORD_ENV, **server, "columns": sql_columns()}
    slis = [availability(), latency("300ms", name="fast")]
    slos = [slo("up", 99, window="1d"), slo("quick", 95, sli="fast", window="1d")]
    services = [service("shop", component("checkout", *slos, source="lake", slis=slis))]
    folder.mkdir()
    return write_config(folder, *services, sources=[source], settings={"history": "2d"})


def test_a_run_over_clickhouses_http_interface_equals_the_run_from_the_event_file(
    lake: tuple[Any, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.chdb_http import chdb_http

    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    events_source = {"name": "lake", "type": "events", "paths": [str(lake[2])], "columns": sql_columns()}
    slis = [availability(), latency("300ms", name="fast")]
    slos = [slo("up", 99, window="1d"), slo("quick", 95, sli="fast", window="1d")]
    services = [service("shop", component("checkout", *slos, source="lake", slis=slis))]
    (tmp_path / "events").mkdir()
    from_file = sli_artifact(
        write_config(tmp_path / "events", *services, sources=[events_source], settings={"history": "2d"}),
        tmp_path / "out-events",
    )
    with chdb_http(lake[0], "reader", PASSWORD) as endpoint:
        config = http_config(tmp_path / "http", endpoint.url)
        from_http = sli_artifact(config, tmp_path / "out-http")
        result = CliRunner().invoke(app, ["run", str(config), "--out", str(tmp_path / "cli")])
    assert from_http == from_file
    assert result.exit_code == 0, result.output
    assert "lake: 60,000 records" in result.output  # the table's rows, counted by the server
    assert "SELECT version(), timezone()" in endpoint.queries  # the client's handshake, answered
    assert any("FROM `events`" in query and query.endswith("FORMAT Arrow") for query in endpoint.queries)
    written = [p.read_bytes() for p in (tmp_path / "cli").rglob("*") if p.is_file()]
    assert written and not any(PASSWORD.encode() in data for data in written)


def run_failing(config: Path, out: Path) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["run", str(config), "--out", str(out)])
    return result.exit_code, result.output + str(result.exception or "")


def test_a_wrong_password_fails_the_run_with_the_servers_message(
    lake: tuple[Any, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from support.chdb_http import chdb_http

    monkeypatch.setenv(PASSWORD_ENV, "not-" + PASSWORD)
    with chdb_http(lake[0], "reader", PASSWORD) as endpoint:
        code, output = run_failing(http_config(tmp_path / "wrong", endpoint.url), tmp_path / "out")
    assert code == 1, output
    assert f"source lake: ClickHouse at {endpoint.url}" in output
    assert "reader: Authentication failed" in output
    assert PASSWORD not in output


def test_an_unreachable_server_fails_the_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    with socket.socket() as closed:  # a port nothing listens on once the socket is closed
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}"
    code, output = run_failing(http_config(tmp_path / "gone", url), tmp_path / "out")
    assert code == 1, output
    assert f"source lake: ClickHouse at {url}" in output and PASSWORD not in output


def test_an_unset_password_variable_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    source = table_source("http://127.0.0.1:9", password_env=PASSWORD_ENV)
    with pytest.raises(ReliabilityError, match=f"environment variable {PASSWORD_ENV} is not set"):
        read_sql_source(source, COMPONENTS, GRID)


def config_problems(tmp_path: Path, **source: Any) -> str:
    raw = {"name": "lake", "type": "sql", **source, "columns": sql_columns()}
    services = [service("shop", component("checkout", source="lake", slis=[availability()]))]
    path = write_config(tmp_path, *services, sources=[raw])
    with pytest.raises(ReliabilityError) as raised:
        load_config(path)
    return str(raised.value)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ({"engine": "clickhouse", "url": "http://h:8123"}, "engine clickhouse needs `table`"),
        ({"engine": "clickhouse", "table": "events"}, "engine clickhouse needs `url`"),
        (
            {"engine": "clickhouse", "url": "http://u:pw@h:8123", "table": "t"},
            "url: no user or password in the URL",
        ),
        ({"engine": "clickhouse", "url": "ftp://h", "table": "t"}, "url"),
        ({"engine": "clickhouse", "url": "http://h", "table": "a.b.c"}, "table: a table is `name` or"),
        (
            {"engine": "clickhouse", "url": "http://h", "table": "t", "paths": ["x.parquet"]},
            "paths: engine clickhouse reads a table on the server",
        ),
        ({"engine": "chdb", "paths": ["x.parquet"], "table": "t"}, "table: engine chdb reads files"),
        ({"engine": "duckdb"}, "engine duckdb needs `paths`"),
    ],
)
def test_a_clickhouse_source_is_validated(tmp_path: Path, source: dict[str, Any], expected: str) -> None:
    (tmp_path / "x.parquet").write_bytes(b"")
    problems = config_problems(tmp_path, **source)
    assert expected in problems
    assert f"{tmp_path / 'config.yaml'}:" in problems  # located in the file
    assert "pw" not in problems.replace("password", "")


def test_a_valid_clickhouse_source_loads(tmp_path: Path) -> None:
    path = http_config(tmp_path / "ok", "https://clickhouse.example:8443/", user="slo", table="db.events")
    source = load_config(path).source("lake")
    assert isinstance(source, SqlSource)
    assert source.table == "db.events" and source.paths == () and source.patterns == ()
    assert source.server == SqlServer("https://clickhouse.example:8443", "slo", PASSWORD_ENV)
    assert input_files(load_config(path)) == [InputFile("lake", "https://clickhouse.example:8443 db.events")]
