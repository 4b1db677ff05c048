"""The OTLP metrics source: monotonic sums and explicit-bucket histograms of OTLP JSON exports.

One line is one ExportMetricsServiceRequest. Names and attribute keys are spelled as Prometheus
does (`http.server.request.duration` is `http_server_request_duration`); each series carries the
resource's and the point's attributes as labels, plus `temporality` (cumulative or delta).
A histogram becomes `<name>_bucket{le=...}` counters in seconds (bounds in ms, us or ns are
converted by the metric's unit) and `<name>_count`.

Cumulative points are counter samples as they are, so resets and the first point as baseline
take the OpenMetrics path of reliability.core.counters. Delta points are summed into a running
total that starts from zero at the first point's start time, so no delta is lost to a baseline.
Gauges, non-monotonic sums, summaries and exponential histograms are filtered out.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from reliability.config.model import OtlpMetricsSource
from reliability.telemetry.bad_records import BadRecords, skip_or_stop
from reliability.telemetry.json_lines import iter_json_lines
from reliability.telemetry.openmetrics_files import FoundSamples, series_key_of
from reliability.telemetry.otlp_json import (
    TEMPORALITY_CUMULATIVE,
    TEMPORALITY_DELTA,
    attributes,
    enum_code,
    integer,
    label_name,
    member,
    prometheus_name,
)

NANOS = 1_000_000_000
SECONDS_PER_UNIT = {"ms": 1e3, "us": 1e6, "ns": 1e9}  # histogram bounds are divided by these
TEMPORALITY = {TEMPORALITY_CUMULATIVE: "cumulative", TEMPORALITY_DELTA: "delta"}


# One value of one series: its start (delta points), its time (ns since the epoch), it, and its line.
_Point = tuple[int | None, int, float, int]
Pairs = tuple[tuple[str, str], ...]


def read_file(source: OtlpMetricsSource, path: Path, found: FoundSamples) -> set[float]:
    """The file's counter points into `found`; the times of those points (ns since the epoch)."""
    points = _Points(str(path))
    for record in iter_json_lines(path):
        points.add_request(record.line, record.value, record.error)
    found.report.files[str(path)] = points.records
    found.report.filtered_out += points.not_counters
    skip_or_stop(found.report, points.bad.found(), found.strict)
    times: set[float] = set()
    for (key, temporality), series in points.series.items():
        times.update(time for _, time, _, _ in series)
        _add_series(found, str(path), key, temporality == "delta", series)
    return times


def _add_series(found: FoundSamples, path: str, key: str, delta: bool, points: list[_Point]) -> None:
    """One series' points as counter samples; delta points summed from a zero at the first start."""
    starts, stamps, values, lines = (
        list(column) for column in zip(*sorted(points, key=lambda p: p[1]), strict=True)
    )
    if delta:
        assert starts[0] is not None
        stamps, values, lines = [starts[0], *stamps], [0.0, *np.cumsum(values).tolist()], [lines[0], *lines]
    whole, part = np.divmod(np.array(stamps, dtype=np.int64), NANOS)
    found.add_samples(
        path,
        pa.array([key] * len(stamps), pa.string()),
        whole + part / NANOS,
        np.array(values, dtype=np.float64),
        np.array(lines, dtype=np.int64),
    )


@dataclass
class _Points:
    path: str
    records: int = 0
    not_counters: int = 0
    series: dict[tuple[str, str], list[_Point]] = field(default_factory=dict)  # by key and temporality
    bad: BadRecords = field(init=False)

    def __post_init__(self) -> None:
        self.bad = BadRecords(self.path)

    def add_request(self, line: int, request: Any, error: str) -> None:
        if not isinstance(request, dict) or not isinstance(request.get("resourceMetrics", []), list):
            self.records += 1
            self.bad.reject(
                line, "malformed metrics export", "resourceMetrics", error or "not an export request"
            )
            return
        for r, resource_metrics in enumerate(request.get("resourceMetrics", [])):
            found = attributes(member(member(resource_metrics, "resource", {}), "attributes", []))
            resource = {label_name(k): v for k, v in found.items()}
            for s, scope_metrics in enumerate(member(resource_metrics, "scopeMetrics", [])):
                for m, metric in enumerate(member(scope_metrics, "metrics", [])):
                    where = f"resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}]"
                    self._add_metric(line, metric if isinstance(metric, dict) else {}, resource, where)

    def _add_metric(self, line: int, metric: dict[str, Any], resource: dict[str, str], where: str) -> None:
        name = metric.get("name")
        kind = "sum" if "sum" in metric else "histogram" if "histogram" in metric else None
        data = member(metric, kind or "", {})
        points = member(data, "dataPoints", [])
        if kind is None or (kind == "sum" and not data.get("isMonotonic", False)):
            counted = next(
                (len(member(v, "dataPoints", [])) for v in metric.values() if isinstance(v, dict)), 0
            )
            self.records += counted
            self.not_counters += counted
            return
        self.records += len(points)
        if not isinstance(name, str) or not name:
            self.bad.reject(line, "metric without a name", f"{where}.name", name)
            return
        temporality = TEMPORALITY.get(enum_code(data.get("aggregationTemporality")) or 0)
        if temporality is None:
            self.bad.reject(
                line,
                "unknown temporality",
                f"{where}.{kind}.aggregationTemporality",
                data.get("aggregationTemporality"),
            )
            return
        base = prometheus_name(name)
        scale = SECONDS_PER_UNIT.get(str(metric.get("unit", "")), 1.0)
        for p, point in enumerate(points):
            at = f"{where}.{kind}.dataPoints[{p}]"
            timing = self._timing(line, point, at, temporality)
            if timing is None:
                continue
            own = attributes(member(point, "attributes", []))
            labels = {**resource, **{label_name(k): v for k, v in own.items()}, "temporality": temporality}
            pairs = tuple(sorted(labels.items()))
            values = (
                self._sum_value(line, point, at, base)
                if kind == "sum"
                else self._buckets(line, point, at, base, scale)
            )
            for name_of, extra, value in values:
                key = series_key_of(name_of, pairs + extra)  # `le` last: the same place every time
                self.series.setdefault((key, temporality), []).append((timing[0], timing[1], value, line))

    def _timing(self, line: int, point: Any, at: str, temporality: str) -> tuple[int | None, int] | None:
        if not isinstance(point, dict):
            self.bad.reject(line, "malformed data point", at, point)
            return None
        time, start = integer(point.get("timeUnixNano")), integer(point.get("startTimeUnixNano"))
        if time is None or time <= 0:
            reason = "missing timestamp" if point.get("timeUnixNano") is None else "invalid timestamp"
            self.bad.reject(line, reason, f"{at}.timeUnixNano", point.get("timeUnixNano"))
            return None
        if temporality == "delta" and (start is None or not 0 < start < time):
            self.bad.reject(
                line, "delta point without a start", f"{at}.startTimeUnixNano", point.get("startTimeUnixNano")
            )
            return None
        return start, time

    def _sum_value(
        self, line: int, point: dict[str, Any], at: str, base: str
    ) -> Iterator[tuple[str, Pairs, float]]:
        raw = integer(point["asInt"]) if "asInt" in point else point.get("asDouble")
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw) or raw < 0:
            field_name = "asInt" if "asInt" in point else "asDouble"
            self.bad.reject(
                line, "invalid counter value", f"{at}.{field_name}", point.get(field_name, "(absent)")
            )
            return
        yield base, (), float(raw)

    def _buckets(
        self, line: int, point: dict[str, Any], at: str, base: str, scale: float
    ) -> Iterator[tuple[str, Pairs, float]]:
        counts = _counts(member(point, "bucketCounts", []))
        bounds = member(point, "explicitBounds", [])
        total = integer(point.get("count"))
        if total is None or total < 0:
            self.bad.reject(line, "invalid histogram count", f"{at}.count", point.get("count"))
            return
        usable = all(isinstance(b, (int, float)) and math.isfinite(b) for b in bounds)
        if not usable or list(bounds) != sorted(bounds) or any(c is None or c < 0 for c in counts):
            self.bad.reject(line, "invalid histogram buckets", f"{at}.explicitBounds", bounds)
            return
        if counts and (len(counts) != len(bounds) + 1 or sum(c for c in counts if c) != total):
            self.bad.reject(
                line, "bucket counts do not fit the bounds and count", f"{at}.bucketCounts", counts
            )
            return
        running = 0
        buckets = f"{base}_bucket"
        for bound, count in zip(bounds, counts, strict=False):
            running += count or 0
            yield buckets, (("le", repr(float(bound) / scale)),), float(running)
        yield buckets, (("le", "+Inf"),), float(total)
        yield f"{base}_count", (), float(total)


def _counts(raw: list[Any]) -> list[int | None]:
    """Bucket counts: strings of digits as OTLP JSON writes them, checked one by one only when not."""
    if all(type(c) is str and c.isdigit() for c in raw):
        return [int(c) for c in raw]
    return [integer(c) for c in raw]
