"""The pieces of OTLP JSON (the protobuf JSON mapping the Collector's file exporter writes) both
OTLP readers decode: attribute values, 64-bit integers written as strings, and enums.

Integers stay Python ints, so nanosecond times subtract exactly.
"""

from __future__ import annotations

import functools
import re
from typing import Any

SPAN_KIND_SERVER = 2
STATUS_CODE_ERROR = 2
TEMPORALITY_DELTA = 1
TEMPORALITY_CUMULATIVE = 2

_ENUM_NAMES = {
    "SPAN_KIND_SERVER": SPAN_KIND_SERVER,
    "STATUS_CODE_ERROR": STATUS_CODE_ERROR,
    "AGGREGATION_TEMPORALITY_DELTA": TEMPORALITY_DELTA,
    "AGGREGATION_TEMPORALITY_CUMULATIVE": TEMPORALITY_CUMULATIVE,
}


def enum_code(value: Any) -> int | None:
    """An enum as the integer OTLP JSON writes, or its name as protobuf's JSON printer writes it."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        return _ENUM_NAMES.get(value, 0)  # other names (SPAN_KIND_CLIENT, STATUS_CODE_OK, ...) need no code
    return None


def integer(value: Any) -> int | None:
    """A (u)int64 field: a JSON string of digits, or a number; None when it is neither."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.lstrip("-").isdigit():
        return int(value)
    return None


def any_value(value: Any) -> Any:
    """An AnyValue's scalar: str, int, float or bool; None for arrays, maps, bytes and empty values."""
    if not isinstance(value, dict):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return integer(value["intValue"])
    if "doubleValue" in value:
        return value["doubleValue"]
    if "boolValue" in value:
        return value["boolValue"]
    return None


def attribute(items: Any, key: str) -> Any:
    """One attribute's scalar value from a list of KeyValue, None when absent."""
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and item.get("key") == key:
            return any_value(item.get("value"))
    return None


def attributes(items: Any) -> dict[str, str]:
    """Every scalar attribute, as label text (booleans as true/false)."""
    found: dict[str, str] = {}
    for item in items if isinstance(items, list) else ():
        if isinstance(item, dict) and isinstance(item.get("key"), str):
            value = any_value(item.get("value"))
            if value is not None:
                found[item["key"]] = str(value).lower() if isinstance(value, bool) else str(value)
    return found


def prometheus_name(name: str) -> str:
    """A metric or label name as Prometheus spells it: every other character an underscore."""
    cleaned = re.sub(r"[^a-zA-Z0-9_:]", "_", name)
    return f"_{cleaned}" if cleaned[:1].isdigit() else cleaned


@functools.lru_cache(maxsize=1 << 12)
def label_name(name: str) -> str:
    return prometheus_name(name).replace(":", "_")


def member(value: Any, key: str, default: Any) -> Any:
    """value[key] when value is an object and the member has the default's type, else the default."""
    found = value.get(key, default) if isinstance(value, dict) else default
    return found if isinstance(found, type(default)) else default
