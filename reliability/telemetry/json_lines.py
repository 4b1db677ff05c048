"""JSON Lines read one object at a time, each with its line number, however long the line.

Export requests of the OpenTelemetry Collector's file exporter hold a whole batch on one line,
often beyond the 1 MiB limit of the columnar readers (reliability.telemetry.blocks).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.telemetry.blocks import UTF8_BOM, open_stream

READ_BYTES = 8 << 20


@dataclass(frozen=True)
class JsonLine:
    line: int
    value: Any  # the decoded object; None when the line is not JSON
    error: str  # why it is not, else ""
    size: int  # bytes of the line


def iter_json_lines(path: Path) -> Iterator[JsonLine]:
    """Every non-blank line of the file (decompressed by extension), decoded."""
    for number, text in _iter_lines(path):
        if not text.strip():
            continue
        try:
            yield JsonLine(number, json.loads(text), "", len(text))
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            yield JsonLine(number, None, f"not JSON: {exc}", len(text))


def _iter_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with open_stream(path) as stream:
        carry = stream.read(len(UTF8_BOM)).removeprefix(UTF8_BOM)
        number = 1
        while True:
            chunk = stream.read(READ_BYTES)
            data = carry + chunk
            lines = data.split(b"\n")
            carry = lines.pop() if chunk else b""
            for text in lines:
                yield number, text
                number += 1
            if not chunk:
                return


def dotted(value: Any, path: str) -> Any:
    """The value at a dotted path of nested objects (`responses.5xx`); None when any step is missing."""
    for key in _steps(path):
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


@functools.lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[str, ...]:
    return tuple(path.split("."))
