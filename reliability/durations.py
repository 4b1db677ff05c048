"""Durations in the Prometheus style: 5m, 1h30m, 28d, 4w."""

from __future__ import annotations

import re

_UNIT_SECONDS = {"ms": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)(ms|s|m|h|d|w)")
_WHOLE = re.compile(r"^(?:\d+(?:ms|s|m|h|d|w))+$")


def parse_duration(text: str) -> float:
    """Seconds in a duration such as '30d' or '1h30m'; ValueError when malformed."""
    if not isinstance(text, str) or not _WHOLE.match(text):
        raise ValueError(f"not a duration: {text!r} (expected e.g. 5m, 1h, 28d, 4w)")
    parts = _PART.findall(text)
    whole = sum(int(n) * _UNIT_SECONDS[u] for n, u in parts if u != "ms")
    millis = sum(int(n) for n, u in parts if u == "ms")
    return whole + millis / 1000  # division keeps 300ms == 0.3 exactly


def format_duration(seconds: float) -> str:
    """A Prometheus duration for whole seconds: 2592000 -> '30d', 5400 -> '1h30m'."""
    remaining = int(seconds)
    if remaining != seconds or remaining <= 0:
        raise ValueError(f"not a positive whole number of seconds: {seconds}")
    parts = []
    for unit in ("d", "h", "m", "s"):  # days, not weeks: 28d is what SREs say
        size = int(_UNIT_SECONDS[unit])
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
