"""A Prometheus range query answer checked against its documented shape, into typed series.

https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries: an object with
`status`, and on success `data.resultType == "matrix"` and `data.result`, a list of
`{"metric": {label: value}, "values": [[unix_seconds, "value"], ...]}`. Anything else (a proxy's
HTML page, a truncated body, an instant vector, a native histogram, a value that is not a number)
is a telemetry error naming the source, the query and the place in the answer (exit 3).
NaN and ±Inf are numbers here: they are kept, for the caller to skip and count.

An answer is first read in bulk (prometheus_matrix: no Python object per sample); only when that
declines, because something is not as documented, is it read sample by sample, which finds and
names the fault.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any, NoReturn

import numpy as np

from reliability.errors import InputError, Problem
from reliability.telemetry.prometheus_errors import QueryError
from reliability.telemetry.prometheus_matrix import Float64, cut_values, parse_pairs

# How Prometheus (Go's ParseFloat) writes a sample value: a decimal number, NaN or ±Inf.
_SAMPLE_VALUE = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|(?i:[+-]?inf(?:inity)?|nan)")
PREVIEW_CHARS = 60


@dataclass(frozen=True)
class QueryAt:
    """Which query of which source an answer belongs to: what every error about it names."""

    source: str
    url: str  # without credentials
    query: str

    def __str__(self) -> str:
        return f"source {self.source} ({self.url}): query {self.query!r}"

    def malformed(self, place: str, what: str) -> NoReturn:
        problem = Problem(self.url, f"query {self.query!r}: {what}", field=place or None)
        where = f" at {place}" if place else ""
        raise InputError(f"{self}: the answer is not a Prometheus range result{where}: {what}", [problem])


@dataclass(frozen=True)
class RangeSeries:
    """One series of a range answer: its name, its other labels (sorted) and its samples."""

    name: str
    labels: tuple[tuple[str, str], ...]
    stamps: Float64  # Unix seconds
    values: Float64  # NaN and ±Inf as Prometheus sent them

    def describe(self) -> str:
        return self.name + "{" + ",".join(f'{k}="{v}"' for k, v in self.labels) + "}"


def _refuse_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")  # Python's json reads NaN and Infinity unless told not to


def _document(body: bytes | bytearray, at: QueryAt, content_type: str) -> Any:
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        preview = body[:PREVIEW_CHARS].decode("utf-8", errors="replace")
        kind = f" ({content_type})" if content_type else ""
        at.malformed("", f"not JSON{kind}: {exc}; it begins {preview!r}")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null"}
    return names.get(type(value), "a number")


def _member(parent: dict[str, Any], key: str, expected: type, place: str, at: QueryAt) -> Any:
    if key not in parent:
        at.malformed(place, "missing")
    value = parent[key]
    if not isinstance(value, expected):
        at.malformed(place, f"{_kind(value)} instead of {_kind(expected())}")
    return value


def _timestamp(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        stamp = float(value)
    except OverflowError:  # a JSON integer too large for a float
        return None
    return stamp if math.isfinite(stamp) else None


def _values(raw: list[Any], place: str, at: QueryAt) -> tuple[Float64, Float64]:
    stamps: list[float] = []
    values: list[float] = []
    for index, pair in enumerate(raw):
        here = f"{place}[{index}]"
        if not isinstance(pair, list) or len(pair) != 2:
            at.malformed(here, f'{_kind(pair)} instead of a [timestamp, "value"] pair')
        stamp = _timestamp(pair[0])
        if stamp is None:
            at.malformed(here, f"timestamp {pair[0]!r} is not a finite number")
        text = pair[1]
        if not isinstance(text, str) or not _SAMPLE_VALUE.fullmatch(text):
            at.malformed(here, f"value {text!r} is not a number in a string")
        stamps.append(stamp)
        values.append(float(text))
    return np.array(stamps, np.float64), np.array(values, np.float64)


def _metric(entry: Any, place: str, at: QueryAt, what: str) -> dict[str, str]:
    """The labels of a result entry (a series or a sample object), checked to be strings."""
    if not isinstance(entry, dict):
        at.malformed(place, f"{_kind(entry)} instead of a {what} object")
    metric: dict[str, Any] = _member(entry, "metric", dict, f"{place}.metric", at)
    for label, value in metric.items():
        if not isinstance(value, str):
            at.malformed(f"{place}.metric.{label}", f"{_kind(value)} instead of a string")
    return metric


def _series(entry: Any, place: str, at: QueryAt) -> RangeSeries:
    metric = _metric(entry, place, at, "series")
    if "values" not in entry and "histograms" in entry:
        at.malformed(f"{place}.values", "missing: native histograms are not supported, use classic buckets")
    if "values" not in entry and "value" in entry:
        at.malformed(f"{place}.values", "missing: one sample (`value`) is an instant vector's, not a range's")
    stamps, values = _values(_member(entry, "values", list, f"{place}.values", at), f"{place}.values", at)
    return _labelled(metric, stamps, values)


def _labelled(metric: dict[str, str], stamps: Float64, values: Float64) -> RangeSeries:
    labels = {k: v for k, v in metric.items() if k != "__name__"}
    return RangeSeries(metric.get("__name__", ""), tuple(sorted(labels.items())), stamps, values)


class _Placeholders:
    """What json makes of each NaN token in a cut answer: one distinct object per cut array, in order."""

    def __init__(self) -> None:
        self.made: list[object] = []

    def __call__(self, name: str) -> object:
        if name != "NaN":
            raise ValueError(f"{name} is not JSON")
        self.made.append(object())
        return self.made[-1]


def _matrix_entries(document: Any) -> list[Any] | None:
    if not isinstance(document, dict) or document.get("status") != "success":
        return None
    data = document.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        return None
    result = data.get("result")
    return result if isinstance(result, list) else None


def _in_bulk(body: bytes | bytearray) -> list[RangeSeries] | None:
    """The series read without a Python object per sample, or None if anything is not as documented."""
    cut = cut_values(body)
    if cut is None:
        return None
    placeholders = _Placeholders()
    try:
        entries = _matrix_entries(json.loads(cut.skeleton, parse_constant=placeholders))
    except (ValueError, RecursionError):
        return None
    if entries is None or not len(entries) == len(cut.arrays) == len(placeholders.made):
        return None
    for entry, placeholder in zip(entries, placeholders.made, strict=True):
        if not isinstance(entry, dict) or entry.get("values") is not placeholder:
            return None
        metric = entry.get("metric")
        if not isinstance(metric, dict) or not all(isinstance(value, str) for value in metric.values()):
            return None
    samples = parse_pairs(body, cut.arrays)
    if samples is None:
        return None
    return [
        _labelled(entry["metric"], stamps, values)
        for entry, (stamps, values) in zip(entries, samples, strict=True)
    ]


def parse_range_answer(body: bytes | bytearray, at: QueryAt, content_type: str = "") -> list[RangeSeries]:
    """The series of a range query answer; QueryError when the server refused the query."""
    found = _in_bulk(body)
    return found if found is not None else parse_range_answer_by_json(body, at, content_type)


def parse_range_answer_by_json(
    body: bytes | bytearray, at: QueryAt, content_type: str = ""
) -> list[RangeSeries]:
    """The same, read sample by sample (a Python object each): slow, but it names the place of a fault."""
    result = _result(body, at, content_type, "matrix")
    return [_series(entry, f"data.result[{index}]", at) for index, entry in enumerate(result)]


def _result(body: bytes | bytearray, at: QueryAt, content_type: str, result_type: str) -> list[Any]:
    """`data.result` of a successful answer of `result_type`; QueryError when the server refused."""
    document = _document(body, at, content_type)
    if not isinstance(document, dict):
        at.malformed("", f"{_kind(document)} instead of an object")
    status = document.get("status")
    if status == "error":
        raise QueryError(f"{at} failed: {document.get('error')}")
    if status != "success":
        at.malformed("status", f"{status!r} instead of 'success' or 'error'")
    data = _member(document, "data", dict, "data", at)
    found = _member(data, "resultType", str, "data.resultType", at)
    if found != result_type:
        at.malformed("data.resultType", f"{found!r} instead of {result_type!r}")
    result: list[Any] = _member(data, "result", list, "data.result", at)
    return result


def _instant_sample(entry: Any, place: str, at: QueryAt) -> RangeSeries:
    metric = _metric(entry, place, at, "sample")
    pair = _member(entry, "value", list, f"{place}.value", at)
    stamps, values = _values([pair], f"{place}.value", at)
    return _labelled(metric, stamps, values)


def parse_vector_answer(body: bytes | bytearray, at: QueryAt, content_type: str = "") -> list[RangeSeries]:
    """The samples of an instant query answer (`resultType` vector), each as a series of one sample."""
    result = _result(body, at, content_type, "vector")
    return [_instant_sample(entry, f"data.result[{index}]", at) for index, entry in enumerate(result)]
