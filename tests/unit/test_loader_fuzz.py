"""Fuzzed input for every file loader: whatever the bytes, only the project's own error escapes.

The event reader (CSV and JSON Lines), the OpenMetrics reader and the YAML config loader each get
arbitrary bytes and near-miss text built from fragments of valid input; a bad record is counted
(nothing vanishes), a bad file is a ReliabilityError, and nothing else is raised.
"""

from __future__ import annotations

import dataclasses
import gzip
import os
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.config import load_config
from reliability.config.model import (
    ColumnMapping,
    EventSource,
    LatencyColumns,
    OpenMetricsSource,
    Origin,
    TimestampFormat,
)
from reliability.errors import ReliabilityError
from reliability.telemetry.event_files import read_events
from reliability.telemetry.openmetrics_files import read_samples
from reliability.telemetry.report import ReadReport

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None)
T0 = 1_704_067_200

CSV_PIECES = [
    "ts,component,status,latency_ms\n",
    f"{T0},catalog,200,12\n",
    f"{T0 + 1},search,503,1e3\n",
    "nan,catalog,-1,-5\n",
    ",,,\n",
    '"a,b",catalog,200,1\n',
    '"unclosed,catalog\n',
    "\r\n",
    "\r",
    "\x00",
    "\xff",
    "é",
    "1e999,catalog,200,inf\n",
    "\n",
]
JSONL_PIECES = [
    '{"ts": "2024-01-01T00:00:00Z", "component": "catalog", "status": 200, "lat": 0.1}\n',
    '{"ts": 1704067200, "component": ["catalog"], "status": "200"}\n',
    '{"ts": null, "component": {"a": 1}, "status": 1e400}\n',
    "[[[[[[[[[[",
    "]]]]",
    '{"ts": "2024-13-45T99:99:99Z"}\n',
    '"just text"\n',
    "{\n",
    "\x00",
    "\r",
    "\n",
]
OM_PIECES = [
    "# TYPE http_requests counter\n",
    f'http_requests_total{{job="gw",code="200"}} 10 {T0}\n',
    f'http_requests_total{{job="gw",code="500"}} NaN {T0 + 60}\n',
    f'http_requests_total{{job="gw"}} +Inf {T0}\n',
    f'http_request_duration_seconds_bucket{{job="gw",le="0.1"}} 3 {T0}\n',
    f'http_request_duration_seconds_bucket{{job="gw",le="+Inf"}} 5 {T0}000\n',
    'x{a="\\"}"} 1\n',
    "x{ 1 2 3\n",
    "# EOF\n",
    "\x00",
    "\r",
    "\n",
]
YAML_PIECES = [
    "settings:\n",
    "  history: 1d\n",
    "services:\n",
    "  - name: shop\n",
    "    components:\n",
    "      - {name: api, source: web}\n",
    "sources:\n",
    "  - {name: web, type: events, paths: ['*.csv'], columns: {timestamp: {column: ts}}}\n",
    "a: &x [*x]\n",
    "b: &y {k: *y}\n",
    "objective: .nan\n",
    "[[[[[[\n",
    "key: value\nkey: again\n",
    "<<: *x\n",
    "\t",
    "\x00",
    "\xff",
    "- \n",
    "---\n",
]


def pieces(fragments: list[str]) -> st.SearchStrategy[bytes]:
    """Near-miss input: valid fragments and troublemakers in any order, or any bytes at all."""
    joined = st.lists(st.sampled_from(fragments), max_size=30).map(
        lambda parts: "".join(parts).encode("utf-8", "surrogatepass")
    )
    return st.one_of(joined, st.binary(max_size=400), joined.map(gzip.compress))


def event_source(path: Path, fmt: str) -> EventSource:
    latency = LatencyColumns(column="latency_ms" if fmt == "csv" else "lat", unit="ms")
    timestamp = TimestampFormat.UNIX_S if fmt == "csv" else TimestampFormat.RFC3339
    mapping = ColumnMapping("ts", timestamp, component="component", status="status", latency=latency)
    return EventSource("web", (path,), fmt, mapping, None, Origin("config.yaml", 1))


def read_all_events(data: bytes, fmt: str, strict: bool, name: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        report = ReadReport("web")
        try:
            chunks = list(read_events(event_source(path, fmt), ["catalog", "search"], report, strict=strict))
        except ReliabilityError as exc:
            assert exc.exit_code == 3
            assert str(exc).isprintable()
            return
        used = sum(len(c) for c in chunks)
        assert report.records == used + report.skipped_total + report.filtered_out  # nothing vanishes
        for chunk in chunks:
            for column in dataclasses.fields(chunk):
                assert len(getattr(chunk, column.name)) == len(chunk)
            assert np.isfinite(chunk.timestamp).all()


@FUZZ
@given(data=pieces(CSV_PIECES), strict=st.booleans(), compressed=st.booleans())
def test_csv_reader_raises_only_its_own_error(data: bytes, strict: bool, compressed: bool) -> None:
    read_all_events(data, "csv", strict, "events.csv.gz" if compressed else "events.csv")


@FUZZ
@given(data=pieces(JSONL_PIECES), strict=st.booleans(), compressed=st.booleans())
def test_jsonl_reader_raises_only_its_own_error(data: bytes, strict: bool, compressed: bool) -> None:
    read_all_events(data, "jsonl", strict, "events.jsonl.gz" if compressed else "events.jsonl")


@FUZZ
@given(data=pieces(OM_PIECES), strict=st.booleans(), compressed=st.booleans())
def test_openmetrics_reader_raises_only_its_own_error(data: bytes, strict: bool, compressed: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("metrics.om.gz" if compressed else "metrics.om")
        path.write_bytes(data)
        report = ReadReport("metrics")
        source = OpenMetricsSource("metrics", (path,), Origin("config.yaml", 1))
        try:
            samples = read_samples(source, report, strict=strict)
        except ReliabilityError as exc:
            assert exc.exit_code == 3
            assert str(exc).isprintable()
            return
        kept = sum(len(stamps) for stamps, _ in samples.series.values())
        assert report.records == kept + report.skipped_total
        for stamps, values in samples.series.values():
            assert np.isfinite(stamps).all() and np.isfinite(values).all() and (values >= 0).all()
            assert len(np.unique(stamps)) == len(stamps)  # one sample per series and instant


@FUZZ
@given(data=pieces(YAML_PIECES))
def test_config_loader_raises_only_its_own_error(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "config.yaml"
        path.write_bytes(data)
        (Path(folder) / "events.csv").write_text("ts\n")
        try:
            config = load_config(path)
        except ReliabilityError as exc:
            assert exc.exit_code == 2
            assert str(exc).isprintable()
            return
        assert config.files == (path,)
