"""The minute grid every count lives on: UTC-midnight origin, ending at the evaluation time."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reliability.core.cache_slices import sliced

MINUTE = 60
HOUR = 3600
DAY = 86400
MINUTES_PER_DAY = DAY // MINUTE


def evaluation_time(now: float) -> int:
    """The evaluation instant: `now` floored to the whole minute, so windows are whole bins."""
    return int(math.floor(now / MINUTE) * MINUTE)


@dataclass(frozen=True)
class MinuteGrid:
    """Bins [origin + 60 i, origin + 60 (i + 1)) for i < minutes; `end` is the evaluation time."""

    origin: int
    minutes: int

    @property
    def end(self) -> int:
        return self.origin + self.minutes * MINUTE

    @property
    def days(self) -> int:
        return -(-self.minutes // MINUTES_PER_DAY)

    def minute_of(self, timestamps: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        minutes: npt.NDArray[np.int64] = sliced(self._minute_of, np.int64, timestamps)
        return minutes

    def _minute_of(self, timestamps: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
        minutes = timestamps - self.origin
        minutes /= MINUTE
        return np.floor(minutes, out=minutes).astype(np.int64)

    def first_minute(self, window_seconds: int) -> int:
        """Index of the first bin of the window that ends at `end` (0 when it reaches past the grid)."""
        return max(0, self.minutes - window_seconds // MINUTE)

    def covers(self, window_seconds: int) -> bool:
        return window_seconds // MINUTE <= self.minutes

    def day_start(self, day: int) -> int:
        return self.origin + day * DAY


def grid_ending_at(now: int, lookback_seconds: int) -> MinuteGrid:
    """A grid that reaches back at least `lookback_seconds` from `now`, starting at UTC midnight."""
    if now % MINUTE:
        raise ValueError("the evaluation time must be a whole minute")
    origin = (now - lookback_seconds) // DAY * DAY
    return MinuteGrid(origin=origin, minutes=(now - origin) // MINUTE)
