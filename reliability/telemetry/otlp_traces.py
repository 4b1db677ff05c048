"""The OTLP traces source: SERVER spans of OTLP JSON trace exports as events.

One line is one ExportTraceServiceRequest. A SERVER span is one request: its time is its end,
its latency end minus start in integer nanoseconds (a 77 ms span is 0.077 s, not 0.0769999),
its status `http.response.status_code` (or the older `http.status_code`); a span with neither
takes its span status (ERROR as 500, else 200). Its success flag is the span status (ERROR
failed). Its component is an attribute of the span, else of its resource (`service.name`).
Other kinds of span are filtered out; a SERVER span without what it needs is a skipped record.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from reliability.config.model import OtlpTracesSource
from reliability.core.events import EventColumns
from reliability.telemetry.bad_records import BadRecords, skip_or_stop
from reliability.telemetry.json_lines import iter_json_lines
from reliability.telemetry.otlp_json import (
    SPAN_KIND_SERVER,
    STATUS_CODE_ERROR,
    attribute,
    enum_code,
    integer,
    member,
)
from reliability.telemetry.progress import NO_TASK, TaskHandle
from reliability.telemetry.report import ReadReport

STATUS_ATTRIBUTES = ("http.response.status_code", "http.status_code")
NANOS = 1_000_000_000


def read_spans(
    source: OtlpTracesSource,
    match_values: list[str],
    report: ReadReport,
    *,
    strict: bool = False,
    task: TaskHandle = NO_TASK,
) -> Iterator[EventColumns]:
    """Each file's SERVER spans as one chunk of events; the rest counted in `report`.

    `task` advances by one per file read.
    """
    for path in source.paths:
        spans = _Spans(str(path), source.component_attribute, {v: i for i, v in enumerate(match_values)})
        for record in iter_json_lines(path):
            spans.add_request(record.line, record.value, record.error)
        task.advance()
        report.files[str(path)] = spans.records
        report.filtered_out += spans.not_server
        skip_or_stop(report, spans.bad.found(), strict)
        if spans.end:
            yield spans.events()


@dataclass
class _Spans:
    path: str
    component_attribute: str
    codes: dict[str, int]
    records: int = 0
    not_server: int = 0
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)
    component: list[int] = field(default_factory=list)
    status: list[int] = field(default_factory=list)
    success: list[int] = field(default_factory=list)
    bad: BadRecords = field(init=False)

    def __post_init__(self) -> None:
        self.bad = BadRecords(self.path)

    def add_request(self, line: int, request: Any, error: str) -> None:
        if not isinstance(request, dict) or not isinstance(request.get("resourceSpans", []), list):
            self.records += 1
            self.bad.reject(line, "malformed trace export", "resourceSpans", error or "not an export request")
            return
        for r, resource_spans in enumerate(request.get("resourceSpans", [])):
            resource = member(resource_spans, "resource", {})
            for s, scope_spans in enumerate(member(resource_spans, "scopeSpans", [])):
                for n, span in enumerate(member(scope_spans, "spans", [])):
                    self.records += 1
                    where = f"resourceSpans[{r}].scopeSpans[{s}].spans[{n}]"
                    if not isinstance(span, dict):
                        self.bad.reject(line, "malformed span", where, span)
                    elif enum_code(span.get("kind")) != SPAN_KIND_SERVER:
                        self.not_server += 1
                    else:
                        self._add_span(line, span, member(resource, "attributes", []), where)

    def _add_span(self, line: int, span: dict[str, Any], resource: Any, where: str) -> None:
        start, end = integer(span.get("startTimeUnixNano")), integer(span.get("endTimeUnixNano"))
        for name, value in (("startTimeUnixNano", start), ("endTimeUnixNano", end)):
            if value is None or value <= 0:
                reason = "missing timestamp" if span.get(name) is None else "invalid timestamp"
                self.bad.reject(line, reason, f"{where}.{name}", span.get(name))
                return
        assert start is not None and end is not None
        if end < start:
            self.bad.reject(line, "negative latency", f"{where}.endTimeUnixNano", f"{end} < start {start}")
            return
        attributes = span.get("attributes", [])
        name = attribute(attributes, self.component_attribute)
        if name is None:
            name = attribute(resource, self.component_attribute)
        code = self.codes.get(str(name)) if name is not None else None
        if code is None:
            self.bad.reject(
                line, "unknown component", f"{where}.{self.component_attribute}", name or "(absent)"
            )
            return
        failed = enum_code(member(span, "status", {}).get("code")) == STATUS_CODE_ERROR
        status = _http_status(attributes)
        if status is None:
            status = 500 if failed else 200
        elif not 100 <= status <= 999:
            self.bad.reject(line, "invalid status", f"{where}.attributes", status)
            return
        self.start.append(start)
        self.end.append(end)
        self.component.append(code)
        self.status.append(status)
        self.success.append(0 if failed else 1)

    def events(self) -> EventColumns:
        start, end = np.array(self.start, dtype=np.int64), np.array(self.end, dtype=np.int64)
        whole, part = np.divmod(end, NANOS)
        return EventColumns(
            timestamp=whole + part / NANOS,
            component=np.array(self.component, dtype=np.int32),
            status=np.array(self.status, dtype=np.int32),
            success=np.array(self.success, dtype=np.int8),
            latency=(end - start) / NANOS,  # an integer difference, divided once: 77 ms is 0.077
        )


def _http_status(attributes: Any) -> int | None:
    for key in STATUS_ATTRIBUTES:
        value = attribute(attributes, key)
        if isinstance(value, str) and value.isdigit():
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    return None
