"""`change_events:` sources (deploys, config changes, flags) from their YAML into the model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reliability.config.model import ChangeEventSource, Origin, field_default
from reliability.config.yaml_source import KeyPath
from reliability.durations import parse_duration
from reliability.files import regular_file_problem

Complain = Callable[[KeyPath, str], None]  # (key path under the source, message)
CHANGE_FILE_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv")


def change_event_source(
    raw: dict[str, Any], folder: Path, origin: Origin, complain: Complain
) -> ChangeEventSource:
    """The source as the model holds it; `complain` takes what the schema cannot check."""
    name = raw["name"]
    if ("file" in raw) == ("command" in raw):
        complain((), f"change events {name!r} need exactly one of `file` and `command`")
    path = None
    if "file" in raw:
        path = folder / raw["file"]
        if path.suffix.lower() not in CHANGE_FILE_SUFFIXES:
            complain(("file",), f"{raw['file']!r}: the name must end in {', '.join(CHANGE_FILE_SUFFIXES)}")
        elif refused := regular_file_problem(path):
            complain(("file",), f"{raw['file']!r} {refused}")
    window = raw.get("attribution_window")
    default_window = field_default(ChangeEventSource, "attribution_seconds")
    attribution = default_window if window is None else parse_duration(window)
    if attribution < 60 or attribution % 60:
        complain(("attribution_window",), "must be whole minutes, at least 1m")
    timeout = raw.get("timeout")
    return ChangeEventSource(
        name=name,
        origin=origin,
        path=path,
        command=tuple(raw.get("command", ())),
        cwd=folder if "command" in raw else None,
        timeout_seconds=field_default(ChangeEventSource, "timeout_seconds")
        if timeout is None
        else parse_duration(timeout),
        attribution_seconds=int(attribution),
    )
