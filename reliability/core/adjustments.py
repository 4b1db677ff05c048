"""Budget adjustments on the minute grid: which minutes planned downtime covers, and the counts without them.

A minute is adjusted when its bin starts inside a period [start, end). Where periods of several
adjustments overlap, the first one listed owns the minute. Excluded minutes drop out of good and
total; count_good minutes count their events as good. A minute without events stays without
events either way: an adjustment never turns no data into good.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from dateutil.rrule import rrulestr

from reliability.config.model import Adjustment, AdjustmentMode
from reliability.core.counts import Count, MinuteSeries
from reliability.core.grid import MINUTE, MinuteGrid

NOT_ADJUSTED = -1


@dataclass(frozen=True)
class Period:
    start: int  # epoch seconds
    end: int  # exclusive


def periods_between(adjustment: Adjustment, since: int, until: int) -> tuple[Period, ...]:
    """The adjustment's periods that overlap [since, until), in order."""
    if not adjustment.rrule:
        assert adjustment.end is not None, "a one-off adjustment has an end"
        found = [Period(int(adjustment.start.timestamp()), int(adjustment.end.timestamp()))]
    else:
        zone = ZoneInfo(adjustment.time_zone)
        # Expanded in the zone's wall time, so "Sunday 02:00" stays 02:00 across DST changes.
        rule = rrulestr(adjustment.rrule, dtstart=adjustment.start.astimezone(zone))
        after = datetime.fromtimestamp(since - adjustment.duration_seconds, zone)
        before = datetime.fromtimestamp(until, zone)
        found = [
            Period(int(at.timestamp()), int(at.timestamp()) + adjustment.duration_seconds)
            for at in rule.between(after, before, inc=True)
        ]
    return tuple(p for p in found if p.end > since and p.start < until)


def _minute_range(period: Period, grid: MinuteGrid) -> tuple[int, int]:
    first = -(-(period.start - grid.origin) // MINUTE)
    end = -(-(period.end - grid.origin) // MINUTE)
    return max(0, first), min(grid.minutes, end)


@dataclass(frozen=True)
class MinuteOwners:
    """For each minute of the grid, the index of the adjustment owning it, or NOT_ADJUSTED."""

    adjustments: tuple[Adjustment, ...]
    owner: npt.NDArray[np.int16]
    periods: tuple[tuple[Period, ...], ...]  # per adjustment, those overlapping the grid

    def mask(self, mode: AdjustmentMode) -> npt.NDArray[np.bool_]:
        of_mode = [i for i, a in enumerate(self.adjustments) if a.mode is mode]
        return np.isin(self.owner, of_mode)

    def adjusted(self, series: MinuteSeries) -> MinuteSeries:
        """The counts with excluded minutes removed and count_good minutes all good."""
        excluded = self.mask(AdjustmentMode.EXCLUDE)
        counted_good = self.mask(AdjustmentMode.COUNT_GOOD)
        good = np.where(excluded, 0, np.where(counted_good, series.total, series.good))
        total = np.where(excluded, 0, series.total)
        return MinuteSeries(good.astype(np.int64), total.astype(np.int64))

    def without_bad(self, bad: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Per-minute bad counts (by status, say) with every adjusted minute's bad removed."""
        return np.where(self.owner == NOT_ADJUSTED, bad, 0).astype(np.int64)

    def affected(
        self, index: int, series: MinuteSeries, first_minute: int, end_minute: int
    ) -> tuple[int, Count]:
        """Minutes the adjustment owns in [first_minute, end_minute) and the unadjusted events in them."""
        lo, hi = max(0, first_minute), max(0, end_minute)
        owned = self.owner[lo:hi] == index
        good = int(series.good[lo:hi][owned].sum())
        total = int(series.total[lo:hi][owned].sum())
        return int(owned.sum()), Count(good, total)


@functools.lru_cache(maxsize=64)
def minute_owners(adjustments: tuple[Adjustment, ...], grid: MinuteGrid) -> MinuteOwners:
    """Pure and cached: every SLO with the same adjustments shares one expansion per run."""
    owner = np.full(grid.minutes, NOT_ADJUSTED, np.int16)
    periods = []
    for index, adjustment in enumerate(adjustments):
        found = periods_between(adjustment, grid.origin, grid.end)
        periods.append(found)
        for period in found:
            first, end = _minute_range(period, grid)
            span = owner[first:end]
            span[span == NOT_ADJUSTED] = index  # the first adjustment listed keeps an overlapping minute
    owner.setflags(write=False)
    return MinuteOwners(adjustments, owner, tuple(periods))
