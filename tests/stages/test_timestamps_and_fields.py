"""Timestamps as they come (strptime, local ISO 8601 in a zone, unix s/ms/us/ns), spans in integers,
nested JSON fields by path, components derived by a regex, and status classes in good rules."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from support.configs import availability, component, events_source, service, write_config

from reliability.config import load_config
from reliability.config.model import (
    ColumnMapping,
    EventSource,
    GoodRule,
    LatencyColumns,
    Origin,
    Sli,
    SliKind,
    TimestampFormat,
)
from reliability.core.classify import classify
from reliability.core.events import EventColumns
from reliability.core.grid import MinuteGrid
from reliability.errors import ConfigError, InputError
from reliability.telemetry.derived import component_text
from reliability.telemetry.event_files import read_events
from reliability.telemetry.plausibility import check_usable
from reliability.telemetry.report import ReadReport
from reliability.telemetry.timestamps import epoch_nanos, epoch_seconds

F = TimestampFormat


def mapping(fmt: TimestampFormat, pattern: str | None = None, zone: str | None = None) -> ColumnMapping:
    return ColumnMapping("t", fmt, timestamp_pattern=pattern, time_zone=zone)


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


@pytest.mark.parametrize(
    ("fmt", "pattern", "zone", "text", "expected"),
    [
        (
            F.STRPTIME,
            "[%d/%b/%Y:%H:%M:%S %z]",
            None,
            "[10/Oct/2000:13:55:36 -0700]",
            utc("2000-10-10T20:55:36"),
        ),
        (F.STRPTIME, "%Y-%m-%d %H:%M:%S.%f", None, "2026-11-05 10:00:01.25", utc("2026-11-05T10:00:01.25")),
        (
            F.STRPTIME,
            "%Y-%m-%d %H:%M:%S.%f",
            "Europe/Berlin",
            "2026-07-01 12:00:00.000001",
            utc("2026-07-01T10:00:00.000001"),
        ),
        (F.STRPTIME, "%d.%m.%Y %H:%M", "America/New_York", "05.11.2026 07:00", utc("2026-11-05T12:00:00")),
        (F.ISO8601, None, "Europe/Berlin", "2026-01-15T08:30:00", utc("2026-01-15T07:30:00")),
        (F.ISO8601, None, "Europe/Berlin", "2026-07-15 08:30:00.5", utc("2026-07-15T06:30:00.5")),
        (F.ISO8601, None, None, "2026-07-15T08:30:00", utc("2026-07-15T08:30:00")),
        # The hour repeated when clocks go back reads as its first pass; the skipped hour as its end.
        (F.ISO8601, None, "Europe/Berlin", "2026-10-25T02:30:00", utc("2026-10-25T00:30:00")),
        (F.ISO8601, None, "Europe/Berlin", "2026-03-29T02:30:00", utc("2026-03-29T01:00:00")),
        (F.UNIX_US, None, None, "1700000000123456", 1700000000.123456),
        (F.UNIX_NS, None, None, "1700000000123456789", 1700000000.123456789),
    ],
)
def test_timestamp_forms(
    fmt: TimestampFormat, pattern: str | None, zone: str | None, text: str, expected: float
) -> None:
    got = epoch_seconds(pa.array([text, None]), mapping(fmt, pattern, zone))
    assert got.values[0] == pytest.approx(expected, abs=1e-6)
    assert got.missing.tolist() == [False, True]
    assert not got.invalid.any()


@pytest.mark.parametrize(
    ("fmt", "pattern", "text"),
    [
        (F.STRPTIME, "[%d/%b/%Y:%H:%M:%S %z]", "[32/Oct/2000:13:55:36 -0700]"),
        (F.STRPTIME, "%Y-%m-%d %H:%M:%S.%f", "2026-11-05 10:00:01"),  # %f needs its digits
        (F.ISO8601, None, "2026-11-05T10:00:00Z"),  # an offset where none belongs
        (F.ISO8601, None, "2026-13-05T10:00:00"),
        (F.UNIX_MS, None, "soon"),
    ],
)
def test_bad_timestamps_are_invalid(fmt: TimestampFormat, pattern: str | None, text: str) -> None:
    got = epoch_seconds(pa.array([text]), mapping(fmt, pattern, "Europe/Berlin"))
    assert got.invalid.tolist() == [True]


@pytest.mark.parametrize(
    ("fmt", "start", "end"),
    [
        (F.UNIX_MS, "1700000000000", "1700000000077"),
        (F.UNIX_US, "1700000000000000", "1700000000077000"),
        (F.UNIX_NS, "1700000000000000000", "1700000000077000000"),
        (F.UNIX_S, "1700000000.000", "1700000000.077"),
        (F.RFC3339, "2026-11-05T10:00:00.923Z", "2026-11-05T10:00:01.000Z"),
    ],
)
def test_a_77_ms_span_is_exactly_0_077_seconds(
    tmp_path: Path, fmt: TimestampFormat, start: str, end: str
) -> None:
    csv = tmp_path / "spans.csv"
    csv.write_text(f"start,end\n{start},{end}\n")
    jsonl = tmp_path / "spans.jsonl"  # JSON numbers: integers as Arrow reads them, not text
    jsonl.write_text(
        f'{{"start": {json.dumps(_json_value(start))}, "end": {json.dumps(_json_value(end))}}}\n'
    )
    latency = LatencyColumns(start="start", end="end")
    for path in (csv, jsonl):
        columns = ColumnMapping("start", fmt, latency=latency)
        (events,) = read_events(
            EventSource("s", (path,), None, columns, None, Origin("c.yaml", 1)), [""], ReadReport("s")
        )
        assert events.latency.tolist() == [0.077], path.name  # exact equality: not 0.07699999...
    # the float way this replaces: the difference of two epoch-second floats
    assert 1700000000.077 - 1700000000.0 != 0.077


def _json_value(text: str) -> int | str:
    return int(text) if text.isdigit() else text  # unix_s with a fraction stays text: a JSON float is inexact


def test_integer_spans_keep_nanoseconds() -> None:
    got = epoch_nanos(pa.array(["1700000000000000001", "17"]), mapping(F.UNIX_NS))
    assert got.values.tolist() == [1700000000000000001, 17]


def test_milliseconds_read_as_seconds_are_an_error_that_says_so() -> None:
    grid = MinuteGrid(origin=1_793_880_000 - 86_400, minutes=1440)
    report = ReadReport("app")
    report.files["app.log"] = 10
    report.used = 0
    with pytest.raises(InputError, match=r"milliseconds or finer read as seconds\? they are read as unix_s"):
        check_usable(report, Origin("c.yaml", 4), grid, (1.79e12, 1.80e12), "unix_s")


def test_nanoseconds_read_as_seconds_through_a_run(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("ts,comp,status\n1793872823091000000,api,200\n")
    write_config(
        tmp_path,
        service("web", component("api")),
        sources=[events_source(unix_seconds=True)],
        settings={"evaluate_at": "2026-11-05T12:00:00Z", "history": "1d"},
    )
    from typer.testing import CliRunner

    from reliability.cli import app

    result = CliRunner().invoke(app, ["run", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert (
        "milliseconds or finer read as seconds? they are read as unix_s); as unix_ns they start in 2026"
        in (result.output)
    )


# --- nested JSON fields ------------------------------------------------------------------------

RECORDS = [
    {
        "time": 1700000000,
        "attributes": {"http.status_code": 200, "service.name": "cart"},
        "responses": {"5xx": 0},
    },
    {
        "time": 1700000060,
        "attributes": {"http.status_code": 503, "service.name": "search"},
        "responses": {"5xx": 1},
    },
    {"time": 1700000120, "attributes": {"service.name": "cart"}},  # no status: a missing field
    {"time": 1700000180, "attributes": None},
]


def nested_source(path: Path, status: str) -> EventSource:
    columns = ColumnMapping("time", F.UNIX_S, component='attributes["service.name"]', status=status)
    return EventSource("j", (path,), None, columns, None, Origin("c.yaml", 1))


def read_all(src: EventSource, match: list[str]) -> tuple[EventColumns, ReadReport]:
    report = ReadReport(src.name)
    chunks = list(read_events(src, match, report))
    names = ["timestamp", "component", "status", "success", "latency"]
    return EventColumns(*(np.concatenate([getattr(c, n) for c in chunks]) for n in names)), report


@pytest.mark.parametrize("slow", [False, True])
def test_fields_by_nested_path(tmp_path: Path, slow: bool) -> None:
    records: list[Any] = list(RECORDS)
    if slow:  # a field whose type varies sends the block through the line-by-line reader
        records.append({"time": "1700000240", "attributes": {"service.name": ["cart"]}})
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    events, report = read_all(nested_source(path, 'attributes["http.status_code"]'), ["cart", "search"])
    assert events.status.tolist() == [200, 503]
    assert events.component.tolist() == [0, 1]
    assert report.skipped["missing status"] == 1
    assert report.skipped["unknown component"] == (2 if slow else 1)


def test_dotted_path_into_an_object(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in RECORDS[:2]))
    columns = ColumnMapping("time", F.UNIX_S, status="responses.5xx")
    report = ReadReport("j")
    assert not list(read_events(EventSource("j", (path,), None, columns, None, Origin("c", 1)), [""], report))
    assert report.skipped == {"invalid status": 2}  # 0 and 1 are read, and are no HTTP status
    assert [(e.field, e.value) for e in report.examples] == [("responses.5xx", "0"), ("responses.5xx", "1")]


def test_a_top_level_key_with_a_dot_is_still_that_key(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({"time": 1700000000, "http.status": 204}) + "\n")
    columns = ColumnMapping("time", F.UNIX_S, status="http.status")
    (events,) = read_events(
        EventSource("j", (path,), None, columns, None, Origin("c", 1)), [""], ReadReport("j")
    )
    assert events.status.tolist() == [204]


def test_nested_rfc3339_keeps_its_offset(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_text(json.dumps({"meta": {"at": "2026-11-05T12:00:00+02:00"}}) + "\n")
    columns = ColumnMapping("meta.at", F.RFC3339)
    (events,) = read_events(
        EventSource("j", (path,), None, columns, None, Origin("c", 1)), [""], ReadReport("j")
    )
    assert events.timestamp.tolist() == [utc("2026-11-05T10:00:00")]


# --- derived components and status classes -------------------------------------------------------


def test_component_from_the_first_path_segment_and_a_host_name() -> None:
    paths = pa.array(["/api/cart/items", "/search?q=1", "/", None, "no-slash"])
    assert component_text(paths, r"^/(?:api/)?([^/?]+)").to_pylist() == ["cart", "search", None, None, None]
    hosts = pa.array(["cart.shop.svc:8080", "search"])
    assert component_text(hosts, r"^([^.:]+)").to_pylist() == ["cart", "search"]


@pytest.mark.parametrize(
    ("rule", "good"),
    [
        (GoodRule(status_not_in=("5xx",)), [True, True, True, False, False]),
        (GoodRule(status_in=("2xx", "3xx")), [True, True, False, False, False]),
        (GoodRule(status_in=("2xx", 404)), [True, False, True, False, False]),
        (GoodRule(status_not_in=(503, "4xx")), [True, True, False, True, False]),
        (GoodRule(status_below=500), [True, True, True, False, False]),
    ],
)
def test_status_classes(rule: GoodRule, good: list[bool]) -> None:
    status = np.array([200, 301, 404, 500, 503], dtype=np.int32)
    n = len(status)
    events = EventColumns(
        np.zeros(n), np.zeros(n, np.int32), status, np.full(n, -1, np.int8), np.full(n, np.nan)
    )
    counted, is_good = classify(events, Sli("a", SliKind.AVAILABILITY, good=rule))
    assert counted.all() and is_good.tolist() == good


def test_status_classes_in_config(tmp_path: Path) -> None:
    (tmp_path / "events.csv").write_text("ts,comp,status\n")
    sli = availability(good={"status_in": ["2xx", "3xx", 404]})
    write_config(tmp_path, service("web", component("api", slis=[sli])))
    (comp,) = load_config(tmp_path).components
    assert comp.slis[0].good == GoodRule(status_in=("2xx", "3xx", 404))
    assert comp.slis[0].describe() == "status in [2xx, 3xx, 404]"


@pytest.mark.parametrize(
    ("source_options", "columns", "message"),
    [
        ({"format": "log", "pattern": r"^(\d+) (?P<status>\d+)"}, {}, "every group must be named"),
        ({"format": "log", "preset": "combined"}, {"status": "code"}, "the preset has no group 'code'"),
        ({"format": "log"}, {}, "format: log needs `pattern`"),
        (
            {"format": "log", "preset": "common", "filter": {"column": "env", "equals": "prod"}},
            {"status": "status", "component": "path"},
            "the preset has no group 'env'",
        ),
        ({"preset": "combined"}, {}, "this source is not one"),
        (
            {},
            {"timestamp": {"column": "ts", "time_zone": "Mars/Olympus"}},
            "'Mars/Olympus' is not an IANA time zone",
        ),
        ({}, {"component": {"column": "comp", "pattern": "^/[^/]+"}}, "the pattern needs a group"),
    ],
)
def test_config_problems_are_located(
    tmp_path: Path, source_options: dict[str, Any], columns: dict[str, Any], message: str
) -> None:
    (tmp_path / "events.csv").write_text("ts,comp,status\n")
    source = events_source(**source_options)
    source["columns"] |= columns
    if source_options.get("format") == "log":
        source["columns"]["timestamp"] = {"column": "time_local"}
    write_config(tmp_path, service("web", component("api")), sources=[source])
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert any(message in p.message for p in raised.value.problems), raised.value.problems
    assert all(p.line for p in raised.value.problems)


def test_integer_nanoseconds_as_json_numbers() -> None:
    """Past 2**53, where a safe cast to float fails: the event time is near, the span exact."""
    stamps = pa.array([1700000000123456789, None], pa.int64())
    seconds = epoch_seconds(stamps, mapping(F.UNIX_NS))
    assert seconds.values[0] == pytest.approx(1700000000.123456789, abs=1e-6)
    assert epoch_nanos(stamps, mapping(F.UNIX_NS)).values[0] == 1700000000123456789


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"timestamp": {"column": "ts", "format": "epoch"}},
            "'epoch' is not a timestamp format: expected rfc3339, iso8601, unix_s, unix_ms, unix_us, unix_ns,"
            " or a strptime format",
        ),
        (
            {"good": {"status_in": ["5XX"]}},
            "'5XX' is not a status: expected a status code such as 503 or a class",
        ),
        (
            {"good": {"status_class_not": ["5xx"]}},
            "unknown key 'status_class_not'; did you mean 'status_not_in'?",
        ),
    ],
)
def test_schema_messages_name_the_accepted_forms(
    tmp_path: Path, change: dict[str, Any], message: str
) -> None:
    (tmp_path / "events.csv").write_text("ts,comp,status\n")
    source, sli = events_source(), availability()
    (source["columns"] if "timestamp" in change else sli).update(change)
    write_config(tmp_path, service("web", component("api", slis=[sli])), sources=[source])
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path)
    assert [p.message for p in raised.value.problems if message in p.message], raised.value.problems
