"""Arrow timestamp columns (any unit, with or without a zone) as whole epoch units of one size.

Parquet written by Go, OpenTelemetry or pandas holds nanoseconds, and pandas writes its "not a
time" (NaT) as the smallest int64. A finer unit is cut toward the earlier instant, as the RFC 3339
text reader cuts a fraction to its first digits; NaT and instants outside years 1 to 9999 (what
RFC 3339 text can write) or outside what the wanted unit can hold are invalid, as such text is.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

Bool = npt.NDArray[np.bool_]
PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
NOT_A_TIME = np.iinfo(np.int64).min
# 0001-01-01T00:00:00Z and the first second after 9999-12-31T23:59:59Z, in epoch seconds.
_FIRST_SECOND, _END_SECOND = -62_135_596_800, 253_402_300_800


def shown(stamp: pa.Array) -> str:
    """One timestamp as a skipped record's example shows it: as text where it is a usable instant."""
    stored = stamp.cast(pa.int64())[0].as_py()
    if stored == NOT_A_TIME:
        return "NaT"
    if whole_units(stamp, stamp.type.unit)[1][0]:
        return f"{stored} ({stamp.type.unit} since 1970)"  # Arrow's text of it would wrap around
    return str(pc.cast(stamp, pa.string())[0])


def whole_units(array: pa.Array, unit: str) -> tuple[npt.NDArray[np.int64], Bool]:
    """Each timestamp in whole `unit`s since the epoch, and where it is present but unusable.

    Values are 0 where missing or invalid. The zone (or its absence) is left to the caller: a
    timestamp's stored number counts from the epoch in UTC, or in local time without a zone.
    """
    numbers = array.cast(pa.int64())
    source_per_second, target_per_second = PER_SECOND[array.type.unit], PER_SECOND[unit]
    divisor = max(source_per_second // target_per_second, 1)
    factor = max(target_per_second // source_per_second, 1)
    # In the stored unit: years 1 to 9999, and what the wanted unit can hold in int64.
    reach = np.iinfo(np.int64).max // factor
    first = max(_FIRST_SECOND * source_per_second, -reach)
    last = min(_END_SECOND * source_per_second - 1, reach)
    stored = np.asarray(numbers.fill_null(0).to_numpy(zero_copy_only=False), np.int64)
    extremes = pc.min_max(numbers)
    lowest, highest = extremes["min"].as_py(), extremes["max"].as_py()
    if not array.null_count and lowest is not None and first <= lowest and highest <= last:
        # The common case, told by one pass: every value usable, no mask built.
        return _scaled(stored, divisor, factor), np.zeros(len(array), dtype=bool)
    present = ~np.asarray(pc.is_null(array).to_numpy(zero_copy_only=False), bool)
    usable = present & (stored >= first) & (stored <= last)  # first > NOT_A_TIME: NaT is outside
    return _scaled(np.where(usable, stored, 0), divisor, factor), present & ~usable


def _scaled(stored: npt.NDArray[np.int64], divisor: int, factor: int) -> npt.NDArray[np.int64]:
    """Floored to a coarser unit (toward the earlier instant, as text is cut) or scaled to a finer one."""
    if divisor > 1:
        return np.floor_divide(stored, divisor)
    return stored * factor if factor > 1 else stored
