"""Checks of an event source's reading settings the schema cannot express: line patterns, the
columns they offer, time zones and component patterns."""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from reliability.config.log_presets import PRESETS, group_names
from reliability.config.model import ColumnMapping, TimestampFormat

KeyProblem = tuple[tuple[str, ...], str]  # (key path below the source, message)
_SQL_TIME_FORMATS = {TimestampFormat.RFC3339, TimestampFormat.UNIX_S, TimestampFormat.UNIX_MS}


def mapped_columns(mapping: ColumnMapping) -> dict[str, str]:
    """The columns the mapping reads, by the key that names each."""
    named = {
        "timestamp": mapping.timestamp,
        "component": mapping.component,
        "status": mapping.status,
        "success": mapping.success,
        "error": mapping.error,
    }
    latency = mapping.latency
    if latency:
        named |= {"latency": latency.column or latency.start, "latency end": latency.end}
    return {key: name for key, name in named.items() if name}


def event_source_checks(raw: dict[str, Any], mapping: ColumnMapping) -> tuple[str | None, list[KeyProblem]]:
    """(the line pattern of a `format: log` source, or None; the problems found)."""
    problems = _mapping_problems(mapping)
    pattern = raw.get("pattern") or PRESETS.get(raw.get("preset", ""))
    if raw.get("format") != "log":
        for key in ("pattern", "preset"):
            if key in raw:
                problems.append(((key,), f"`{key}` splits lines of `format: log`; this source is not one"))
        return None, problems
    if "pattern" in raw and "preset" in raw:
        problems.append((("preset",), "give either `pattern` or `preset`, not both"))
    if pattern is None:
        problems.append(
            (
                ("format",),
                "format: log needs `pattern` (named groups) or `preset` (common, combined, envoy, haproxy)",
            )
        )
        return None, problems
    groups = group_names(pattern)
    key = "pattern" if "pattern" in raw else "preset"
    if isinstance(groups, str):
        problems.append(((key,), groups))
        return None, problems
    read = mapped_columns(mapping)
    if isinstance(raw.get("filter"), dict) and "column" in raw["filter"]:
        read["filter column"] = raw["filter"]["column"]
    for column_key, name in read.items():
        if name not in groups:
            where = (
                ("filter", "column") if column_key == "filter column" else ("columns", column_key.split()[0])
            )
            problems.append((where, f"the {key} has no group {name!r}; its groups are {', '.join(groups)}"))
    return pattern, problems


def _mapping_problems(mapping: ColumnMapping) -> list[KeyProblem]:
    problems: list[KeyProblem] = []
    if mapping.time_zone is not None:
        try:
            ZoneInfo(mapping.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            message = f"{mapping.time_zone!r} is not an IANA time zone, such as UTC or Europe/Berlin"
            problems.append((("columns", "timestamp", "time_zone"), message))
    if mapping.component_pattern is not None:
        try:
            groups = re.compile(mapping.component_pattern).groups
        except re.error as exc:
            problems.append((("columns", "component", "pattern"), f"not a valid regular expression: {exc}"))
        else:
            if groups < 1:
                message = (
                    "the pattern needs a group, such as ^/([^/?]+): its first group's text is the component"
                )
                problems.append((("columns", "component", "pattern"), message))
    return problems


def sql_mapping_problems(mapping: ColumnMapping) -> list[KeyProblem]:
    """What a sql source cannot do yet: the engines take rfc3339 or unix s/ms times and plain columns."""
    problems: list[KeyProblem] = []
    if mapping.timestamp_format not in _SQL_TIME_FORMATS or mapping.time_zone is not None:
        message = "a sql source reads timestamps as rfc3339, unix_s or unix_ms (without time_zone)"
        problems.append((("columns", "timestamp"), message))
    if mapping.component_pattern is not None:
        problems.append((("columns", "component"), "a sql source reads the component from a plain column"))
    return problems
