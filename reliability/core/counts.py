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


class MinuteSeries:
    """Per-minute good and total counts of one SLI of one component, on a grid.

    Kept as running totals, at every minute or (when most minutes hold no count) only at the
    minutes that hold one: a counter read at hour or 5-minute points before the minutes a run
    needs (prometheus_hours), or a grid longer than the data, holds a count in few minutes.
    Either way the counts per minute are the same; a sum over minutes is two lookups.
    """

    __slots__ = ("_at", "_good_sums", "_total_sums", "minutes")

    def __init__(self, good: Int64, total: Int64) -> None:
        self.minutes = len(total)
        held = np.flatnonzero((good != 0) | (total != 0))
        # Sparse costs an index and two sums per held minute, dense two sums per minute.
        self._at: Index | None = None
        if 3 * held.size < 2 * self.minutes:
            self._at = held.astype(np.int32) if self.minutes < _INT32_END else held
            good, total = good[held], total[held]
        self._good_sums, self._total_sums = _running(good), _running(total)

    def _before(self, minutes: Int64) -> tuple[Sums, Sums]:
        """Good and total summed over the minutes before each of `minutes` (each within the grid)."""
        held = minutes if self._at is None else np.searchsorted(self._at, minutes.astype(self._at.dtype))
        return self._good_sums[held], self._total_sums[held]

    def _dense(self, sums: Sums) -> Int64:
        values = _steps(sums)
        if self._at is None:
            return values
        every = np.zeros(self.minutes, values.dtype)
        every[self._at] = values
        return every

    @property
    def good(self) -> Int64:
        """Good events of every minute (a new array: read it once, not per window)."""
        return self._dense(self._good_sums)

    @property
    def total(self) -> Int64:
        """Events of every minute (a new array: read it once, not per window)."""
        return self._dense(self._total_sums)

    @property
    def nbytes(self) -> int:
        """The memory its counts take."""
        held = 0 if self._at is None else self._at.nbytes
        return held + self._good_sums.nbytes + self._total_sums.nbytes

    def sums(self, edges: Int64) -> tuple[Int64, Int64]:
        """Good and total over [edges[i], edges[i + 1]) for ascending minute edges."""
        good, total = self._before(np.clip(edges, 0, self.minutes))
        return _steps(good), _steps(total)

    def between(self, first_minute: int, end_minute: int) -> Count:
        lo = min(max(0, first_minute), self.minutes)
        hi = min(max(lo, end_minute), self.minutes)
        if self._at is not None:  # one window, many times per SLO: no arrays made
            at, minute = self._at, self._at.dtype.type  # in its own type: else the index is converted
            lo, hi = int(at.searchsorted(minute(lo))), int(at.searchsorted(minute(hi)))
        good, total = self._good_sums, self._total_sums
        return Count(int(good[hi]) - int(good[lo]), int(total[hi]) - int(total[lo]))

    def window(self, grid: MinuteGrid, window_seconds: int) -> Count:
        return self.between(grid.first_minute(window_seconds), self.minutes)

    def daily(self, grid: MinuteGrid) -> tuple[Int64, Int64]:
        """Good and total per UTC day of the grid (the last day may be partial)."""
        return self.sums(np.arange(grid.days + 1) * MINUTES_PER_DAY)

    def hours_with_data(self, grid: MinuteGrid, window_seconds: int) -> tuple[int, int]:
        """(hours with at least one event, hours) in the window, counted back from the end."""
        start = grid.first_minute(window_seconds)
        per_hour = HOUR // 60
        hours = (self.minutes - start) // per_hour
        _, total = self.sums(self.minutes - per_hour * np.arange(hours, -1, -1))
        return int((total > 0).sum()), hours


Index = npt.NDArray[np.int32] | Int64
Sums = npt.NDArray[np.int32] | Int64
_INT32_END = 2**31


def _running(values: Int64) -> Sums:
    """Running totals with a leading zero (the sum of the first k values is at index k), in 32 bits
    when they fit: exact either way, half the memory for most series."""
    sums = np.concatenate((np.zeros(1, values.dtype), np.cumsum(values)))
    if sums.dtype == np.int64 and sums.size and sums.min() >= -_INT32_END and sums.max() < _INT32_END:
        return sums.astype(np.int32)
    return sums


def _steps(sums: Sums) -> Int64:
    """What was added between consecutive running totals, in 64 bits."""
    steps: Int64 = np.subtract(sums[1:], sums[:-1], dtype=np.int64 if sums.dtype.kind == "i" else None)
    return steps
