"""Every number shown to a person is formatted here, so one quantity reads the same everywhere.

Ratios (0..1, as the artifacts hold them) become percents with a fixed number of decimals;
percents as configured (objectives, SLA targets, credits) are shown as written; exact figures
(explain's arithmetic) keep enough digits to redo the sum.
"""

from __future__ import annotations

from reliability.durations import format_duration

NO_DATA = "no data"


def percent(ratio: float | None, digits: int, missing: str = NO_DATA) -> str:
    """A ratio as a percent with `digits` decimals: 0.999543 -> '99.954%' (3); None -> `missing`."""
    return missing if ratio is None else f"{ratio * 100:.{digits}f}%"


def configured_percent(value: float) -> str:
    """A percent as the configuration writes it, without float noise: 99.9 -> '99.9%', 99 -> '99%'."""
    return f"{value:g}%"


def exact(value: float | None) -> str:
    """Enough digits to redo the arithmetic: whole numbers in full, counts and rates to 3 decimals
    (the artifacts round event counts to 6), ratios to 6 significant digits."""
    if value is None:
        return "null"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1:
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.6g}"


def duration(seconds: float) -> str:
    """A duration in Prometheus units, to the second ('2h45m'); under half a second, exact ('0.2s')."""
    whole = round(seconds)
    return format_duration(whole) if whole > 0 else f"{exact(seconds)}s"
