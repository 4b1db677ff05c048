"""OTLP JSON from the real OpenTelemetry SDK (its OTLP encoder, printed as the Collector's file
exporter writes it): SERVER spans as events, sums and histograms as counters, each equal to a
direct count of what was recorded."""

from __future__ import annotations

import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from support.file_sources import read_config

from reliability.config import load_config
from reliability.errors import InputError
from reliability.telemetry.otlp_traces import read_spans
from reliability.telemetry.report import ReadReport

try:
    from opentelemetry.trace import SpanKind
    from support.otel_sdk import BOUNDS, Export, Span, metric_lines, trace_lines
except ImportError as exc:  # the `test` extra brings the SDK
    if os.environ.get("RELIABILITY_REQUIRE_REAL") == "1":
        raise
    pytest.skip(f"opentelemetry-sdk is not installed: {exc}", allow_module_level=True)

pytestmark = pytest.mark.real

START = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
T0_NS = int(START.timestamp()) * 1_000_000_000
NOW = "2026-12-07T11:00:00Z"
MS = 1_000_000

TRACES = """\
settings: {history: 1d}
sources:
  - {name: spans, type: otlp, signal: traces, paths: [traces.jsonl]}
services:
  - name: shop
    components:
      - name: checkout
        source: spans
        slis:
          - {name: availability, kind: availability, good: {status_below: 500}}
          - {name: succeeded, kind: availability, good: {success: true}}
          - {name: latency, kind: latency, threshold: 100ms}
      - name: cart
        source: spans
        slis:
          - {name: availability, kind: availability}
"""

METRICS = """\
settings: {history: 1d}
sources:
  - {name: otel, type: otlp, signal: metrics, paths: [metrics.jsonl]}
services:
  - name: shop
    components:
      - name: checkout
        source: otel
        slis:
          - name: availability
            kind: availability
            total: {metric: http_server_requests, match: {service_name: checkout}}
            bad_counter: {metric: http_server_requests, match: {http_response_status_code: "5.."}}
          - name: latency
            kind: latency
            threshold: 100ms
            histogram: {metric: http_server_request_duration}
"""


def some_spans(seed: int = 5) -> list[Span]:
    rng = random.Random(seed)
    spans = []
    for i in range(300):
        start = T0_NS + rng.randrange(0, 40 * 60 * 1_000_000_000)
        status = rng.choice([200, 200, 200, 201, 404, 500, 503])
        service = "checkout" if i % 3 else "cart"
        spans.append(Span(service, start, start + rng.randrange(1, 400) * MS, status, error=status >= 500))
        if i % 4 == 0:
            spans.append(Span(service, start, start + MS, 200, kind=SpanKind.CLIENT))
    spans.append(Span("checkout", T0_NS, T0_NS + 77 * MS, None, error=True))  # no HTTP status: span status
    spans.append(Span("checkout", T0_NS, T0_NS + 77 * MS, 502, legacy_status=True))  # http.status_code
    return spans


def write(folder: Path, name: str, text: str) -> Path:
    (folder / name).write_text(text)
    return folder / name


def test_server_spans_count_as_a_direct_count_of_them(tmp_path: Path) -> None:
    spans = some_spans()
    write(tmp_path, "traces.jsonl", trace_lines(spans, per_export=40))
    read = read_config(write(tmp_path, "c.yaml", TRACES), NOW)
    for service in ("checkout", "cart"):
        server = [s for s in spans if s.service == service and s.kind is SpanKind.SERVER]
        status = [s.status if s.status is not None else (500 if s.error else 200) for s in server]
        assert read.total[service, "availability"] == len(server)
        assert read.good[service, "availability"] == sum(code < 500 for code in status)
    checkout = [s for s in spans if s.service == "checkout" and s.kind is SpanKind.SERVER]
    assert read.good["checkout", "succeeded"] == sum(not s.error for s in checkout)
    assert read.good["checkout", "latency"] == sum(s.end_ns - s.start_ns <= 100 * MS for s in checkout)
    assert read.report.filtered_out == sum(s.kind is SpanKind.CLIENT for s in spans)
    assert read.report.skipped_total == 0


def test_a_77_ms_span_lasts_exactly_0_077_seconds(tmp_path: Path) -> None:
    write(
        tmp_path,
        "traces.jsonl",
        trace_lines([Span("checkout", T0_NS + 123_456_789, T0_NS + 123_456_789 + 77 * MS, 200)]),
    )
    config = load_config(write(tmp_path, "c.yaml", TRACES))
    (events,) = read_spans(config.sources[0], ["checkout", "cart"], ReadReport("spans"))  # type: ignore[arg-type]
    assert events.latency.tolist() == [0.077]
    assert events.timestamp.tolist() == pytest.approx([(T0_NS + 123_456_789 + 77 * MS) / 1e9], abs=1e-6)


def test_enum_names_as_protobuf_prints_them_read_like_the_integers(tmp_path: Path) -> None:
    spans = some_spans(seed=9)
    write(tmp_path, "traces.jsonl", trace_lines(spans, integer_enums=True))
    config = write(tmp_path, "c.yaml", TRACES)
    as_integers = read_config(config, NOW)
    write(tmp_path, "traces.jsonl", trace_lines(spans, integer_enums=False))
    assert '"kind":"SPAN_KIND_SERVER"' in (tmp_path / "traces.jsonl").read_text()
    as_names = read_config(config, NOW)
    assert (as_names.good, as_names.total) == (as_integers.good, as_integers.total)


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (
            lambda span: span.pop("endTimeUnixNano"),
            r"traces.jsonl:1: .*spans\[0\].endTimeUnixNano: missing timestamp",
        ),
        (lambda span: span.update(endTimeUnixNano="soon"), r"spans\[0\].endTimeUnixNano: invalid timestamp"),
        (lambda span: span.update(endTimeUnixNano="1"), r"spans\[0\].endTimeUnixNano: negative latency"),
    ],
)
def test_a_bad_span_is_located_by_file_line_and_field(tmp_path: Path, spoil: object, problem: str) -> None:
    request = json.loads(trace_lines([Span("checkout", T0_NS, T0_NS + MS, 200)]))
    spoil(request["resourceSpans"][0]["scopeSpans"][0]["spans"][0])  # type: ignore[operator]
    good = trace_lines([Span("checkout", T0_NS + MS, T0_NS + 2 * MS, 200)])
    write(tmp_path, "traces.jsonl", json.dumps(request) + "\n" + good)
    with pytest.raises(InputError, match=problem):
        read_config(write(tmp_path, "c.yaml", TRACES), NOW, strict=True)
    assert read_config(tmp_path / "c.yaml", NOW).report.skipped_total == 1


def test_a_line_that_is_not_an_export_request_is_located(tmp_path: Path) -> None:
    write(tmp_path, "traces.jsonl", trace_lines([Span("checkout", T0_NS, T0_NS + MS, 200)]) + "{oops\n")
    with pytest.raises(InputError, match=r"traces.jsonl:2: resourceSpans: malformed trace export: not JSON"):
        read_config(write(tmp_path, "c.yaml", TRACES), NOW, strict=True)


def exports(count: int, seed: int = 1) -> list[Export]:
    rng = random.Random(seed)
    return [
        Export(
            (START + timedelta(minutes=m)).isoformat(),
            {200: rng.randrange(50, 100), 503: rng.randrange(0, 4)},
            tuple(round(rng.lognormvariate(-2.5, 0.8), 4) for _ in range(rng.randrange(20, 40))),
        )
        for m in range(count)
    ]


def expected(recorded: list[Export]) -> tuple[int, int, int, int]:
    """(requests, good requests, latencies, latencies at most 100 ms) recorded by hand."""
    total = sum(sum(e.requests.values()) for e in recorded)
    bad = sum(e.requests.get(503, 0) for e in recorded)
    latencies = [x for e in recorded for x in e.latencies]
    return total, total - bad, len(latencies), sum(x <= 0.1 for x in latencies)


def numbers(tmp_path: Path) -> tuple[int, int, int, int]:
    read = read_config(write(tmp_path, "c.yaml", METRICS), NOW)
    assert read.report.skipped_total == 0
    return (
        read.total["checkout", "availability"],
        read.good["checkout", "availability"],
        read.total["checkout", "latency"],
        read.good["checkout", "latency"],
    )


def test_cumulative_sums_and_histograms_count_what_was_recorded_after_the_first_export(
    tmp_path: Path,
) -> None:
    recorded = exports(12)
    write(tmp_path, "metrics.jsonl", metric_lines(recorded, delta=False, restart_before=7))
    assert '"aggregationTemporality":2' in (tmp_path / "metrics.jsonl").read_text()
    # The first export is the counters' baseline; after the restart they begin again from zero.
    assert numbers(tmp_path) == expected(recorded[1:])


def test_delta_points_lose_nothing_to_a_baseline(tmp_path: Path) -> None:
    recorded = exports(8, seed=2)
    write(tmp_path, "metrics.jsonl", metric_lines(recorded, delta=True))
    assert '"aggregationTemporality":1' in (tmp_path / "metrics.jsonl").read_text()
    assert numbers(tmp_path) == expected(recorded)


def test_delta_and_cumulative_exports_of_one_metric_add_up(tmp_path: Path) -> None:
    first, second = exports(6, seed=3), exports(12, seed=4)[6:]
    lines = metric_lines(first, delta=True) + metric_lines(second, delta=False, integer_enums=False)
    write(tmp_path, "metrics.jsonl", lines)
    assert numbers(tmp_path) == tuple(
        a + b for a, b in zip(expected(first), expected(second[1:]), strict=True)
    )


def test_histogram_bounds_in_milliseconds_are_read_as_seconds(tmp_path: Path) -> None:
    recorded = exports(5, seed=6)
    text = metric_lines(recorded, delta=True)
    as_ms = [json.loads(line) for line in text.splitlines()]
    for request in as_ms:
        for metric in request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]:
            if "histogram" in metric:
                metric["unit"] = "ms"
                for point in metric["histogram"]["dataPoints"]:
                    point["explicitBounds"] = [b * 1000 for b in point["explicitBounds"]]
    write(tmp_path, "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in as_ms))
    assert numbers(tmp_path) == expected(recorded)
    assert list(BOUNDS) == [0.05, 0.1, 0.25, 0.5, 1.0]


def test_one_export_is_a_baseline_and_the_error_says_two_are_needed(tmp_path: Path) -> None:
    write(tmp_path, "metrics.jsonl", metric_lines(exports(1), delta=False))
    with pytest.raises(InputError, match=r"only one export of a counter; .* at least two"):
        numbers(tmp_path)


def test_a_bad_point_is_located_by_file_line_and_field(tmp_path: Path) -> None:
    lines = metric_lines(exports(3), delta=False).splitlines()
    request = json.loads(lines[1])
    sums = [m for m in request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"] if "sum" in m]
    sums[0]["sum"]["dataPoints"][0]["asInt"] = "-4"
    lines[1] = json.dumps(request)
    write(tmp_path, "metrics.jsonl", "\n".join(lines) + "\n")
    with pytest.raises(
        InputError,
        match=r"metrics.jsonl:2: resourceMetrics\[0\].scopeMetrics\[0\].metrics\[\d\]"
        r".sum.dataPoints\[0\].asInt: invalid counter value: -4",
    ):
        read_config(write(tmp_path, "c.yaml", METRICS), NOW, strict=True)


def test_gauges_are_filtered_out_not_skipped(tmp_path: Path) -> None:
    recorded = exports(3)
    lines = [json.loads(line) for line in metric_lines(recorded, delta=True).splitlines()]
    for request in lines:
        metrics = request["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
        metrics.append(
            {"name": "process.memory", "gauge": {"dataPoints": [{"timeUnixNano": "1", "asInt": "5"}]}}
        )
    write(tmp_path, "metrics.jsonl", "".join(json.dumps(r) + "\n" for r in lines))
    read = read_config(write(tmp_path, "c.yaml", METRICS), NOW)
    assert read.report.filtered_out == 3
    assert read.total["checkout", "availability"] == expected(recorded)[0]
    assert np.isfinite(read.total["checkout", "latency"])
