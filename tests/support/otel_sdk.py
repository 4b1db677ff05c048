"""OTLP JSON lines written by the real OpenTelemetry SDK: spans and metrics encoded by its OTLP
protobuf encoder and printed by protobuf's JSON printer, one export request per line (the
Collector's file exporter format). Times are set per span, and per export through the clock."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from freezegun import freeze_time
from google.protobuf.json_format import MessageToJson
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.metrics import Counter, Histogram, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, InMemoryMetricReader
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, Status, StatusCode

BOUNDS = (0.05, 0.1, 0.25, 0.5, 1.0)


@dataclass(frozen=True)
class Span:
    service: str
    start_ns: int
    end_ns: int
    status: int | None  # http.response.status_code; None: none
    kind: SpanKind = SpanKind.SERVER
    error: bool = False  # span status ERROR
    legacy_status: bool = False  # http.status_code instead


def _json_line(message: object, integer_enums: bool) -> str:
    text = MessageToJson(message, indent=None, use_integers_for_enums=integer_enums)  # type: ignore[arg-type]
    return json.dumps(json.loads(text), separators=(",", ":"))


def trace_lines(spans: Sequence[Span], per_export: int = 50, integer_enums: bool = True) -> str:
    exporter = InMemorySpanExporter()
    providers: dict[str, TracerProvider] = {}
    for span in spans:
        provider = providers.get(span.service)
        if provider is None:
            resource = Resource.create(
                {"service.name": span.service, "service.instance.id": f"{span.service}-1"}
            )
            provider = providers[span.service] = TracerProvider(resource=resource)
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        tracer = provider.get_tracer("shop.http")
        attributes: dict[str, object] = {"http.request.method": "GET", "url.path": "/api/orders"}
        if span.status is not None:
            attributes["http.status_code" if span.legacy_status else "http.response.status_code"] = (
                span.status
            )
        live = tracer.start_span(
            "GET /api/orders", kind=span.kind, attributes=attributes, start_time=span.start_ns
        )  # type: ignore[arg-type]
        if span.error:
            live.set_status(Status(StatusCode.ERROR))
        live.end(end_time=span.end_ns)
    finished = list(exporter.get_finished_spans())
    return "".join(
        _json_line(encode_spans(finished[i : i + per_export]), integer_enums) + "\n"
        for i in range(0, len(finished), per_export)
    )


@dataclass(frozen=True)
class Export:
    """What the instruments record before one export, at `at` (RFC 3339)."""

    at: str
    requests: dict[int, int]  # status code -> requests
    latencies: tuple[float, ...] = ()


def metric_lines(
    exports: Sequence[Export], delta: bool, restart_before: int | None = None, integer_enums: bool = True
) -> str:
    """One export request per line, from a process that restarts before export `restart_before`."""
    return "".join(_metric_exports(exports, delta, restart_before, integer_enums))


def _metric_exports(
    exports: Sequence[Export], delta: bool, restart_before: int | None, integer_enums: bool
) -> list[str]:
    """The lines, all written before the clock is let go (not a generator: one left unfinished
    would hold the whole process's clock frozen until it is collected)."""
    lines = []
    temporality = AggregationTemporality.DELTA if delta else AggregationTemporality.CUMULATIVE
    started = datetime.fromisoformat(exports[0].at) - timedelta(
        seconds=30
    )  # the process, before its first export
    # freeze_time reads every attribute of every loaded module: clickhouse-connect's would import
    # pandas lazily, under the frozen clock, which crashes the interpreter.
    with freeze_time(started, ignore=["clickhouse_connect"]) as clock:
        reader: InMemoryMetricReader | None = None
        for index, export in enumerate(exports):
            if reader is None or index == restart_before:
                if index:
                    clock.move_to(datetime.fromisoformat(export.at) - timedelta(seconds=30))
                reader = InMemoryMetricReader(
                    preferred_temporality={Counter: temporality, Histogram: temporality}
                )
                provider = MeterProvider(
                    metric_readers=[reader],
                    resource=Resource.create(
                        {"service.name": "checkout", "service.instance.id": "checkout-1"}
                    ),
                    views=[
                        View(
                            instrument_name="http.server.request.duration",
                            aggregation=ExplicitBucketHistogramAggregation(list(BOUNDS)),
                        )
                    ],
                )
                meter = provider.get_meter("shop.http")
                requests = meter.create_counter("http.server.requests", unit="{request}")
                duration = meter.create_histogram("http.server.request.duration", unit="s")
            clock.move_to(datetime.fromisoformat(export.at) - timedelta(seconds=20))  # requests come first
            for status, count in export.requests.items():
                requests.add(count, {"http.response.status_code": status})
            for latency in export.latencies:
                duration.record(latency, {"http.route": "/api/orders"})
            clock.move_to(export.at)
            data = reader.get_metrics_data()
            if data is not None:
                lines.append(_json_line(encode_metrics(data), integer_enums) + "\n")
    return lines
