"""Latency histograms per component and time slot, in memory set by time, never by events.

Counts are kept in the log-linear buckets of latency_buckets. Percentiles are read over windows
ending at the evaluation time, UTC days and UTC hours. A window of whole hours ending at `now`
starts at now's minute of the hour, m, so each UTC hour keeps two histograms, of its minutes
[0, m) and [m, 60): sums of them give every such window, every hour and every day exactly. Windows
of other lengths start inside one of those parts, so the last RECENT_MINUTES minutes also keep one
histogram per minute, which gives every window up to that length exactly. (A longer window that
is not whole hours would start inside an older part; it is read from the whole part, so it
reaches back up to 59 minutes further.) Every read therefore equals the merge of the per-minute
histograms of the window.

Memory: 8 bytes x components x (2 x hours + RECENT_MINUTES) x buckets, where hours is the grid's
length rounded up and buckets the range from the lowest to the highest bucket any event fell in
(plus up to SUB_BUCKETS of slack on each side, at most BUCKET_COUNT = 2,240). For 30 days and 10
components with latencies between 1 ms and 10 s (about 850 buckets): 8 x 10 x (1,442 + 360) x 850
= 123 MB, whatever the number of events; 323 MB at most for any latencies. Widening the range
copies the arrays once, so the peak is briefly twice that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reliability.core import latency_buckets as lb
from reliability.core.percentiles import PERCENTILES, nearest_rank_index

RECENT_MINUTES = 6 * 60  # whole hours: the recent minutes start at a slot, so no slot is split
MINUTES_PER_HOUR = 60

Counts = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BucketPercentiles:
    """Percentiles read from bucket counts: the bucket of each nearest-rank event, as an index."""

    count: int
    buckets: tuple[int, ...]  # one per PERCENTILES entry; empty without events

    @property
    def midpoints(self) -> tuple[float, ...]:
        return tuple(float(s) for s in lb.bucket_midpoint_seconds(np.array(self.buckets, np.int64)))

    @property
    def bounds(self) -> tuple[tuple[float, float], ...]:
        """Each bucket's smallest and largest microsecond value, in seconds."""
        index = np.array(self.buckets, np.int64)
        lower, upper = lb.bucket_lower_micros(index), lb.bucket_upper_micros(index) - 1
        return tuple((lo / 1e6, hi / 1e6) for lo, hi in zip(lower.tolist(), upper.tolist(), strict=True))


def percentiles_of(counts: Counts, lowest_bucket: int) -> BucketPercentiles:
    """Nearest rank (as percentiles.summarize) over bucket counts that start at `lowest_bucket`."""
    cumulative = np.cumsum(counts)
    total = int(cumulative[-1]) if cumulative.size else 0
    if total == 0:
        return BucketPercentiles(0, ())
    ranks = nearest_rank_index(np.full(len(PERCENTILES), total), np.array(PERCENTILES))
    found = np.searchsorted(cumulative, ranks + 1, side="left")
    return BucketPercentiles(total, tuple(int(b) + lowest_bucket for b in found))


def slot_starts(minutes: int) -> npt.NDArray[np.int64]:
    """First minute of each slot: per hour, its part before now's minute of the hour, then the rest."""
    hours = -(-minutes // MINUTES_PER_HOUR)
    hour_start = np.arange(hours, dtype=np.int64) * MINUTES_PER_HOUR
    starts = np.stack([hour_start, hour_start + minutes % MINUTES_PER_HOUR], axis=1).reshape(-1)
    return np.minimum(starts, minutes)


def slot_of(minute: npt.NDArray[np.int64], minutes: int) -> npt.NDArray[np.int64]:
    split = minutes % MINUTES_PER_HOUR
    return 2 * (minute // MINUTES_PER_HOUR) + (minute % MINUTES_PER_HOUR >= split)


@dataclass(frozen=True)
class LatencySketch:
    """One component's bucket counts: per hour part (slots) and per recent minute."""

    minutes: int  # the grid's length
    lowest_bucket: int
    slots: npt.NDArray[np.int64]  # (2 x hours, buckets), see slot_starts
    recent: npt.NDArray[np.int64]  # (RECENT_MINUTES, buckets), the grid's last minutes

    @property
    def first_recent_minute(self) -> int:
        return self.minutes - len(self.recent)

    def between(self, first_minute: int, end_minute: int) -> Counts:
        """Bucket counts of the minutes [first_minute, end_minute)."""
        first, end = max(0, first_minute), min(end_minute, self.minutes)
        if first >= end:
            return np.zeros(self.slots.shape[1], np.int64)
        starts = slot_starts(self.minutes)
        ends = np.append(starts[1:], self.minutes)
        whole_from = int(np.searchsorted(starts, first, side="left"))
        whole_to = int(np.searchsorted(ends, end, side="right"))
        if whole_from >= whole_to:
            return self._minutes(first, end)
        inner = self.slots[whole_from:whole_to].sum(axis=0)
        counts: Counts = inner + self._minutes(first, int(starts[whole_from]))
        return counts + self._minutes(int(ends[whole_to - 1]), end)

    def _minutes(self, first: int, end: int) -> Counts:
        """Counts of minutes within one slot: per minute when recent, else the whole slot."""
        if first >= end:
            return np.zeros(self.slots.shape[1], np.int64)
        if first >= self.first_recent_minute:
            offset = self.first_recent_minute
            return np.asarray(self.recent[first - offset : end - offset].sum(axis=0), np.int64)
        return np.asarray(self.slots[int(slot_of(np.array(first), self.minutes))], np.int64)

    def hourly(self, first_minute: int) -> tuple[npt.NDArray[np.int64], Counts]:
        """(hour index, counts per hour) of the hours from first_minute's on; that hour from it."""
        first = max(0, min(first_minute, self.minutes - 1))
        first_hour = first // MINUTES_PER_HOUR
        hours = self.slots.reshape(-1, 2, self.slots.shape[1])[first_hour:].sum(axis=1)
        hours[0] = self.between(first, (first_hour + 1) * MINUTES_PER_HOUR)
        return np.arange(first_hour, first_hour + len(hours)), hours


@dataclass
class LatencyFold:
    """Bucket counts of every component, grown chunk by chunk.

    Arrays are (time, component code, bucket): a chunk in time order touches a narrow band of them.
    """

    components: int
    minutes: int
    recent_minutes: int = RECENT_MINUTES
    _lowest: int = 0
    _slots: Counts = field(default_factory=lambda: np.zeros((0, 0, 0), np.int64))
    _recent: Counts = field(default_factory=lambda: np.zeros((0, 0, 0), np.int64))

    def add(
        self,
        component: npt.NDArray[np.int64],
        minute: npt.NDArray[np.int64],
        seconds: npt.NDArray[np.float64],
    ) -> None:
        """Count latencies (in seconds) of events at grid minutes (all within the grid)."""
        if not minute.size:
            return
        bucket = lb.bucket_index(lb.micros_of(seconds))
        self._cover(int(bucket.min()), int(bucket.max()))
        width = self._slots.shape[2]
        offset = bucket - self._lowest
        _count_into(
            self._slots, (slot_of(minute, self.minutes) * self.components + component) * width + offset
        )
        recent_from = self.minutes - self._recent.shape[0]
        recent = minute >= recent_from
        if recent.any():
            rows = (minute[recent] - recent_from) * self.components + component[recent]
            _count_into(self._recent, rows * width + offset[recent])

    def _cover(self, lowest: int, highest: int) -> None:
        """Widen the bucket range to hold [lowest, highest], with slack for later chunks."""
        old_lo, old_width = self._lowest, self._slots.shape[2]
        if old_width and old_lo <= lowest and highest < old_lo + old_width:
            return
        if old_width:
            lowest, highest = min(lowest, old_lo), max(highest, old_lo + old_width - 1)
        lowest = max(0, lowest - lb.SUB_BUCKETS)
        highest = min(lb.BUCKET_COUNT - 1, highest + lb.SUB_BUCKETS)
        at = slice(old_lo - lowest, old_lo - lowest + old_width)
        hours = -(-self.minutes // MINUTES_PER_HOUR)
        recent = min(self.recent_minutes, self.minutes)
        slots = np.zeros((2 * hours, self.components, highest - lowest + 1), np.int64)
        kept = np.zeros((recent, self.components, highest - lowest + 1), np.int64)
        if old_width:
            slots[:, :, at], kept[:, :, at] = self._slots, self._recent
        self._lowest, self._slots, self._recent = lowest, slots, kept

    def sketch(self, code: int) -> LatencySketch:
        if not self._slots.shape[2]:
            self._cover(0, 0)
        return LatencySketch(self.minutes, self._lowest, self._slots[:, code], self._recent[:, code])


def _count_into(target: Counts, flat: npt.NDArray[np.int64]) -> None:
    """target.flat[flat] += 1 per entry: a bincount over the touched span, or a sort when sparse."""
    cells = target.reshape(-1)
    lo, hi = int(flat.min()), int(flat.max())
    if hi - lo < 4 * flat.size + 65536:
        cells[lo : hi + 1] += np.bincount(flat - lo, minlength=hi - lo + 1)
    else:
        keys, counts = np.unique(flat, return_counts=True)
        cells[keys] += counts
