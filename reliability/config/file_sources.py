"""Counter snapshots, Prometheus scrape folders and OTLP JSON files: their config into the model."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from reliability.config.model import (
    ColumnMapping,
    CounterPath,
    CounterSnapshotSource,
    Origin,
    OtlpMetricsSource,
    OtlpTracesSource,
    ScrapeFilesSource,
    ScrapeTime,
    Source,
    TimestampFormat,
    field_default,
)
from reliability.config.yaml_source import KeyPath

FILE_SOURCE_TYPES = ("counter_snapshots", "prometheus_scrapes", "otlp")
Complain = Callable[[KeyPath, str], None]  # (key path under the source, message)


def file_source(raw: dict[str, Any], paths: list[Path], origin: Origin, complain: Complain) -> Source:
    """The source a `type:` of FILE_SOURCE_TYPES declares; `complain` takes what the schema cannot check."""
    name, found = raw["name"], tuple(paths)
    if raw["type"] == "counter_snapshots":
        stamp = raw["timestamp"]
        return CounterSnapshotSource(
            name=name,
            paths=found,
            timestamp=stamp["field"],
            timestamp_format=TimestampFormat(
                stamp.get("format", field_default(ColumnMapping, "timestamp_format"))
            ),
            counters=tuple(CounterPath(n, p) for n, p in raw["counters"].items()),
            origin=origin,
            each=raw.get("each"),
            key_label=raw.get("key_label", field_default(CounterSnapshotSource, "key_label")),
        )
    if raw["type"] == "prometheus_scrapes":
        when = raw["scrape_time"]
        pattern = when.get("pattern")
        if pattern is not None:
            try:
                if "time" not in re.compile(pattern).groupindex:
                    complain(("scrape_time", "pattern"), "needs a group named `time`: (?P<time>...)")
            except re.error as exc:
                complain(("scrape_time", "pattern"), f"is not a regular expression: {exc}")
        return ScrapeFilesSource(
            name=name,
            paths=found,
            scrape_time=ScrapeTime(when["from"]),
            origin=origin,
            file_name_pattern=pattern,
            file_name_format=when.get("format", field_default(ScrapeFilesSource, "file_name_format")),
        )
    if raw["signal"] == "traces":
        attribute = raw.get("component_attribute", field_default(OtlpTracesSource, "component_attribute"))
        return OtlpTracesSource(name, found, origin, attribute)
    return OtlpMetricsSource(name, found, origin)
