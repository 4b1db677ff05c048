"""Counter samples (cumulative, timestamped) into per-minute increases on the grid.

Each increase between two consecutive samples of a series is booked in the minute of
the later sample. A value lower than the previous one is a counter reset: the new
value is the increase since the reset (as Prometheus' `increase()` assumes). The
first sample of a series only sets the baseline. Unlike `increase()` over a range,
nothing is extrapolated: the sum over minutes equals the counter's real growth.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reliability.core.grid import MinuteGrid

Float64 = npt.NDArray[np.float64]


def minute_increases(timestamps: Float64, values: Float64, grid: MinuteGrid) -> Float64:
    """Per-minute increase of one counter series; samples outside the grid add nothing."""
    order = np.argsort(timestamps, kind="stable")
    stamps, counts = timestamps[order], values[order]
    if stamps.size < 2:
        return np.zeros(grid.minutes)
    step = np.diff(counts)
    growth = np.where(step < 0, counts[1:], step)
    minute = grid.minute_of(stamps[1:])
    inside = (minute >= 0) & (minute < grid.minutes)
    booked = np.bincount(minute[inside], weights=growth[inside], minlength=grid.minutes)
    return booked[: grid.minutes].astype(np.float64)
