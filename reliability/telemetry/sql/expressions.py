"""SQL for the fold's arithmetic, written once over a dialect: the same float steps as numpy's."""

from __future__ import annotations

from reliability.core.classify import LATENCY_SLACK_SECONDS
from reliability.core.latency_buckets import MAX_MICROS
from reliability.telemetry.sql.dialect import Dialect

# What the event-file reader multiplies a latency column by, per unit (the same doubles).
LATENCY_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6}


def whole_micros(dialect: Dialect, seconds: str) -> str:
    """latency_buckets.micros_of: floor(seconds * 1e6 + 0.5), clamped to [0, MAX_MICROS]."""
    rounded = f"floor({seconds} * {dialect.double(1e6)} + {dialect.double(0.5)})"
    low, high = dialect.double(0.0), dialect.double(float(MAX_MICROS))
    return dialect.to_bigint(f"least(greatest({rounded}, {low}), {high})")


def latency_seconds(dialect: Dialect, column: str, unit: str) -> str:
    return f"({dialect.to_double(column)} * {dialect.double(LATENCY_UNITS[unit])})"


def within_threshold(dialect: Dialect, seconds: str, threshold_seconds: float) -> str:
    """classify's latency rule: at most the threshold plus a microsecond of slack."""
    return f"({seconds} <= {dialect.double(threshold_seconds + LATENCY_SLACK_SECONDS)})"
