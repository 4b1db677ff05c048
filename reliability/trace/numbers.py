"""Numbers as explain and the gate write them: enough digits to redo the arithmetic."""

from __future__ import annotations

from reliability.durations import format_duration


def number(value: float | None) -> str:
    """Enough digits to redo the arithmetic: whole numbers in full, counts and rates to 3 decimals
    (the artifacts round event counts to 6), ratios to 6 significant digits."""
    if value is None:
        return "null"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1:
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.6g}"


def percent(ratio: float | None, digits: int = 1) -> str:
    return "no data" if ratio is None else f"{ratio * 100:.{digits}f}%"


def duration(seconds: float) -> str:
    """Rounded to whole seconds as a Prometheus duration (1h30m); under half a second, as a number."""
    whole = round(seconds)
    return format_duration(whole) if whole > 0 else f"{number(seconds)}s"
