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
    stored = np.asarray(pc.fill_null(array.cast(pa.int64()), 0).to_numpy(zero_copy_only=False), np.int64)
    present = ~np.asarray(pc.is_null(array).to_numpy(zero_copy_only=False), bool)
    source_per_second = PER_SECOND[array.type.unit]
    # In the stored unit: years 1 to 9999, or as far as int64 goes (nanoseconds).
    first = max(_FIRST_SECOND * source_per_second, NOT_A_TIME)
    last = min(_END_SECOND * source_per_second - 1, np.iinfo(np.int64).max)
    usable = present & (stored != NOT_A_TIME) & (stored >= first) & (stored <= last)
    target_per_second = PER_SECOND[unit]
    if target_per_second <= source_per_second:
        values = np.floor_divide(stored, source_per_second // target_per_second)
    else:
        factor = target_per_second // source_per_second
        usable &= np.abs(stored) <= np.iinfo(np.int64).max // factor
        values = np.where(usable, stored, 0) * factor
    return np.where(usable, values, 0), present & ~usable
