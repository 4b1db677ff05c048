"""read_events on small CSV / JSON Lines files: formats, columns, filters, blocks, line numbers."""

from __future__ import annotations

import dataclasses
import gzip
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from support.configs import component, events_source, service, write_config

from reliability.config import load_config
from reliability.config.model import (
    ColumnMapping,
    EventSource,
    LatencyColumns,
    Origin,
    RowFilter,
    TimestampFormat,
)
from reliability.core.events import FLAG_ABSENT, STATUS_ABSENT, EventColumns
from reliability.errors import InputError
from reliability.telemetry import formats
from reliability.telemetry.blocks import DEFAULT_BLOCK_BYTES
from reliability.telemetry.event_files import read_events
from reliability.telemetry.report import ReadReport

T0 = 1_704_067_200  # 2024-01-01T00:00:00Z
NAN = float("nan")
UNIX_S = TimestampFormat.UNIX_S
UNIX_MS = TimestampFormat.UNIX_MS


def write(path: Path, text: str) -> Path:
    data = text.encode()
    path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
    return path


def jsonl(*records: dict[str, Any] | str) -> str:
    """One line per record; strings are written as they are (blank lines, broken JSON)."""
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def source(
    path: Path,
    *,
    fmt: str | None = None,
    row_filter: RowFilter | None = None,
    latency: LatencyColumns | None = None,
    **columns: Any,
) -> EventSource:
    columns.setdefault("timestamp", "ts")
    mapping = ColumnMapping(latency=latency, **columns)
    return EventSource("test", (path,), fmt, mapping, row_filter, Origin(str(path), 1))


@dataclass
class Read:
    events: EventColumns
    report: ReadReport
    chunks: int

    def examples(self) -> list[tuple[int, str, str, str]]:
        return [(e.line, e.reason, e.field, e.value) for e in self.report.examples]

    def same_as(self, other: Read) -> None:
        for f in dataclasses.fields(EventColumns):
            np.testing.assert_array_equal(getattr(self.events, f.name), getattr(other.events, f.name))
        assert self.report.files == other.report.files
        assert self.report.skipped == other.report.skipped
        assert self.report.filtered_out == other.report.filtered_out
        assert sorted(self.examples()) == sorted(other.examples())


def read(
    src: EventSource,
    match: tuple[str, ...] = ("catalog", "search"),
    *,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
) -> Read:
    report = ReadReport(src.name)
    chunks = list(read_events(src, list(match), report, block_bytes=block_bytes))
    names = [f.name for f in dataclasses.fields(EventColumns)]
    empty = EventColumns(np.zeros(0), *(np.zeros(0, np.int32),) * 2, np.zeros(0, np.int8), np.zeros(0))
    parts = chunks or [empty]
    events = EventColumns(*(np.concatenate([getattr(c, n) for c in parts]) for n in names))
    # Nothing vanishes: every record read is an event, skipped, or filtered out.
    assert report.records == len(events) + report.skipped_total + report.filtered_out
    return Read(events, report, len(chunks))


def floats(values: np.ndarray) -> list[float | str]:
    """Floats for exact comparison, with NaN as a string so that NaN == NaN."""
    return ["nan" if np.isnan(v) else float(v) for v in values]


# --- formats, compression, header, blank lines ---------------------------------------------------

CSV_TEXT = (
    '"ts","component","status code","latency ms"\n'  # 1
    "1704067200,catalog,200,12.5\n"  # 2
    "\n"  # 3
    "1704067260,search,503,40\n"  # 4
    "\n"  # 5
    "\n"  # 6
    "1704067320,catalog,200,7,surplus\n"  # 7: five fields
    "1704067380,search,404,\n"  # 8: no latency
)


@pytest.mark.parametrize("name", ["events.csv", "events.csv.gz"])
def test_csv_plain_and_gzip(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, CSV_TEXT)
    src = source(
        path,
        timestamp_format=UNIX_S,
        component="component",
        status="status code",
        latency=LatencyColumns(column="latency ms", unit="ms"),
    )
    got = read(src)
    assert got.events.timestamp.tolist() == [T0, T0 + 60, T0 + 180]
    assert got.events.component.tolist() == [0, 1, 1]
    assert got.events.status.tolist() == [200, 503, 404]
    assert got.events.success.tolist() == [FLAG_ABSENT] * 3
    assert floats(got.events.latency) == [pytest.approx(0.0125), pytest.approx(0.04), "nan"]
    assert got.report.files == {str(path): 4}
    assert got.report.skipped == {"malformed record": 1}
    assert got.examples() == [(7, "malformed record", "", "expected 4 fields, found 5")]
    assert got.report.examples[0].file == str(path)


def test_csv_with_crlf_line_ends(tmp_path: Path) -> None:
    path = write(tmp_path / "events.csv", CSV_TEXT.replace("\n", "\r\n"))
    got = read(source(path, timestamp_format=UNIX_S, component="component", status="status code"))
    assert got.events.timestamp.tolist() == [T0, T0 + 60, T0 + 180]
    assert got.events.status.tolist() == [200, 503, 404]
    assert got.examples() == [(7, "malformed record", "", "expected 4 fields, found 5")]


@pytest.mark.parametrize(("name", "block_bytes"), [("a.csv", DEFAULT_BLOCK_BYTES), ("b.csv.gz", 7)])
def test_a_byte_order_mark_is_not_part_of_the_first_column(
    tmp_path: Path, name: str, block_bytes: int
) -> None:
    # Spreadsheet exports start with a UTF-8 BOM; it would make the header's first name '\ufeff"ts"'.
    path = write(tmp_path / name, "\ufeff" + CSV_TEXT)
    src = source(path, timestamp_format=UNIX_S, component="component", status="status code")
    got = read(src, block_bytes=block_bytes)
    assert got.events.timestamp.tolist() == [T0, T0 + 60, T0 + 180]
    assert got.examples() == [(7, "malformed record", "", "expected 4 fields, found 5")]


def test_a_byte_order_mark_before_the_first_json_line(tmp_path: Path) -> None:
    path = write(tmp_path / "events.jsonl", "\ufeff" + JSONL_TEXT)
    got = read(source(path, component="component", status="status"))
    assert got.events.timestamp.tolist() == [T0, T0 + 60, T0 + 180]
    assert got.report.skipped == {"unknown component": 1}


def test_header_only_csv_has_no_records(tmp_path: Path) -> None:
    # Without a final newline the header must still not be read as a record.
    for name, block_bytes in [("a.csv", DEFAULT_BLOCK_BYTES), ("b.csv", 4)]:
        path = write(tmp_path / name, '"ts","status"')
        got = read(source(path, timestamp_format=UNIX_S, status="status"), block_bytes=block_bytes)
        assert len(got.events) == 0
        assert got.report.files == {str(path): 0}
        assert got.report.skipped == {}


@pytest.mark.parametrize("name", ["empty.csv", "empty.csv.gz"])
def test_an_empty_csv_file_has_no_records_beside_the_others(tmp_path: Path, name: str) -> None:
    # Log rotation leaves files of no bytes (or a gzip of nothing): no records, not a missing header.
    empty = tmp_path / name
    empty.write_bytes(gzip.compress(b"") if name.endswith(".gz") else b"")
    full = write(tmp_path / "full.csv", f"ts,status\n{T0},200\n")
    mapping = source(empty, timestamp_format=UNIX_S, status="status")
    got = read(dataclasses.replace(mapping, paths=(empty, full)))
    assert got.events.timestamp.tolist() == [T0]
    assert got.report.files == {str(empty): 0, str(full): 1}
    assert got.report.skipped == {}


@pytest.mark.parametrize("text", ["\n", "\n\n1704067200,200\n", "\ufeff"])
def test_a_csv_file_with_bytes_but_no_header_columns_still_fails(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "events.csv", text)
    with pytest.raises(InputError, match=r"missing column.*the header has no columns"):
        read(source(path, timestamp_format=UNIX_S, status="status"))


JSONL_TEXT = jsonl(
    {"ts": "2024-01-01T00:00:00Z", "component": "catalog", "status": 200, "latency_ms": 12.5},  # 1
    "",  # 2
    {"ts": "2024-01-01T00:01:00Z", "component": "search", "status": 503, "latency_ms": 40},  # 3
    "   \t",  # 4: whitespace only is blank too
    {"ts": "2024-01-01T00:03:00Z", "component": "search", "status": 404},  # 5
    {"ts": "2024-01-01T00:04:00Z", "component": "basket", "status": 200},  # 6
)


@pytest.mark.parametrize("name", ["events.jsonl", "events.jsonl.gz", "events.ndjson"])
def test_jsonl_plain_and_gzip(tmp_path: Path, name: str) -> None:
    path = write(tmp_path / name, JSONL_TEXT)
    src = source(
        path, component="component", status="status", latency=LatencyColumns(column="latency_ms", unit="ms")
    )
    got = read(src)
    assert got.events.timestamp.tolist() == [T0, T0 + 60, T0 + 180]
    assert got.events.component.tolist() == [0, 1, 1]
    assert got.events.status.tolist() == [200, 503, 404]
    assert floats(got.events.latency) == [pytest.approx(0.0125), pytest.approx(0.04), "nan"]
    assert got.report.files == {str(path): 4}
    assert got.report.skipped == {"unknown component": 1}
    assert got.examples() == [(6, "unknown component", "component", "basket")]


def test_declared_format_overrides_the_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "events.log", jsonl({"ts": 1704067200}))
    assert read(source(path, fmt="jsonl", timestamp_format=UNIX_S)).events.timestamp.tolist() == [T0]


# --- timestamps ------------------------------------------------------------------------------------

RFC3339_CASES = [  # text, epoch microseconds (None: invalid)
    ("2024-01-01T00:00:00Z", T0 * 10**6),
    ("2024-01-01T02:30:00+02:00", (T0 + 1800) * 10**6),
    ("2023-12-31T19:00:00-05:00", T0 * 10**6),
    ("2024-01-01T00:00:00.250Z", T0 * 10**6 + 250_000),
    ("2024-01-01T00:00:01.5+01:00", (T0 - 3599) * 10**6 + 500_000),
    ("2024-01-01T00:00:01.123456789Z", (T0 + 1) * 10**6 + 123_456),  # finer than us: truncated
    ("2024-01-01 00:00:02Z", (T0 + 2) * 10**6),
    ("2024-01-01T00:00:00", None),  # no offset: not RFC 3339
    ("2024-01-01", None),
    ("2024-02-30T00:00:00Z", None),
    ("yesterday", None),
]


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_rfc3339_timestamps(tmp_path: Path, fmt: str) -> None:
    texts = [text for text, _ in RFC3339_CASES]
    if fmt == "csv":
        path = write(tmp_path / "events.csv", "ts\n" + "".join(f"{t}\n" for t in texts))
        first_line = 2
    else:
        path = write(tmp_path / "events.jsonl", jsonl(*({"ts": t} for t in texts)))
        first_line = 1
    got = read(source(path))
    assert got.events.timestamp.tolist() == [us / 1e6 for _, us in RFC3339_CASES if us is not None]
    invalid = [(i + first_line, text) for i, (text, us) in enumerate(RFC3339_CASES) if us is None]
    assert got.report.skipped == {"invalid timestamp": len(invalid)}
    assert got.examples() == [(line, "invalid timestamp", "ts", text) for line, text in invalid]


def test_rfc3339_timestamps_alike_in_every_json_line_are_read_as_text(tmp_path: Path) -> None:
    # Arrow would infer these as naive timestamps; they must still need an offset.
    path = write(tmp_path / "a.jsonl", jsonl({"ts": "2024-01-01T00:00:00"}, {"ts": "2024-01-01T00:01:00"}))
    got = read(source(path))
    assert len(got.events) == 0
    assert got.report.skipped == {"invalid timestamp": 2}


def test_missing_timestamp(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", jsonl({"ts": None}, {"other": 1}, {"ts": "2024-01-01T00:00:00Z"}))
    got = read(source(path))
    assert got.events.timestamp.tolist() == [T0]
    assert got.report.skipped == {"missing timestamp": 2}
    assert [e[:3] for e in got.examples()] == [(1, "missing timestamp", "ts"), (2, "missing timestamp", "ts")]


def test_unix_seconds_and_milliseconds_in_csv(tmp_path: Path) -> None:
    path = write(
        tmp_path / "events.csv",
        "s,ms\n1704067200,1704067200000\n1704067200.5,1704067200123\n 1704067201 ,1704067201999\n"
        "1.7040672e9,1.704067202e12\nsoon,later\n",
    )
    seconds = read(source(path, timestamp="s", timestamp_format=UNIX_S))
    assert seconds.events.timestamp.tolist() == [T0, T0 + 0.5, T0 + 1, T0]
    assert seconds.examples() == [(6, "invalid timestamp", "s", "soon")]
    millis = read(source(path, timestamp="ms", timestamp_format=UNIX_MS))
    expected = [1704067200000, 1704067200123, 1704067201999, 1704067202000]
    assert millis.events.timestamp.tolist() == [ms / 1000.0 for ms in expected]
    assert millis.examples() == [(6, "invalid timestamp", "ms", "later")]


def test_unix_seconds_and_milliseconds_in_jsonl(tmp_path: Path) -> None:
    path = write(
        tmp_path / "events.jsonl",
        jsonl({"s": 1704067200, "ms": 1704067200000}, {"s": 1704067200.5, "ms": 1704067200123}),
    )
    assert read(source(path, timestamp="s", timestamp_format=UNIX_S)).events.timestamp.tolist() == [
        T0,
        T0 + 0.5,
    ]
    assert read(source(path, timestamp="ms", timestamp_format=UNIX_MS)).events.timestamp.tolist() == [
        T0,
        1704067200123 / 1000.0,
    ]


# --- latency ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "texts", "seconds"),
    [
        ("ms", ["250", "1500", "0", "2.5"], [0.25, 1.5, 0.0, 0.0025]),
        ("s", ["0.25", "1.5", "0", "2"], [0.25, 1.5, 0.0, 2.0]),
        ("us", ["250000", "1500000", "0", "7"], [0.25, 1.5, 0.0, 0.000007]),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_latency_column_units(
    tmp_path: Path, fmt: str, unit: str, texts: list[str], seconds: list[float]
) -> None:
    if fmt == "csv":
        path = write(tmp_path / "e.csv", "ts,lat\n" + "".join(f"{T0 + i},{t}\n" for i, t in enumerate(texts)))
    else:
        records = ({"ts": T0 + i, "lat": float(t)} for i, t in enumerate(texts))
        path = write(tmp_path / "e.jsonl", jsonl(*records))
    got = read(source(path, timestamp_format=UNIX_S, latency=LatencyColumns(column="lat", unit=unit)))
    assert got.events.latency.tolist() == [pytest.approx(s, rel=1e-12, abs=0) for s in seconds]
    assert got.report.skipped == {}


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_latency_from_start_and_end_timestamps(tmp_path: Path, fmt: str) -> None:
    rows = [
        ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00.250Z"),
        ("2024-01-01T00:00:01Z", "2024-01-01T02:00:03.5+02:00"),
        ("2024-01-01T00:00:02Z", None),  # no end: an event without latency
    ]
    if fmt == "csv":
        text = "start,end\n" + "".join(f"{s},{e or ''}\n" for s, e in rows)
        path = write(tmp_path / "e.csv", text)
    else:
        path = write(tmp_path / "e.jsonl", jsonl(*({"start": s, "end": e} for s, e in rows)))
    got = read(source(path, timestamp="start", latency=LatencyColumns(start="start", end="end")))
    assert got.events.timestamp.tolist() == [T0, T0 + 1, T0 + 2]
    assert floats(got.events.latency) == [0.25, 2.5, "nan"]
    assert got.report.skipped == {}


def test_latency_from_unix_ms_start_and_end(tmp_path: Path) -> None:
    path = write(tmp_path / "e.csv", "a,b\n1704067200000,1704067200250\n1704067201000,1704067201000\n")
    src = source(path, timestamp="a", timestamp_format=UNIX_MS, latency=LatencyColumns(start="a", end="b"))
    got = read(src)
    assert got.events.latency.tolist() == [0.25, 0.0]


# --- status and flags ------------------------------------------------------------------------------


def test_status_column(tmp_path: Path) -> None:
    statuses = ["200", "503", " 404 ", "200.0", "abc", "99", "1000", "200.5", ""]
    text = "ts,status\n" + "".join(f"{T0 + i},{s}\n" for i, s in enumerate(statuses))
    got = read(source(write(tmp_path / "e.csv", text), timestamp_format=UNIX_S, status="status"))
    assert got.events.status.tolist() == [200, 503, 404, 200]
    assert got.events.timestamp.tolist() == [T0, T0 + 1, T0 + 2, T0 + 3]
    assert got.report.skipped == {"invalid status": 4, "missing status": 1}
    assert sorted(got.examples()) == [
        (6, "invalid status", "status", "abc"),
        (7, "invalid status", "status", "99"),
        (8, "invalid status", "status", "1000"),
        (9, "invalid status", "status", "200.5"),
        (10, "missing status", "status", "(empty)"),
    ]


def test_no_status_column_means_absent(tmp_path: Path) -> None:
    got = read(source(write(tmp_path / "e.csv", "ts\n1704067200\n"), timestamp_format=UNIX_S))
    assert got.events.status.tolist() == [STATUS_ABSENT]
    assert got.events.success.tolist() == [FLAG_ABSENT]
    assert got.events.component.tolist() == [0]


FLAG_TEXTS = ["true", "false", "1", "0", "yes", "no", "TRUE", "No", " y ", "f"]
FLAG_VALUES = [1, 0, 1, 0, 1, 0, 1, 0, 1, 0]


@pytest.mark.parametrize(
    ("mapping", "expected"), [("success", FLAG_VALUES), ("error", [1 - v for v in FLAG_VALUES])]
)
def test_success_and_error_flags_in_csv(tmp_path: Path, mapping: str, expected: list[int]) -> None:
    texts = [*FLAG_TEXTS, "maybe", ""]
    path = write(tmp_path / "e.csv", "ts,flag\n" + "".join(f"{T0 + i},{t}\n" for i, t in enumerate(texts)))
    got = read(source(path, timestamp_format=UNIX_S, **{mapping: "flag"}))
    assert got.events.success.tolist() == expected
    assert got.report.skipped == {"invalid success flag": 1, "missing success flag": 1}
    assert sorted(got.examples()) == [
        (12, "invalid success flag", "flag", "maybe"),
        (13, "missing success flag", "flag", "(empty)"),
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([True, False, True], [1, 0, 1]),  # JSON booleans
        ([1, 0, 0], [1, 0, 0]),  # JSON numbers
        ([True, "no", 1, "yes", 0, "false"], [1, 0, 1, 1, 0, 0]),  # mixed types: the slower path
    ],
)
def test_success_flag_in_jsonl(tmp_path: Path, values: list[Any], expected: list[int]) -> None:
    path = write(tmp_path / "e.jsonl", jsonl(*({"ts": T0 + i, "ok": v} for i, v in enumerate(values))))
    assert read(source(path, timestamp_format=UNIX_S, success="ok")).events.success.tolist() == expected
    inverted = read(source(path, timestamp_format=UNIX_S, error="ok")).events.success.tolist()
    assert inverted == [1 - v for v in expected]


# --- components ------------------------------------------------------------------------------------


def test_component_column_maps_to_codes(tmp_path: Path) -> None:
    names = ["search", "catalog", "catalog", "search", "cart"]
    text = "ts,component\n" + "".join(f"{T0 + i},{n}\n" for i, n in enumerate(names))
    got = read(source(write(tmp_path / "e.csv", text), timestamp_format=UNIX_S, component="component"))
    assert got.events.component.tolist() == [1, 0, 0, 1]
    assert got.report.skipped == {"unknown component": 1}
    assert got.examples() == [(6, "unknown component", "component", "cart")]


@pytest.mark.parametrize(
    "values",
    [
        [7, 8, 7],  # integers
        [7, 8.0, 7.5],  # floats, 8.0 reads as "8"
        [7.0, "8", 7.5],  # mixed types: the slower path must agree, 7.0 reading as "7"
    ],
)
def test_numeric_component_in_jsonl_matches_text_match_value(tmp_path: Path, values: list[Any]) -> None:
    path = write(tmp_path / "e.jsonl", jsonl(*({"ts": T0 + i, "shard": v} for i, v in enumerate(values))))
    got = read(source(path, timestamp_format=UNIX_S, component="shard"), match=("8", "7"))
    known = [1 if v == 7 else 0 for v in values if v in (7, 8, "8")]
    assert got.events.component.tolist() == known
    assert got.report.skipped_total == len(values) - len(known)


def test_match_values_and_filter_from_a_yaml_config(tmp_path: Path) -> None:
    write(
        tmp_path / "events.jsonl",
        jsonl(
            {"ts": "2024-01-01T00:00:00Z", "shard": 7, "env": "prod"},
            {"ts": "2024-01-01T00:00:01Z", "shard": 8, "env": "canary"},
            {"ts": "2024-01-01T00:00:02Z", "shard": 7, "env": "staging"},
        ),
    )
    shards = events_source(
        "shards",
        "events.jsonl",
        component="shard",
        status=None,
        filter={"column": "env", "in": ["prod", "canary"]},
    )
    db = service(
        "db",
        component("seven", source="shards", slis=(), match=7),
        component("eight", source="shards", slis=(), match=8),
    )
    config = load_config(write_config(tmp_path, db, sources=[shards]))
    src = config.source("shards")
    got = read(src, tuple(c.match for c in config.components))
    assert got.events.component.tolist() == [0, 1]
    assert got.events.timestamp.tolist() == [T0, T0 + 1]
    assert got.report.filtered_out == 1


# --- row filter ------------------------------------------------------------------------------------

FILTER_CSV = (
    "ts,env,status\n"
    "1704067200,prod,200\n"  # 2
    "garbage,staging,200\n"  # 3: filtered out, not "invalid timestamp"
    "1704067202,canary,200\n"  # 4
    "1704067203,,200\n"  # 5: no env: filtered out
    "1704067204,prod,abc\n"  # 6: kept by the filter, then invalid
    "1704067205,staging,xyz\n"  # 7: filtered out
)


@pytest.mark.parametrize(
    ("values", "timestamps", "filtered"),
    [(("prod",), [T0], 4), (("prod", "canary"), [T0, T0 + 2], 3)],
)
def test_row_filter_equals_and_in(
    tmp_path: Path, values: tuple[str, ...], timestamps: list[int], filtered: int
) -> None:
    path = write(tmp_path / "e.csv", FILTER_CSV)
    src = source(path, timestamp_format=UNIX_S, status="status", row_filter=RowFilter("env", values))
    got = read(src)
    assert got.events.timestamp.tolist() == timestamps
    assert got.report.filtered_out == filtered
    assert got.report.skipped == {"invalid status": 1}
    assert got.examples() == [(6, "invalid status", "status", "abc")]


def test_row_filter_on_json_booleans_and_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.jsonl",
        jsonl(*({"ts": T0 + i, "live": i % 2 == 0, "region": i % 3} for i in range(6))),
    )
    live = read(source(path, timestamp_format=UNIX_S, row_filter=RowFilter("live", ("true",))))
    assert live.events.timestamp.tolist() == [T0, T0 + 2, T0 + 4]
    assert live.report.filtered_out == 3
    region = read(source(path, timestamp_format=UNIX_S, row_filter=RowFilter("region", ("1", "2"))))
    assert region.events.timestamp.tolist() == [T0 + 1, T0 + 2, T0 + 4, T0 + 5]
    assert region.report.filtered_out == 2


# --- JSON fields whose type varies -----------------------------------------------------------------


def test_jsonl_with_varying_field_types_takes_the_slower_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    uniform = [
        {"ts": "2024-01-01T00:00:00Z", "component": "catalog", "status": 200, "lat": 12},
        {"ts": "2024-01-01T00:00:01Z", "component": "search", "status": 500, "lat": 30.5},
        {"ts": "2024-01-01T00:00:02Z", "component": "catalog", "status": 404, "lat": 7},
    ]
    varying = [dict(r) for r in uniform]
    varying[1]["status"] = "500"
    varying[2]["lat"] = "7"
    slow_calls: list[int] = []
    original = formats._parse_jsonl_slowly

    def spy(*args: Any) -> formats.ParsedBlock:
        slow_calls.append(1)
        return original(*args)

    monkeypatch.setattr(formats, "_parse_jsonl_slowly", spy)
    columns: dict[str, Any] = {"component": "component", "status": "status"}
    latency = LatencyColumns(column="lat", unit="ms")
    fast = read(source(write(tmp_path / "u.jsonl", jsonl(*uniform)), latency=latency, **columns))
    assert slow_calls == []
    slow = read(source(write(tmp_path / "v.jsonl", jsonl(*varying)), latency=latency, **columns))
    assert slow_calls == [1]
    assert slow.events.status.tolist() == [200, 500, 404]
    assert slow.events.component.tolist() == [0, 1, 0]
    assert slow.events.timestamp.tolist() == [T0, T0 + 1, T0 + 2]
    assert slow.events.latency.tolist() == fast.events.latency.tolist() == [0.012, 0.0305, 0.007]
    for name in ("timestamp", "component", "status", "success"):
        assert getattr(slow.events, name).tolist() == getattr(fast.events, name).tolist()


# --- files across many blocks ----------------------------------------------------------------------


def _many_lines(fmt: str) -> tuple[str, list[int]]:
    """60 records with blank lines between, and four bad ones; the bad records' line numbers."""
    out: list[str] = ["ts,component,status,lat"] if fmt == "csv" else []
    bad: list[int] = []
    for i in range(60):
        if i % 7 == 3:
            out.append("")
        component = "search" if i % 3 else "catalog"
        ts: Any = T0 + i
        if i == 11:
            component = "cart"
        if i == 29:
            ts = "never"
        if fmt == "csv":
            out.append(f"{ts},{component},{200 + i % 2 * 300},{i}" + (",x" if i in (40, 52) else ""))
        elif i in (40, 52):
            out.append('{"ts": ' + str(ts) + ', "component": "oops"')
        else:
            status: Any = str(200 + i % 2 * 300) if i == 45 else 200 + i % 2 * 300  # the type varies
            out.append(json.dumps({"ts": ts, "component": component, "status": status, "lat": i}))
        if i in (11, 29, 40, 52):
            bad.append(len(out))
    return "\n".join(out) + "\n", bad


@pytest.mark.parametrize("name", ["e.csv", "e.csv.gz", "e.jsonl", "e.jsonl.gz"])
def test_tiny_blocks_give_the_same_results_and_line_numbers(tmp_path: Path, name: str) -> None:
    fmt = "csv" if ".csv" in name else "jsonl"
    text, bad_lines = _many_lines(fmt)
    path = write(tmp_path / name, text)
    columns: dict[str, Any] = {"component": "component", "status": "status"}
    src = source(path, timestamp_format=UNIX_S, latency=LatencyColumns(column="lat", unit="s"), **columns)
    whole = read(src)
    tiny = read(src, block_bytes=64)
    assert whole.chunks == 1
    assert tiny.chunks > 10
    tiny.same_as(whole)
    assert len(whole.events) == 56
    assert whole.report.files == {str(path): 60}
    assert sorted(line for line, *_ in whole.examples()) == bad_lines
    assert whole.report.skipped == {"unknown component": 1, "invalid timestamp": 1, "malformed record": 2}
    assert whole.events.latency.tolist() == [float(i) for i in range(60) if i not in (11, 29, 40, 52)]
