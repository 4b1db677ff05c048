"""`format: log`: presets and custom patterns, lines that do not match, missing fields, bad timestamps."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from support.configs import component, service, write_config
from typer.testing import CliRunner

from reliability.cli import app
from reliability.config import load_config
from reliability.config.log_presets import COMBINED, COMMON, ENVOY, PRESETS
from reliability.config.model import ColumnMapping, EventSource, LatencyColumns, Origin, TimestampFormat
from reliability.core.events import STATUS_ABSENT
from reliability.errors import InputError
from reliability.telemetry import log_lines
from reliability.telemetry.event_files import read_events
from reliability.telemetry.report import ReadReport

NGINX_TIME = "%d/%b/%Y:%H:%M:%S %z"
COMBINED_LINES = [
    '203.0.113.9 - - [05/Nov/2026:11:00:40 +0100] "GET /api/cart?id=3 HTTP/1.1" 200 512 "-" "curl/8.5.0"',
    '203.0.113.9 - alice [05/Nov/2026:11:00:41 +0100] "POST /api/search HTTP/2" 503 0 "https://a.test/" "M"',
    "2026/11/05 11:00:42 [error] 17#17: *1 connect() failed (111: Connection refused)",
    "",
    '198.51.100.7 - - [05/Nov/2026:11:00:43 +0100] "\\x16\\x03\\x01" 400 157 "-" "-"',
    '203.0.113.9 - - [05/Nov/2026:11:00:44 +0100] "GET /api/cart HTTP/1.1" 301 - "-" "curl/8.5.0" 0.004',
]


def log_source(path: Path, pattern: str, **columns: object) -> EventSource:
    mapping = ColumnMapping(**columns)  # type: ignore[arg-type]
    return EventSource("log", (path,), "log", mapping, None, Origin("config.yaml", 3), line_pattern=pattern)


def read(
    src: EventSource, match: list[str] | None = None, **options: object
) -> tuple[list[dict[str, object]], ReadReport]:
    report = ReadReport(src.name)
    rows: list[dict[str, object]] = []
    for chunk in read_events(src, match or [""], report, **options):  # type: ignore[arg-type]
        for i in range(len(chunk)):
            latency = float(chunk.latency[i])
            rows.append(
                {
                    "ts": float(chunk.timestamp[i]),
                    "component": int(chunk.component[i]),
                    "status": int(chunk.status[i]),
                    "latency": None if np.isnan(latency) else latency,
                }
            )
    assert report.records == len(rows) + report.skipped_total  # nothing vanishes
    return rows, report


def write(tmp_path: Path, lines: list[str], name: str = "access.log", ending: str = "\n") -> Path:
    path = tmp_path / name
    path.write_bytes(ending.join(lines).encode() + ending.encode())
    return path


def nginx_seconds(text: str) -> float:
    return datetime.strptime(text, NGINX_TIME).timestamp()


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_combined_reads_requests_and_reports_lines_that_do_not_match(tmp_path: Path, ending: str) -> None:
    path = write(tmp_path, COMBINED_LINES, ending=ending)
    src = log_source(
        path,
        COMBINED,
        timestamp="time_local",
        timestamp_format=TimestampFormat.STRPTIME,
        timestamp_pattern=NGINX_TIME,
        status="status",
    )
    rows, report = read(src)
    assert [r["status"] for r in rows] == [200, 503, 400, 301]
    assert rows[0]["ts"] == nginx_seconds("05/Nov/2026:11:00:40 +0100")
    assert report.files == {str(path): 5}  # the blank line is no record
    assert report.skipped == {"line does not match the pattern": 1}
    (example,) = report.examples
    assert (example.file, example.line, example.field) == (str(path), 3, "")
    assert example.value == COMBINED_LINES[2]


def test_common_matches_what_combined_extends(tmp_path: Path) -> None:
    lines = [
        '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
        '127.0.0.1 - - [10/Oct/2000:13:55:37 -0700] "GET / HTTP/1.0" 404 -',
    ]
    src = log_source(
        write(tmp_path, lines),
        COMMON,
        timestamp="time_local",
        timestamp_format=TimestampFormat.STRPTIME,
        timestamp_pattern=NGINX_TIME,
        status="status",
    )
    rows, report = read(src)
    assert [r["status"] for r in rows] == [200, 404]
    assert rows[0]["ts"] == 971211336.0  # 2000-10-10T20:55:36Z
    assert not report.skipped


def test_envoy_default_format_with_latency_and_missing_fields(tmp_path: Path) -> None:
    lines = [
        '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/2" 204 - 154 0 226 100 "10.0.35.28" '
        '"nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "tcp://10.0.2.1:80"',
        '[2016-04-15T20:17:01.000Z] "GET /x HTTP/1.1" 503 UF 0 91 - - "-" "-" "-" "locations" "-"',
        '[2016-04-15T20:17:02.000Z] "GET /x HTTP/1.1" 0 DC 0 0 5 - "-" "-" "-" "locations" "-"',
    ]
    src = log_source(
        write(tmp_path, lines),
        ENVOY,
        timestamp="start_time",
        component="authority",
        status="response_code",
        latency=LatencyColumns(column="duration", unit="ms"),
    )
    rows, report = read(src, ["locations"])
    assert rows[0] == {"ts": 1460751420.31, "component": 0, "status": 204, "latency": pytest.approx(0.226)}
    assert rows[1]["latency"] is None  # `-`: no duration is a missing latency, not a bad record
    assert report.skipped == {"invalid status": 1}  # status 0: Envoy never answered
    assert report.examples[0].line == 3


def test_a_missing_mapped_group_is_a_missing_field(tmp_path: Path) -> None:
    pattern = r"^(?P<ts>\S+) (?:status=(?P<status>\d+))?"
    src = log_source(
        write(tmp_path, ["1700000000 status=200", "1700000001 "]),
        pattern,
        timestamp="ts",
        timestamp_format=TimestampFormat.UNIX_S,
        status="status",
    )
    rows, report = read(src)
    assert [r["status"] for r in rows] == [200]
    assert report.skipped == {"missing status": 1}


def test_bad_timestamp_under_strict_names_file_line_and_field(tmp_path: Path) -> None:
    lines = [COMBINED_LINES[0], COMBINED_LINES[0].replace("05/Nov/2026", "35/Nov/2026")]
    path = write(tmp_path, lines)
    src = log_source(
        path,
        COMBINED,
        timestamp="time_local",
        timestamp_format=TimestampFormat.STRPTIME,
        timestamp_pattern=NGINX_TIME,
        status="status",
    )
    with pytest.raises(InputError) as raised:
        read(src, strict=True)
    (problem,) = raised.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), 2, "time_local")
    assert "invalid timestamp" in str(raised.value) and "35/Nov/2026" in str(raised.value)


def test_strict_stops_at_a_line_that_does_not_match(tmp_path: Path) -> None:
    path = write(tmp_path, COMBINED_LINES)
    src = log_source(
        path,
        COMBINED,
        timestamp="time_local",
        timestamp_format=TimestampFormat.STRPTIME,
        timestamp_pattern=NGINX_TIME,
        status="status",
    )
    with pytest.raises(InputError) as raised:
        read(src, strict=True)
    (problem,) = raised.value.problems
    assert (problem.file, problem.line) == (str(path), 3)
    assert "line does not match the pattern" in str(raised.value) and "connect() failed" in str(raised.value)


def test_a_log_whose_timestamps_all_fail_their_format_exits_non_zero(tmp_path: Path) -> None:
    (tmp_path / "access.log").write_text("\n".join(COMBINED_LINES[:2]) + "\n")
    source = {
        "name": "nginx",
        "type": "events",
        "paths": ["access.log"],
        "format": "log",
        "preset": "combined",
        "columns": {"timestamp": {"column": "time_local", "format": "%Y-%m-%d"}, "status": "status"},
    }
    settings = {"evaluate_at": "2026-11-05T12:00:00Z", "history": "1d"}
    web = service("web", component("api", source="nginx"))
    write_config(tmp_path, web, sources=[source], settings=settings)
    result = CliRunner().invoke(app, ["run", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 3
    assert "all 2 records were skipped (invalid timestamp: 2)" in result.output
    assert "access.log:1: invalid timestamp: 05/Nov/2026:11:00:40 +0100" in result.output


def test_tiny_blocks_give_the_same_events_and_line_numbers(tmp_path: Path) -> None:
    path = write(tmp_path, COMBINED_LINES * 40)
    src = log_source(
        path,
        COMBINED,
        timestamp="time_local",
        timestamp_format=TimestampFormat.STRPTIME,
        timestamp_pattern=NGINX_TIME,
        status="status",
    )
    whole, whole_report = read(src)
    pieces, pieces_report = read(src, block_bytes=300)
    assert pieces == whole
    assert pieces_report.skipped == whole_report.skipped == {"line does not match the pattern": 40}
    assert [e.line for e in pieces_report.examples] == [3, 9, 15, 21, 27]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_each_preset_counts_what_python_re_counts(
    tmp_path: Path, preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A direct count: statuses of the lines Python's re matches, against the columnar reader's
    (whose lines are split in slices matched on several threads, as a large block's are)."""
    monkeypatch.setattr(log_lines, "_LINES_PER_SLICE", 50)
    monkeypatch.setattr(log_lines.os, "cpu_count", lambda: 4)
    rng = np.random.default_rng(7)
    lines = []
    for i in range(500):
        status = int(rng.choice([200, 204, 301, 404, 500, 503]))
        minute, second = i // 60 % 60, i % 60
        if preset == "envoy":
            lines.append(
                f'[2026-11-05T10:{minute:02d}:{second:02d}.000Z] "GET /p/{i} HTTP/1.1" {status} - 0 '
                f'10 {i % 90} - "-" "-" "id{i}" "shop" "-"'
            )
        elif preset == "haproxy":
            lines.append(
                f"Nov  5 10:{minute:02d}:{second:02d} lb haproxy[7]: 10.0.0.{i % 250}:{40000 + i} "
                f"[05/Nov/2026:10:{minute:02d}:{second:02d}.{i % 1000:03d}] www shop/s{i % 3} "
                f'0/0/1/{i % 50}/{i % 90} {status} {i} - - ---- 1/1/0/0/0 0/0 "GET /p/{i} HTTP/1.1"'
            )
        else:
            tail = ' "-" "agent"' if preset == "combined" else ""
            lines.append(
                f"10.0.0.{i % 250} - - [05/Nov/2026:10:{minute:02d}:{second:02d} +0000] "
                f'"GET /p/{i} HTTP/1.1" {status} {i}{tail}'
            )
        if rng.random() < 0.05:
            lines.append(f"junk {i}")
    time_group = {"envoy": "start_time", "haproxy": "accept_date"}.get(preset, "time_local")
    status_group = {"envoy": "response_code", "haproxy": "status_code"}.get(preset, "status")
    fmt = TimestampFormat.RFC3339 if preset == "envoy" else TimestampFormat.STRPTIME
    time_pattern = {"envoy": None, "haproxy": "%d/%b/%Y:%H:%M:%S.%f"}.get(preset, NGINX_TIME)
    src = log_source(
        write(tmp_path, lines),
        PRESETS[preset],
        timestamp=time_group,
        timestamp_format=fmt,
        timestamp_pattern=time_pattern,
        time_zone="Europe/Berlin" if preset == "haproxy" else None,
        status=status_group,
    )
    rows, report = read(src)
    direct = [int(m.group(status_group)) for m in map(re.compile(PRESETS[preset]).search, lines) if m]
    assert [r["status"] for r in rows] == direct
    assert report.skipped["line does not match the pattern"] == len(lines) - len(direct) > 0
    assert report.skipped_total == report.skipped["line does not match the pattern"]  # every time read


def test_status_absent_without_a_status_group(tmp_path: Path) -> None:
    src = log_source(
        write(tmp_path, ["1700000000 ok"]),
        r"^(?P<ts>\d+)",
        timestamp="ts",
        timestamp_format=TimestampFormat.UNIX_S,
    )
    rows, _ = read(src)
    assert rows[0]["status"] == STATUS_ABSENT


def test_a_pattern_re2_refuses_is_a_located_error(tmp_path: Path) -> None:
    src = log_source(write(tmp_path, ["x"]), r"(?P<ts>\d+)(?=x)", timestamp="ts")
    with pytest.raises(InputError) as raised:
        read(src)
    assert raised.value.problems[0].file == "config.yaml" and raised.value.problems[0].line == 3
    assert "the log pattern cannot be used" in str(raised.value)


def test_config_for_a_log_source(tmp_path: Path) -> None:
    (tmp_path / "access.log").write_text("")
    source = {
        "name": "nginx",
        "type": "events",
        "paths": ["access.log"],
        "format": "log",
        "preset": "combined",
        "columns": {
            "timestamp": {"column": "time_local", "format": NGINX_TIME},
            "component": {"column": "path", "pattern": "^/([^/?]+)"},
            "status": "status",
        },
    }
    write_config(tmp_path, service("web", component("api", source="nginx")), sources=[source])
    loaded = load_config(tmp_path)
    (src,) = loaded.sources
    assert isinstance(src, EventSource)
    assert src.line_pattern == COMBINED
    assert src.columns.timestamp_format is TimestampFormat.STRPTIME
    assert (src.columns.timestamp_pattern, src.columns.component, src.columns.component_pattern) == (
        NGINX_TIME,
        "path",
        "^/([^/?]+)",
    )
