"""Latency histograms per component and time slot, holding only the cells events fell in.

Counts are kept in the log-linear buckets of latency_buckets. Percentiles are read over windows
ending at the evaluation time, UTC days and UTC hours. A window of whole hours ending at `now`
starts at now's minute of the hour, m, so each UTC hour keeps two histograms, of its minutes
[0, m) and [m, 60): sums of them give every such window, every hour and every day exactly. Windows
of other lengths start inside one of those parts, so the last RECENT_MINUTES minutes also keep one
histogram per minute, which gives every window up to that length exactly, and the first minute of
every window the fold is told of starts a part of its own, which gives longer windows that are not
whole hours exactly. Every such read therefore equals the merge of the per-minute histograms of
the window. (A longer window the fold was not told of is read from the whole part it starts in.)

Only occupied cells are kept: one sorted int64 key (component, slot, bucket) and one int64 count
each, so memory is 16 bytes x the (slot, component, bucket) triples that hold an event, plus the
same per (recent minute, component, bucket). Each holds at most one cell per event, and at most
components x (2 x hours + RECENT_MINUTES) x the buckets latencies fall in (2,241 at most), which
few data ever fill. Each chunk's cells wait beside the sorted keys until they outnumber them (and
WAITING_CELLS), then all are merged in one sort, so the peak is briefly a few times that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt

from reliability.core import latency_buckets as lb
from reliability.core.cache_slices import sliced
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
        """Each bucket's smallest and largest microsecond value, in seconds (inf above the ceiling)."""
        lower, upper = lb.bucket_bounds_seconds(np.array(self.buckets, np.int64))
        return tuple(zip(lower.tolist(), upper.tolist(), strict=True))


def percentiles_of(counts: Counts, lowest_bucket: int) -> BucketPercentiles:
    """Nearest rank (as percentiles.summarize) over bucket counts that start at `lowest_bucket`."""
    rows = percentiles_by_row(counts[np.newaxis, :], lowest_bucket)
    total = int(rows.counts[0])
    return BucketPercentiles(total, tuple(rows.buckets[0].tolist()) if total else ())


@dataclass(frozen=True)
class RowPercentiles:
    """percentiles_of for every row of a (rows x buckets) array of counts, read at once."""

    counts: Counts  # events per row
    buckets: Counts  # rows x PERCENTILES, bucket indexes; meaningless in a row without events

    @property
    def midpoints(self) -> npt.NDArray[np.float64]:
        return lb.bucket_midpoint_seconds(self.buckets)

    @property
    def bounds(self) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """Each bucket's smallest and largest microsecond value, in seconds (as BucketPercentiles')."""
        return lb.bucket_bounds_seconds(self.buckets)


def percentiles_by_row(counts: Counts, lowest_bucket: int) -> RowPercentiles:
    """Nearest rank over each row of bucket counts that start at `lowest_bucket`."""
    cumulative = np.cumsum(counts, axis=1)
    totals = cumulative[:, -1] if counts.shape[1] else np.zeros(len(counts), np.int64)
    ranks = nearest_rank_index(np.maximum(totals, 1)[:, np.newaxis], np.array(PERCENTILES))
    # The first bucket whose running total passes the rank: as many buckets as have not reached it.
    found = (cumulative[:, np.newaxis, :] <= ranks[:, :, np.newaxis]).sum(axis=2)
    return RowPercentiles(totals, found + lowest_bucket)


def slot_starts(minutes: int, window_starts: Iterable[int] = ()) -> npt.NDArray[np.int64]:
    """First minute of each slot, ascending: every hour's first minute and now's minute of the hour
    in it, and the first minute of every window in `window_starts`."""
    hour_start = np.arange(-(-minutes // MINUTES_PER_HOUR), dtype=np.int64) * MINUTES_PER_HOUR
    starts = np.concatenate(
        [hour_start, hour_start + minutes % MINUTES_PER_HOUR, np.fromiter(window_starts, np.int64)]
    )
    return np.unique(starts[(starts >= 0) & (starts < minutes)])


def slot_of(minute: npt.NDArray[np.int64], starts: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """The slot each minute is in, given the slots' first minutes."""
    return np.searchsorted(starts, minute, side="right") - 1


@dataclass(frozen=True)
class SparseCounts:
    """Counts of occupied cells only: sorted keys (row x BUCKET_COUNT + bucket), one count each."""

    keys: npt.NDArray[np.int64]
    counts: Counts
    # Each key's bucket and row, kept where the cells are read many times (a finished sketch):
    # reads sum by bucket and row, and dividing every key by BUCKET_COUNT costs more than the sums.
    buckets: npt.NDArray[np.int64] | None = None
    key_rows: npt.NDArray[np.int64] | None = None

    def rows(self, first: int, end: int) -> SparseCounts:
        """The cells of rows [first, end), keys unchanged."""
        lo, hi = np.searchsorted(self.keys, [first * lb.BUCKET_COUNT, end * lb.BUCKET_COUNT])
        buckets = None if self.buckets is None else self.buckets[lo:hi]
        key_rows = None if self.key_rows is None else self.key_rows[lo:hi]
        return SparseCounts(self.keys[lo:hi], self.counts[lo:hi], buckets, key_rows)

    def with_buckets(self, rows: int) -> SparseCounts:
        """The same cells (all in rows [0, rows)), with each one's bucket and row kept."""
        # Keys ascend, so each row's cells are one run: its bounds are found by a search per row,
        # which costs far less than dividing every key by BUCKET_COUNT.
        bounds = np.searchsorted(self.keys, np.arange(rows + 1) * lb.BUCKET_COUNT)
        key_rows = np.repeat(np.arange(rows, dtype=np.int64), np.diff(bounds))
        buckets = self.keys - key_rows * lb.BUCKET_COUNT
        return SparseCounts(self.keys, self.counts, buckets, key_rows)

    def by_bucket(self, lowest_bucket: int, width: int) -> Counts:
        """Counts summed per bucket over every row, buckets from lowest_bucket on."""
        bucket = self.keys % lb.BUCKET_COUNT if self.buckets is None else self.buckets
        return _exact_sums(np.bincount(bucket - lowest_bucket, self.counts, minlength=width))

    def per_group_and_bucket(
        self, first_row: int, group_of_row: npt.NDArray[np.int64], lowest_bucket: int, width: int
    ) -> Counts:
        """(groups, width) counts: row first_row + i counted in group group_of_row[i], per bucket."""
        row = self.keys // lb.BUCKET_COUNT if self.key_rows is None else self.key_rows
        bucket = self.keys % lb.BUCKET_COUNT if self.buckets is None else self.buckets
        # Where each row's buckets start in the result: a cell's place is one lookup and one sum.
        row_start = group_of_row * width - lowest_bucket
        place = row_start[row - first_row]
        place += bucket
        groups = int(place.max()) // width + 1 if place.size else 1
        sums = np.bincount(place, self.counts, minlength=groups * width)
        return _exact_sums(sums).reshape(groups, width)


DENSE_CELLS_PER_EVENT = 4  # count in a dense array while it is at most this many cells per event


def _cell_counts(
    component: npt.NDArray[np.int32],
    minute: npt.NDArray[np.int64],
    seconds: npt.NDArray[np.float64],
    first_minute: int,
    row_of_minute: npt.NDArray[np.int64],
    rows_per_component: int,
) -> tuple[npt.NDArray[np.int64], Counts]:
    """The distinct cell keys ((component x rows_per_component + row) x BUCKET_COUNT + bucket),
    ascending, with their number of events. row_of_minute[i] is the row of minute first_minute + i,
    the chunk's first minute, up to its last (so its ends are the lowest and highest rows).

    A chunk of events in time order spans few rows and buckets, so they are counted in a dense
    array over that span only, ordered as the keys are; a sort is the fallback for a wide span.
    Each event's key is made in one cache-sized pass from its minute and latency, so neither its
    row nor its bucket is ever a column of its own. The span's ends need no pass over them:
    rows ascend with minutes, buckets with latencies.
    """
    low_bucket, high_bucket = lb.bucket_of_slice(np.array([seconds.min(), seconds.max()])).tolist()
    low = (int(component.min()), int(row_of_minute[0]), low_bucket)
    shape = (int(component.max()) + 1 - low[0], int(row_of_minute[-1]) + 1 - low[1], high_bucket + 1 - low[2])
    size = shape[0] * shape[1] * shape[2]
    if size > DENSE_CELLS_PER_EVENT * minute.size + 4096:
        key_of_row = row_of_minute * lb.BUCKET_COUNT
        step = rows_per_component * lb.BUCKET_COUNT
        chain = partial(_cell_key, key_of_row=key_of_row, first_minute=first_minute, component_step=step)
        return _summed(sliced(chain, np.int64, component, minute, seconds), None)
    key_of_row = (row_of_minute - low[1]) * shape[2] - low[2]
    step = shape[1] * shape[2]
    chain = partial(_cell_key, key_of_row=key_of_row, first_minute=first_minute, component_step=step)
    chain = partial(chain, first_component=low[0])
    counts = np.bincount(sliced(chain, np.int64, component, minute, seconds), minlength=size)
    occupied = np.flatnonzero(counts)
    # A dense index is line x buckets + bucket, a line being one (component, row) of the span; the
    # key differs from it by a constant per line.
    line = np.arange(shape[0] * shape[1])
    comp, row = np.divmod(line, shape[1])
    line_base = ((comp + low[0]) * rows_per_component + row + low[1]) * lb.BUCKET_COUNT + low[2]
    line_base -= line * shape[2]
    keys: npt.NDArray[np.int64] = occupied + line_base[occupied // shape[2]]
    return keys, counts[occupied]


def _cell_key(
    component: npt.NDArray[np.int32],
    minute: npt.NDArray[np.int64],
    seconds: npt.NDArray[np.float64],
    *,
    key_of_row: npt.NDArray[np.int64],
    first_minute: int,
    component_step: int,
    first_component: int = 0,
) -> npt.NDArray[np.int64]:
    """(component - first_component) x component_step + key_of_row[minute - first_minute] + bucket,
    in place: the key (or dense index) of each event's cell, in one array."""
    key = component.astype(np.int64)
    if first_component:
        key -= first_component
    key *= component_step
    key += key_of_row[minute - first_minute]
    key += lb.bucket_of_slice(seconds)
    return key


def _summed(keys: npt.NDArray[np.int64], times: Counts | None) -> tuple[npt.NDArray[np.int64], Counts]:
    """The distinct keys, ascending, with the sum of `times` (or the number of entries) of each."""
    if times is None:
        new, count = np.unique(keys, return_counts=True)
        return new, count.astype(np.int64)
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    first = np.empty(ordered.size, bool)  # whether each key is the first of its run of equal keys
    first[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    in_order = times[order]
    sums = in_order[first]
    # Chunks share few cells (those of the slot where one ends and the next starts), so the repeats
    # are added one by one, instead of a reduceat over every run, nearly all of one key. The k-th
    # repeat (from 0), at position p, belongs to the run numbered p - k - 1.
    repeats = np.flatnonzero(~first)
    np.add.at(sums, repeats - np.arange(1, repeats.size + 1), in_order[repeats])
    return ordered[first], sums


def _exact_sums(sums: npt.NDArray[np.generic]) -> Counts:
    """bincount's float sums of counts as integers: exact below 2**53 events."""
    return np.asarray(sums, np.int64)


EMPTY = SparseCounts(np.zeros(0, np.int64), np.zeros(0, np.int64))
# Cells that may wait unmerged however few are held (32 MiB of keys and counts).
WAITING_CELLS = 1 << 21


@dataclass
class _CellPile:
    """Sorted cells plus chunks' cells waiting to join them.

    Merging every chunk's cells at once copies all the cells held, once per chunk; waiting until
    they outnumber the held ones, they are merged in one stable sort (of a few sorted runs, which
    it finds), so each cell is copied a few times in all.
    """

    _held: SparseCounts = EMPTY
    _waiting: list[tuple[npt.NDArray[np.int64], Counts]] = field(default_factory=list)
    _waiting_cells: int = 0

    def add(self, keys: npt.NDArray[np.int64], counts: Counts) -> None:
        self._waiting.append((keys, counts))
        self._waiting_cells += keys.size
        if self._waiting_cells > max(self._held.keys.size, WAITING_CELLS):
            self.settled()

    def settled(self) -> SparseCounts:
        """Every cell, merged."""
        if self._waiting:
            keys = np.concatenate([self._held.keys, *(k for k, _ in self._waiting)])
            counts = np.concatenate([self._held.counts, *(c for _, c in self._waiting)])
            self._held = SparseCounts(*_summed(keys, counts)) if keys.size else EMPTY
            self._waiting, self._waiting_cells = [], 0
        return self._held


@dataclass(frozen=True)
class LatencySketch:
    """One component's bucket counts: per hour part (slots) and per recent minute, occupied cells only."""

    minutes: int  # the grid's length
    lowest_bucket: int
    width: int  # buckets in every read, from lowest_bucket on
    slots: SparseCounts  # rows are slots
    recent: SparseCounts  # rows are the grid's last recent_minutes minutes
    recent_minutes: int
    starts: npt.NDArray[np.int64]  # each slot's first minute, see slot_starts

    @property
    def first_recent_minute(self) -> int:
        return self.minutes - self.recent_minutes

    def between(self, first_minute: int, end_minute: int) -> Counts:
        """Bucket counts of the minutes [first_minute, end_minute)."""
        first, end = max(0, first_minute), min(end_minute, self.minutes)
        if first >= end:
            return np.zeros(self.width, np.int64)
        starts = self.starts
        ends = np.append(starts[1:], self.minutes)
        whole_from = int(np.searchsorted(starts, first, side="left"))
        whole_to = int(np.searchsorted(ends, end, side="right"))
        if whole_from >= whole_to:
            return self._minutes(first, end)
        inner = self._read(self.slots.rows(whole_from, whole_to))
        counts: Counts = inner + self._minutes(first, int(starts[whole_from]))
        return counts + self._minutes(int(ends[whole_to - 1]), end)

    def _read(self, cells: SparseCounts) -> Counts:
        return cells.by_bucket(self.lowest_bucket, self.width)

    def _minutes(self, first: int, end: int) -> Counts:
        """Counts of minutes within one slot: per minute when recent, else the whole slot."""
        if first >= end:
            return np.zeros(self.width, np.int64)
        if first >= self.first_recent_minute:
            offset = self.first_recent_minute
            return self._read(self.recent.rows(first - offset, end - offset))
        slot = int(slot_of(np.array(first), self.starts))
        return self._read(self.slots.rows(slot, slot + 1))

    def to_end(self, first_minutes: Iterable[int]) -> Counts:
        """(windows, width) counts of each window [first, the grid's end): what between() gives for
        each, their whole slots read in one pass. Windows sharing an end are nested, so the slots
        are summed per stretch between consecutive first slots, and each window adds those after it."""
        first = np.clip(np.fromiter(first_minutes, np.int64), 0, self.minutes)
        whole_from = np.searchsorted(self.starts, first, side="left")  # each window's first whole slot
        stretch_starts = np.unique(whole_from)
        first_row = int(stretch_starts[0]) if stretch_starts.size else self.starts.size
        rows = np.arange(first_row, self.starts.size)
        stretch_of_row = np.searchsorted(stretch_starts, rows, side="right") - 1
        # One spare row: a read of no slot still gives one.
        stretches = np.zeros((stretch_starts.size + 1, self.width), np.int64)
        read = self.slots.rows(first_row, self.starts.size).per_group_and_bucket(
            first_row, stretch_of_row, self.lowest_bucket, self.width
        )
        stretches[: len(read)] = read
        after = np.cumsum(stretches[::-1], axis=0)[::-1]  # after[k]: stretches k onwards
        counts = after[np.searchsorted(stretch_starts, whole_from)]
        whole_start = np.append(self.starts, self.minutes)[whole_from]
        for window in np.flatnonzero(first < whole_start).tolist():
            # The minutes before the first whole slot: none in a window the fold was told of.
            counts[window] += self._minutes(int(first[window]), int(whole_start[window]))
        return counts

    def daily(self, minutes_per_day: int) -> Counts:
        """(days, width) counts of each day [d x minutes_per_day, (d + 1) x minutes_per_day), the last
        one to the grid's end: what between() gives for each, read in one pass. Days are whole hours,
        so each is made of whole slots."""
        assert minutes_per_day % MINUTES_PER_HOUR == 0
        days = np.zeros((-(-self.minutes // minutes_per_day), self.width), np.int64)
        read = self.slots.per_group_and_bucket(
            0, self.starts // minutes_per_day, self.lowest_bucket, self.width
        )
        days[: len(read)] = read
        return days

    def hourly(self, first_minute: int) -> tuple[npt.NDArray[np.int64], Counts]:
        """(hour index, counts per hour) of the hours from first_minute's on; that hour from it."""
        first = max(0, min(first_minute, self.minutes - 1))
        first_hour = first // MINUTES_PER_HOUR
        count = -(-self.minutes // MINUTES_PER_HOUR) - first_hour
        first_row = int(np.searchsorted(self.starts, first_hour * MINUTES_PER_HOUR))
        cells = self.slots.rows(first_row, self.starts.size)
        hour_of_row = self.starts[first_row:] // MINUTES_PER_HOUR - first_hour
        hours = cells.per_group_and_bucket(first_row, hour_of_row, self.lowest_bucket, self.width)
        if len(hours) < count:  # the last hours without events: read gives rows up to the last with any
            hours = np.concatenate([hours, np.zeros((count - len(hours), self.width), np.int64)])
        hours[0] = self.between(first, (first_hour + 1) * MINUTES_PER_HOUR)
        return np.arange(first_hour, first_hour + count), hours


@dataclass
class LatencyFold:
    """Bucket counts of every component, grown chunk by chunk, occupied cells only.

    Slot cells are keyed (component x slots + slot) x BUCKET_COUNT + bucket, recent ones the same
    with recent minutes for slots, so one component's cells are one sorted run.
    """

    components: int
    minutes: int
    window_starts: tuple[int, ...] = ()  # first minutes of the windows to read exactly
    recent_minutes: int = RECENT_MINUTES
    _slots: _CellPile = field(default_factory=_CellPile)
    _recent: _CellPile = field(default_factory=_CellPile)
    _starts: npt.NDArray[np.int64] = field(init=False)

    def __post_init__(self) -> None:
        self._starts = slot_starts(self.minutes, self.window_starts)

    @property
    def _slot_count(self) -> int:
        return int(self._starts.size)

    @property
    def _recent_count(self) -> int:
        return min(self.recent_minutes, self.minutes)

    @property
    def cells(self) -> int:
        """Occupied (slot, component, bucket) cells held, slots and recent minutes together."""
        return self._slots.settled().keys.size + self._recent.settled().keys.size

    def add(
        self,
        component: npt.NDArray[np.int32],
        minute: npt.NDArray[np.int64],
        seconds: npt.NDArray[np.float64],
        span: tuple[int, int] | None = None,
    ) -> None:
        """Count latencies (in seconds) of events at grid minutes (all within the grid); `span`, the
        lowest and highest minute, when the caller has them already."""
        if not minute.size:
            return
        first, last = span if span is not None else (int(minute.min()), int(minute.max()))
        slot_of_minute = slot_of(np.arange(first, last + 1), self._starts)
        self._slots.add(*_cell_counts(component, minute, seconds, first, slot_of_minute, self._slot_count))
        recent_from = self.minutes - self._recent_count
        if last >= recent_from:  # else no event is recent, and no pass over them needs to say so
            recent = minute >= recent_from
            late = max(first, recent_from)
            row_of_minute = np.arange(late - recent_from, last + 1 - recent_from)
            cells = _cell_counts(
                component[recent], minute[recent], seconds[recent], late, row_of_minute, self._recent_count
            )
            self._recent.add(*cells)

    def add_buckets(
        self,
        component: npt.NDArray[np.int64],
        minute: npt.NDArray[np.int64],
        bucket: npt.NDArray[np.int64],
        events: Counts | None = None,
    ) -> None:
        """Count `events` (one each by default) per (component, grid minute, bucket index)."""
        if not minute.size:
            return
        row = component * self._slot_count + slot_of(minute, self._starts)
        self._slots.add(*_summed(row * lb.BUCKET_COUNT + bucket, events))
        recent_from = self.minutes - self._recent_count
        recent = minute >= recent_from
        if recent.any():
            row = component[recent] * self._recent_count + minute[recent] - recent_from
            late = None if events is None else events[recent]
            self._recent.add(*_summed(row * lb.BUCKET_COUNT + bucket[recent], late))

    def sketch(self, code: int) -> LatencySketch:
        slots = _component_run(self._slots.settled(), code, self._slot_count)
        recent = _component_run(self._recent.settled(), code, self._recent_count)
        # From the buckets both runs keep: neither joined nor every key's remainder taken again.
        ends = [
            (int(b.min()), int(b.max())) for b in (slots.buckets, recent.buckets) if b is not None and b.size
        ]
        lowest, highest = (min(lo for lo, _ in ends), max(hi for _, hi in ends)) if ends else (0, 0)
        width = highest - lowest + 1
        return LatencySketch(self.minutes, lowest, width, slots, recent, self._recent_count, self._starts)


def _component_run(cells: SparseCounts, code: int, rows_per_component: int) -> SparseCounts:
    """One component's cells, keyed by row within the component (slot or recent minute)."""
    first = code * rows_per_component
    run = cells.rows(first, first + rows_per_component)
    return SparseCounts(run.keys - first * lb.BUCKET_COUNT, run.counts).with_buckets(rows_per_component)
