"""Per-minute counter growth (possibly fractional) into whole good and total events per minute.

Good is first clipped to 0..total in each minute. Then good and bad (total less good) are each
counted from their running sums since the grid's start: a minute's events are the running sum
rounded at its end less the running sum rounded at the minute before (half an event or more
counts as one), and its total is its good plus its bad. So the events between two instants
depend only on the running sums there: a counter read at hour points (its growth booked as one
lump per hour) gives the same events in every span between hour points as one read minute by
minute, where rounding each minute on its own would not (0.4 an event a minute is no event in
any minute, 24 in an hour). Whole increases are counted as they are.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from reliability.core.counts import MinuteSeries

Float64 = npt.NDArray[np.float64]
Int64 = npt.NDArray[np.int64]
# Minutes and lumps sum the same increases in other orders: a running sum may then land a hair
# off a half, so the fraction is taken to this many decimals before it is rounded.
FRACTION_DECIMALS = 6


def _running_whole(per_minute: Float64) -> Int64:
    """The running sum at each minute's end, rounded to a whole event (half up)."""
    running = np.cumsum(per_minute)
    whole = np.floor(running)
    fraction = np.round(running - whole, FRACTION_DECIMALS)
    return (whole + (fraction >= 0.5)).astype(np.int64)


def _per_minute(per_minute: Float64) -> Int64:
    if np.array_equal(per_minute, np.floor(per_minute)):
        return per_minute.astype(np.int64)  # whole events: nothing to round
    return np.diff(_running_whole(per_minute), prepend=0)


def whole_events(good: Float64, total: Float64) -> MinuteSeries:
    """Good (clipped to 0..total each minute) and total events per minute, counted whole."""
    total = np.maximum(total, 0)
    good = np.clip(good, 0, total)
    good_events = _per_minute(good)
    return MinuteSeries(good_events, good_events + _per_minute(total - good))
