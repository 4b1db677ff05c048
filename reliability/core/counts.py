"""Good/total counts and their sums over windows and days of the minute grid."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reliability.core.grid import HOUR, MINUTES_PER_DAY, MinuteGrid

Int64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Count:
    """Good and total events; a count with no events has no ratio (no data is not good)."""

    good: float  # int for events; a sum of slice ratios for ratio_timeslices
    total: float

    @property
    def bad(self) -> float:
        return self.total - self.good

    @property
    def no_data(self) -> bool:
        return self.total == 0

    @property
    def ratio(self) -> float | None:
        return None if self.total == 0 else self.good / self.total

    @property
    def error_ratio(self) -> float | None:
        return None if self.total == 0 else self.bad / self.total

    def __add__(self, other: Count) -> Count:
        return Count(self.good + other.good, self.total + other.total)


@dataclass(frozen=True)
class MinuteSeries:
    """Per-minute good and total counts of one SLI of one component, on a grid."""

    good: Int64
    total: Int64

    def window(self, grid: MinuteGrid, window_seconds: int) -> Count:
        start = grid.first_minute(window_seconds)
        return Count(int(self.good[start:].sum()), int(self.total[start:].sum()))

    def between(self, first_minute: int, end_minute: int) -> Count:
        lo, hi = max(0, first_minute), max(0, end_minute)
        return Count(int(self.good[lo:hi].sum()), int(self.total[lo:hi].sum()))

    def daily(self, grid: MinuteGrid) -> tuple[Int64, Int64]:
        """Good and total per UTC day of the grid (the last day may be partial)."""
        pad = grid.days * MINUTES_PER_DAY - grid.minutes
        good = np.concatenate((self.good, np.zeros(pad, np.int64))).reshape(grid.days, -1).sum(1)
        total = np.concatenate((self.total, np.zeros(pad, np.int64))).reshape(grid.days, -1).sum(1)
        return good, total

    def hours_with_data(self, grid: MinuteGrid, window_seconds: int) -> tuple[int, int]:
        """(hours with at least one event, hours) in the window, counted back from the end."""
        start = grid.first_minute(window_seconds)
        tail = self.total[start:]
        per_hour = HOUR // 60
        usable = len(tail) - len(tail) % per_hour
        hours = tail[len(tail) - usable :].reshape(-1, per_hour).sum(1) if usable else tail[:0]
        return int((hours > 0).sum()), len(hours)
