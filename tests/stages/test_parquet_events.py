"""Parquet event files: the same events, checks and located skips as CSV, and located type errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest
from support.configs import availability, component, events_source, latency, service, slo, write_config
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config.model import ColumnMapping, EventSource, LatencyColumns, Origin, TimestampFormat
from reliability.core.events import EventColumns
from reliability.errors import InputError
from reliability.telemetry import parquet_files
from reliability.telemetry.event_files import read_events
from reliability.telemetry.report import ReadReport

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
NOW = "2024-01-02T00:00:00Z"


def source(path: Path, fmt: str | None = None, **columns: Any) -> EventSource:
    columns.setdefault("timestamp", "ts")
    columns.setdefault("timestamp_format", TimestampFormat.UNIX_S)
    return EventSource("test", (path,), fmt, ColumnMapping(**columns), None, Origin(str(path), 1))


def read(src: EventSource, match: tuple[str, ...] = ("catalog", "search")) -> tuple[EventColumns, ReadReport]:
    report = ReadReport(src.name)
    chunks = list(read_events(src, list(match), report))
    names = [f.name for f in dataclasses.fields(EventColumns)]
    events = EventColumns(*(np.concatenate([getattr(c, n) for c in chunks]) for n in names))
    return events, report


def typed_rows() -> pa.Table:
    return pa.table(
        {
            "ts": pa.array([T0, T0 + 60, None, T0 + 180, T0 + 240], pa.int64()),
            "component": pa.array(["catalog", "search", "catalog", "nowhere", "catalog"]).dictionary_encode(),
            "status": pa.array([200, 503, 200, 200, 1000], pa.int16()),
            "latency_ms": pa.array([12.5, 40.0, 1.0, 2.0, -3.0]),
        }
    )


def test_typed_columns_are_read_and_bad_rows_skipped_with_their_row(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(typed_rows(), path, row_group_size=2)
    events, report = read(
        source(path, component="component", status="status", latency=LatencyColumns("latency_ms", unit="ms"))
    )
    assert events.timestamp.tolist() == [T0, T0 + 60]
    assert events.component.tolist() == [0, 1]
    assert events.status.tolist() == [200, 503]
    assert events.latency.tolist() == pytest.approx([0.0125, 0.04])
    assert report.files == {str(path): 5}
    assert report.skipped == {"missing timestamp": 1, "unknown component": 1, "invalid status": 1}
    assert sorted((e.line, e.reason, e.value) for e in report.examples) == [
        (3, "missing timestamp", "(empty)"),
        (4, "unknown component", "nowhere"),
        (5, "invalid status", "1000"),
    ]


def test_integer_columns_are_range_checked_and_nulls_counted_as_in_text(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    rows = pa.table(
        {
            "ts": pa.array([T0, T0 + 60, T0 + 120, T0 + 180, T0 + 240, T0 + 300], pa.int64()),
            "status": pa.array([200, None, 99, 2**60, 503, 200], pa.int64()),
            "latency_ms": pa.array([12, 40, 1, 2, None, -3], pa.int32()),
        }
    )
    pq.write_table(rows, path)
    events, report = read(
        source(path, status="status", latency=LatencyColumns("latency_ms", unit="ms")), ("",)
    )
    assert events.timestamp.tolist() == [T0, T0 + 240]
    assert events.status.tolist() == [200, 503]
    assert events.latency[0] == 12 * 1e-3  # the same double as from the text "12"
    assert np.isnan(events.latency[1])  # no latency: the event still counts for availability
    assert report.skipped == {"missing status": 1, "invalid status": 2, "negative latency": 1}
    assert sorted((e.line, e.reason, e.value) for e in report.examples) == [
        (2, "missing status", "(empty)"),
        (3, "invalid status", "99"),
        (4, "invalid status", str(2**60)),
        (6, "negative latency", "-3"),
    ]


def test_integers_past_2_53_are_read_as_the_nearest_double_as_from_text(tmp_path: Path) -> None:
    # Arrow's safe cast refuses them; one such value must not fail the file, and the grid's checks
    # (before the history, after the evaluation time) then count the row as for any far timestamp.
    rows = pa.table(
        {
            "ts": pa.array([T0, 2**60, -(2**60), T0 + 60], pa.int64()),
            "latency_ms": pa.array([1, 2**62 + 1, 3, 4], pa.int64()),
        }
    )
    pq.write_table(rows, tmp_path / "events.parquet")
    pcsv.write_csv(rows, tmp_path / "events.csv")
    mapping = {"latency": LatencyColumns("latency_ms", unit="ms")}
    from_parquet, report = read(source(tmp_path / "events.parquet", **mapping), ("",))
    from_csv, _ = read(source(tmp_path / "events.csv", **mapping), ("",))
    assert from_parquet.timestamp.tolist() == [T0, float(2**60), -float(2**60), T0 + 60]
    assert from_parquet.latency.tolist() == [0.001, float(2**62) / 1000, 0.003, 0.004]
    assert from_csv.timestamp.tolist() == from_parquet.timestamp.tolist()
    assert from_csv.latency.tolist() == from_parquet.latency.tolist()
    assert not report.skipped


def test_row_groups_smaller_than_a_block_are_gathered_and_rows_numbered_across_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet_files, "BATCH_ROWS", 4)
    monkeypatch.setattr(parquet_files, "EDGE_PARTS", 1)
    rows = 11
    stamps = [T0 + 60 * i for i in range(rows)]
    stamps[9] = None  # row 10 is bad
    table = pa.table({"ts": pa.array(stamps, pa.int64()), "ok": [True] * rows})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path, row_group_size=3)
    report = ReadReport("test")
    chunks = list(read_events(source(path, success="ok"), ["only"], report))
    assert [len(c) for c in chunks] == [6, 4]  # 2 row groups of 3, then 3 + 2 (one skipped)
    assert [(e.line, e.reason) for e in report.examples] == [(10, "missing timestamp")]


def test_the_first_and_last_row_groups_are_read_in_parts_and_rows_numbered_across_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet_files, "BATCH_ROWS", 8)
    monkeypatch.setattr(parquet_files, "EDGE_PARTS", 4)
    rows = 8 * 3
    stamps: list[int | None] = [T0 + 60 * i for i in range(rows)]
    stamps[3] = stamps[22] = None  # rows 4 and 23: in the second part of the first and last groups
    table = pa.table({"ts": pa.array(stamps, pa.int64()), "ok": [True] * rows})
    path = tmp_path / "events.parquet"
    pq.write_table(table, path, row_group_size=8)
    report = ReadReport("test")
    chunks = list(read_events(source(path, success="ok"), ["only"], report))
    assert [len(c) for c in chunks] == [2, 1, 2, 2, 8, 2, 2, 2, 1]
    assert [(e.line, e.reason) for e in report.examples] == [
        (4, "missing timestamp"),
        (23, "missing timestamp"),
    ]
    assert report.files[str(path)] == rows


def test_rfc3339_as_text_or_as_a_timestamp_type(tmp_path: Path) -> None:
    stamps = [T0, T0 + 90]
    as_text = tmp_path / "text.parquet"
    pq.write_table(pa.table({"ts": ["2024-01-01T00:00:00Z", "2024-01-01T00:01:30+00:00"]}), as_text)
    as_type = tmp_path / "typed.parquet"
    pq.write_table(
        pa.table({"ts": pa.array([s * 1000 for s in stamps], pa.timestamp("ms", tz="UTC"))}), as_type
    )
    for path in (as_text, as_type):
        events, report = read(source(path, timestamp_format=TimestampFormat.RFC3339), ("only",))
        assert events.timestamp.tolist() == stamps
        assert not report.skipped


@pytest.mark.parametrize(
    ("column", "mapping", "says"),
    [
        (
            pa.array([[200], [500]]),
            {"status": "status"},
            "the column has type list<element: int64> in every row group",
        ),
        (pa.array([1.5, 2.5]), {"component": "status"}, "it must hold text, an integer or a boolean"),
        (pa.array([b"x", b"y"]), {"success": "status"}, "it must hold a boolean, an integer or text"),
    ],
)
def test_a_column_of_the_wrong_type_is_a_located_error(
    tmp_path: Path, column: pa.Array, mapping: dict[str, str], says: str
) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"ts": [T0, T0 + 60], "status": column}), path)
    with pytest.raises(InputError) as raised:
        read(source(path, **mapping))
    problem = raised.value.problems[0]
    assert (problem.file, problem.field, problem.line) == (str(path), "status", 1)
    assert says in problem.message


def test_a_timestamp_type_where_unix_time_is_mapped_is_a_located_error(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"ts": pa.array([T0 * 1000], pa.timestamp("ms"))}), path)
    with pytest.raises(InputError, match=r"the column has type timestamp\[ms\].*a number \(unix time\)"):
        read(source(path))


def test_a_missing_column_and_a_file_that_is_not_parquet_are_located_errors(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"time": [T0]}), path)
    with pytest.raises(InputError, match=r"missing column\(s\) 'ts'; the file has time"):
        read(source(path))
    path.write_text("ts\n1704067200\n")
    with pytest.raises(InputError, match=r"events.parquet: cannot read it as Parquet"):
        read(source(path))


def test_a_corrupt_row_group_names_it(tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    pq.write_table(pa.table({"ts": np.arange(T0, T0 + 4000, dtype=np.int64)}), path, row_group_size=1000)
    data = bytearray(path.read_bytes())
    second = pq.ParquetFile(path).metadata.row_group(1).column(0)
    start = second.data_page_offset
    data[start + 8 : start + 200] = b"\xff" * 192  # the second row group's first page, garbled
    path.write_bytes(bytes(data))
    with pytest.raises(InputError) as raised:
        read(source(path), ("only",))
    assert "row group 2 of 4" in raised.value.problems[0].message
    assert raised.value.problems[0].line == 1001


# --- the same events as CSV and as Parquet give the same SLI artifact --------------------------------
# (a skipped record's example differs: a CSV line counts the header, a Parquet row does not)


def _workspace(folder: Path, fmt: str, rows: pa.Table) -> Path:
    folder.mkdir()
    data = folder / "events.data"
    if fmt == "csv":
        pcsv.write_csv(rows, data)
    else:
        pq.write_table(rows, data, row_group_size=500)
    log = events_source(
        path="events.data", unix_seconds=True, component="comp", latency="latency_ms", format=fmt
    )
    comps = [
        component(name, slo(f"{name}-a"), slis=[availability(), latency("100ms")])
        for name in ("catalog", "search")
    ]
    return write_config(folder, service("shop", *comps), sources=[log], settings={"history": "1d"})


def _sli_artifact(config: Path) -> dict[str, Any]:
    out = config.parent / "out"
    result = CliRunner().invoke(app, ["run", str(config), "--until", "sli", "--now", NOW, "--out", str(out)])
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads((out / "sli-metrics.json").read_text())
    del document["run_id"]  # a hash of the config, which names the format
    return document


def test_the_same_events_as_csv_and_as_parquet_give_the_same_sli_artifact(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    n = 3000
    rows = pa.table(
        {
            "ts": np.sort(rng.integers(T0, T0 + 86400, n)),
            "comp": rng.choice(["catalog", "search"], n),
            "status": rng.choice([200, 200, 200, 404, 500, 503], n),
            "latency_ms": np.round(rng.lognormal(3.5, 0.8, n), 3),
        }
    )
    from_csv = _sli_artifact(_workspace(tmp_path / "csv", "csv", rows))
    from_parquet = _sli_artifact(_workspace(tmp_path / "parquet", "parquet", rows))
    assert from_csv["components"] and from_csv["inputs"][0]["used"] == n  # no skips: their lines differ
    assert json.dumps(from_csv).replace(str(tmp_path / "csv"), "") == json.dumps(from_parquet).replace(
        str(tmp_path / "parquet"), ""
    )


def test_components_are_coded_by_name_whatever_order_each_row_groups_dictionary_has(tmp_path: Path) -> None:
    names = ["search", "catalog", None, "nowhere", "catalog", "search"]
    table = pa.table({"ts": pa.array([T0 + 60 * i for i in range(6)], pa.int64()), "component": names})
    path = tmp_path / "events.parquet"
    pq.write_table(
        table, path, row_group_size=3
    )  # dictionaries [search, catalog], [nowhere, catalog, search]
    events, report = read(source(path, component="component"))
    assert events.component.tolist() == [1, 0, 0, 1]
    assert [(e.line, e.reason, e.value) for e in report.examples] == [
        (3, "unknown component", "(empty)"),
        (4, "unknown component", "nowhere"),
    ]


NANO_TEXTS = [
    "2024-01-01T00:00:00.123456789Z",
    "2024-01-01T00:01:00.000000001Z",
    "1969-12-31T23:59:59.999999999Z",
]
NANO_STAMPS = [(T0 * 10**9) + 123_456_789, (T0 + 60) * 10**9 + 1, -1]


@pytest.mark.parametrize(
    ("kind", "fmt"),
    [
        (pa.timestamp("ns", tz="UTC"), TimestampFormat.RFC3339),
        (pa.timestamp("ns"), TimestampFormat.RFC3339),
        (pa.timestamp("ns", tz="UTC"), TimestampFormat.ISO8601),
        (pa.timestamp("ns"), TimestampFormat.ISO8601),
    ],
)
def test_nanosecond_timestamps_are_cut_to_the_microsecond_rfc3339_text_gives(
    tmp_path: Path, kind: pa.DataType, fmt: TimestampFormat
) -> None:
    as_text = tmp_path / "text.parquet"
    pq.write_table(pa.table({"ts": NANO_TEXTS}), as_text)
    as_type = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"ts": pa.array(NANO_STAMPS, kind)}), as_type)
    from_text, _ = read(source(as_text, timestamp_format=TimestampFormat.RFC3339), ("only",))
    from_type, report = read(source(as_type, timestamp_format=fmt), ("only",))
    if fmt is TimestampFormat.RFC3339:  # the same doubles as the text's
        assert from_type.timestamp.tolist() == from_text.timestamp.tolist()
    assert from_type.timestamp.tolist() == pytest.approx([T0 + 0.123456, T0 + 60, -1e-6], abs=1e-6)
    assert not report.skipped


@pytest.mark.parametrize(
    ("kind", "stamps", "shown"),
    [
        (pa.timestamp("ns", tz="UTC"), [T0 * 10**9, np.iinfo(np.int64).min], "NaT"),
        (pa.timestamp("ns"), [T0 * 10**9, np.iinfo(np.int64).min], "NaT"),
        (pa.timestamp("us", tz="UTC"), [T0 * 10**6, np.iinfo(np.int64).min], "NaT"),
        # Parquet stores seconds as milliseconds.
        (pa.timestamp("s", tz="UTC"), [T0, 2**40], "1099511627776000 (ms since 1970)"),
        (pa.timestamp("ms"), [T0 * 1000, -(2**62)], "-4611686018427387904 (ms since 1970)"),
    ],
)
@pytest.mark.parametrize("fmt", [TimestampFormat.RFC3339, TimestampFormat.ISO8601])
def test_not_a_time_and_instants_text_cannot_write_are_skipped_with_their_row(
    tmp_path: Path, kind: pa.DataType, stamps: list[int], shown: str, fmt: TimestampFormat
) -> None:
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"ts": pa.array(stamps, kind)}), path)
    events, report = read(source(path, timestamp_format=fmt), ("only",))
    assert events.timestamp.tolist() == [T0]
    assert report.skipped == {"invalid timestamp": 1}
    assert [(e.line, e.value) for e in report.examples] == [(2, shown)]


def test_second_and_millisecond_timestamps_are_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "typed.parquet"
    pq.write_table(pa.table({"ts": pa.array([T0 * 1000 + 250, -1], pa.timestamp("ms", tz="UTC"))}), path)
    events, report = read(source(path, timestamp_format=TimestampFormat.RFC3339), ("only",))
    assert events.timestamp.tolist() == [T0 + 0.25, -0.001]
    assert not report.skipped
