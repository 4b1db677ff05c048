"""Latency histograms: percentiles within the stated error of exact nearest rank, exact merges."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reliability.core import latency_buckets as lb
from reliability.core.latency_sketch import (
    RECENT_MINUTES,
    LatencyFold,
    LatencySketch,
    percentiles_by_row,
    percentiles_of,
    slot_of,
    slot_starts,
)
from reliability.core.percentiles import PERCENTILE_KEYS, PERCENTILES, nearest_rank_index, summarize

# Latencies up to a day: far below MAX_MICROS, where the last bucket would hold everything longer.
latencies = hnp.arrays(
    np.float64,
    st.integers(1, 400),
    elements=st.one_of(
        st.floats(0.0, 86400.0, allow_nan=False),
        st.floats(0.0, 0.001, allow_nan=False),  # the exact range and just above it
    ),
)


def bucket_counts(seconds: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    return np.bincount(lb.bucket_index(lb.micros_of(seconds)), minlength=lb.BUCKET_COUNT)


def absolute(sketch: LatencySketch, first: int, end: int) -> npt.NDArray[np.int64]:
    """The window's counts over every bucket, wherever the sketch's range starts."""
    counts = np.zeros(lb.BUCKET_COUNT, np.int64)
    window = sketch.between(first, end)
    counts[sketch.lowest_bucket : sketch.lowest_bucket + window.size] = window
    return counts


def fold_of(minute: npt.NDArray[np.int64], seconds: npt.NDArray[np.float64], minutes: int) -> LatencySketch:
    fold = LatencyFold(1, minutes)
    fold.add(np.zeros(minute.size, np.int64), minute, seconds)
    return fold.sketch(0)


@given(latencies)
def test_every_percentile_is_within_the_error_bound_of_exact_nearest_rank(seconds: np.ndarray) -> None:
    exact = summarize(seconds)
    read = percentiles_of(bucket_counts(seconds), 0)
    assert read.count == exact.count
    for key, estimate, (lower, upper), value in zip(
        PERCENTILE_KEYS, read.midpoints, read.bounds, exact.values, strict=True
    ):
        assert value is not None
        bound = lb.MAX_RELATIVE_ERROR * value + lb.MAX_ABSOLUTE_ERROR_SECONDS
        assert abs(estimate - value) <= bound * (1 + 1e-9), key
        assert lower - lb.MAX_ABSOLUTE_ERROR_SECONDS <= value <= upper + lb.MAX_ABSOLUTE_ERROR_SECONDS, key


@given(latencies, st.lists(st.integers(0, 400), max_size=4))
def test_merging_the_histograms_of_parts_gives_the_histogram_of_the_whole(
    seconds: np.ndarray, cuts: list[int]
) -> None:
    parts = np.split(seconds, sorted(c % (seconds.size + 1) for c in cuts))
    assert np.array_equal(sum(bucket_counts(p) for p in parts), bucket_counts(seconds))
    minute = np.arange(seconds.size, dtype=np.int64) % 90
    whole, chunked = LatencyFold(1, 90), LatencyFold(1, 90)
    whole.add(np.zeros(seconds.size, np.int64), minute, seconds)
    for rows in np.split(np.arange(seconds.size), sorted(c % (seconds.size + 1) for c in cuts)):
        chunked.add(np.zeros(rows.size, np.int64), minute[rows], seconds[rows])
    a, b = whole.sketch(0), chunked.sketch(0)
    assert np.array_equal(absolute(a, 0, 90), absolute(b, 0, 90))
    assert np.array_equal(absolute(a, 0, 90), bucket_counts(seconds))
    assert percentiles_of(a.between(0, 90), a.lowest_bucket) == percentiles_of(
        b.between(0, 90), b.lowest_bucket
    )


def test_the_rank_is_the_smallest_holding_at_least_p_percent_for_every_count() -> None:
    shares = [Fraction(str(p)) / 100 for p in PERCENTILES]
    for count in range(1, 2001):
        ranks = nearest_rank_index(np.full(len(PERCENTILES), count), np.array(PERCENTILES))
        expected = [math.ceil(share * count) - 1 for share in shares]  # exact, no float steps
        assert ranks.tolist() == expected, count


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 59), st.integers(1, 3000), st.integers(0, 2**32 - 1))
def test_every_window_ending_now_day_and_hour_equals_the_merge_of_its_minutes(
    minute_of_hour: int, events: int, seed: int
) -> None:
    minutes = 2 * 1440 + 7 * 60 + minute_of_hour  # two days and a few hours, now at any minute
    rng = np.random.default_rng(seed)
    minute = rng.integers(0, minutes, events)
    seconds = rng.lognormal(np.log(0.05), 2.0, events)
    sketch = fold_of(minute, seconds, minutes)

    def merged(first: int, end: int) -> npt.NDArray[np.int64]:
        inside = (minute >= first) & (minute < end)
        return bucket_counts(seconds[inside])[sketch.lowest_bucket :][: sketch.width]

    for length in (1, 5, 30, 60, 90, 120, 359, 360, 6 * 60, 1440, 1500, 2 * 1440, 10 * 1440):
        first = max(0, minutes - length)
        assert np.array_equal(sketch.between(first, minutes), merged(first, minutes)), length
    for day in range(3):
        assert np.array_equal(
            sketch.between(day * 1440, (day + 1) * 1440), merged(day * 1440, (day + 1) * 1440)
        )
    hours, hourly = sketch.hourly(minutes - 1500)
    for hour, counts in zip(hours, hourly, strict=True):
        assert np.array_equal(counts, merged(max(minutes - 1500, hour * 60), (hour + 1) * 60)), hour


def test_counts_stay_whole_when_the_bucket_range_widens_between_chunks() -> None:
    fold = LatencyFold(2, 120)
    fold.add(np.array([0, 1]), np.array([3, 100]), np.array([0.05, 0.06]))
    fold.add(np.array([1, 0]), np.array([100, 119]), np.array([1e-6, 3000.0]))
    first, second = fold.sketch(0), fold.sketch(1)
    assert first.between(0, 120).sum() == second.between(0, 120).sum() == 2
    assert percentiles_of(second.between(0, 120), second.lowest_bucket).midpoints[0] == 1e-6
    assert percentiles_of(first.between(119, 120), first.lowest_bucket).midpoints[0] == pytest.approx(
        3000, rel=0.008
    )


def test_a_long_window_that_is_not_whole_hours_is_exact_when_the_fold_is_told_of_it() -> None:
    minutes = 1440 * 2  # now at a whole hour: without windows, one part per hour
    minute, seconds = np.array([10, 29, 30, 70]), np.array([0.1, 0.4, 0.3, 0.2])
    told = LatencyFold(1, minutes, window_starts=(30,))
    told.add(np.zeros(minute.size, np.int32), minute, seconds)
    exact = told.sketch(0)
    assert exact.between(30, minutes).sum() == 2  # the minutes [30, 60) hold one event, then 70
    assert np.array_equal(absolute(exact, 30, minutes), bucket_counts(seconds[2:]))
    assert exact.between(0, minutes).sum() == 4 and exact.hourly(0)[1].sum(axis=1)[:2].tolist() == [3, 1]
    # Not told of it, the window is read from the whole part [0, 60) it starts in.
    assert fold_of(minute, seconds, minutes).between(30, minutes).sum() == 4


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(0, 59), st.lists(st.integers(361, 2000), max_size=4))
def test_windows_told_to_the_fold_read_as_the_merge_of_their_minutes(
    seed: int, now_minute: int, window_minutes: list[int]
) -> None:
    minutes = 1440 + now_minute
    rng = np.random.default_rng(seed)
    minute = rng.integers(0, minutes, 300)
    seconds = rng.lognormal(np.log(0.05), 1.0, 300)
    fold = LatencyFold(1, minutes, window_starts=tuple(minutes - w for w in window_minutes))
    fold.add(np.zeros(minute.size, np.int32), minute, seconds)
    sketch = fold.sketch(0)
    for length in window_minutes:
        first = max(0, minutes - length)
        expected = bucket_counts(seconds[minute >= first])
        assert np.array_equal(absolute(sketch, first, minutes), expected)
    hours, counts = sketch.hourly(0)
    assert counts.sum(axis=1).tolist() == np.bincount(minute // 60, minlength=hours.size).tolist()


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 59),
    st.lists(st.integers(0, 3000), max_size=6),  # lengths of windows told to the fold
    st.lists(st.integers(0, 3000), max_size=6),  # and of others, read from the parts they start in
    st.integers(0, 600),
)
def test_windows_to_the_end_read_at_once_are_the_windows_read_one_by_one(
    seed: int, now_minute: int, told: list[int], untold: list[int], events: int
) -> None:
    minutes = 1440 + now_minute
    rng = np.random.default_rng(seed)
    minute = np.sort(rng.integers(0, minutes, events))
    fold = LatencyFold(2, minutes, window_starts=tuple(max(0, minutes - w) for w in told))
    fold.add(rng.integers(0, 2, events).astype(np.int32), minute, rng.lognormal(np.log(0.05), 1.0, events))
    firsts = [minutes - length for length in told + untold]  # below 0 for a window longer than the grid
    for code in range(2):
        sketch = fold.sketch(code)
        windows = sketch.to_end(firsts)
        assert windows.shape == (len(firsts), sketch.width)
        for first, counts in zip(firsts, windows, strict=True):
            assert np.array_equal(counts, sketch.between(first, minutes)), first


def test_hours_after_the_last_event_read_as_hours_without_events() -> None:
    fold = LatencyFold(1, 1440)
    fold.add(np.zeros(3, np.int32), np.array([0, 5, 70]), np.array([0.1, 0.2, 0.3]))
    hours, counts = fold.sketch(0).hourly(0)
    assert hours.tolist() == list(range(24))
    assert counts.sum(axis=1).tolist() == [2, 1] + [0] * 22


def test_no_events_read_as_no_data() -> None:
    sketch = fold_of(np.zeros(0, np.int64), np.zeros(0), 600)
    assert percentiles_of(sketch.between(0, 600), sketch.lowest_bucket).count == 0


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 5), st.integers(1, 2000), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_the_fold_holds_one_cell_per_distinct_slot_component_and_bucket_seen(
    components: int, events: int, chunks: int, seed: int
) -> None:
    minutes = 1440 + 7 * 60 + 25
    rng = np.random.default_rng(seed)
    component = rng.integers(0, components, events)
    minute = rng.integers(0, minutes, events)
    seconds = rng.lognormal(np.log(0.05), 1.0, events)
    fold = LatencyFold(components, minutes)
    for rows in np.array_split(np.arange(events), chunks):
        fold.add(component[rows], minute[rows], seconds[rows])
    bucket = lb.bucket_index(lb.micros_of(seconds))
    slot = slot_of(minute, slot_starts(minutes))
    slots = {*zip(slot.tolist(), component.tolist(), bucket.tolist(), strict=True)}
    recent = minute >= minutes - RECENT_MINUTES
    recent_minutes = {
        *zip(minute[recent].tolist(), component[recent].tolist(), bucket[recent].tolist(), strict=True)
    }
    assert fold.cells == len(slots) + len(recent_minutes) <= events + recent.sum()


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 300), st.integers(0, 2**32 - 1))
def test_counts_of_buckets_add_as_that_many_single_events(rows: int, seed: int) -> None:
    minutes = 1440 + 13
    rng = np.random.default_rng(seed)
    component, minute = rng.integers(0, 3, rows), rng.integers(0, minutes, rows)
    bucket, events = rng.integers(0, lb.BUCKET_COUNT, rows), rng.integers(1, 5, rows)
    weighted, single = LatencyFold(3, minutes), LatencyFold(3, minutes)
    weighted.add_buckets(component, minute, bucket, events)
    single.add_buckets(*(np.repeat(a, events) for a in (component, minute, bucket)))
    for code in range(3):
        a, b = weighted.sketch(code), single.sketch(code)
        assert (a.lowest_bucket, a.width) == (b.lowest_bucket, b.width)
        assert np.array_equal(a.between(0, minutes), b.between(0, minutes))
        assert np.array_equal(a.between(minutes - 7, minutes), b.between(minutes - 7, minutes))
        assert np.array_equal(a.hourly(0)[1], b.hourly(0)[1])


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 500), st.integers(0, 2**32 - 1))
def test_a_cell_met_many_times_in_and_across_chunks_holds_the_sum(rows: int, seed: int) -> None:
    """Few cells, met again and again: each chunk sums its repeats, and the merge those of the chunks."""
    minutes = 1440
    rng = np.random.default_rng(seed)
    minute, bucket = rng.integers(0, 3, rows), rng.integers(100, 104, rows)  # all in the first slot
    events = rng.integers(1, 5, rows)
    fold = LatencyFold(1, minutes)
    for part in np.array_split(np.arange(rows), 3):
        fold.add_buckets(np.zeros(part.size, np.int64), minute[part], bucket[part], events[part])
    sketch = fold.sketch(0)
    expected = np.bincount(bucket - sketch.lowest_bucket, events, minlength=sketch.width)
    assert np.array_equal(sketch.between(0, minutes), expected)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 4),
    st.integers(1, 3000),
    st.integers(1, 40),
    st.sampled_from([0.1, 2.0]),  # latencies over few buckets or many
    st.integers(0, 2**32 - 1),
)
def test_chunks_counted_densely_or_by_sorting_hold_the_same_cells(
    components: int, events: int, chunks: int, spread: float, seed: int
) -> None:
    """Narrow chunks in time order are counted in a dense array, wide ones by a sort: same cells."""
    minutes = 2 * 1440 + 17
    rng = np.random.default_rng(seed)
    component = rng.integers(0, components, events)
    minute = np.sort(rng.integers(0, minutes, events))
    seconds = rng.lognormal(np.log(0.05), spread, events)
    chunked, whole = LatencyFold(components, minutes), LatencyFold(components, minutes)
    for rows in np.array_split(np.arange(events), chunks):
        chunked.add(component[rows], minute[rows], seconds[rows])
    order = rng.permutation(events)  # out of time order: one wide chunk
    whole.add(component[order], minute[order], seconds[order])
    for code in range(components):
        a, b = chunked.sketch(code), whole.sketch(code)
        assert np.array_equal(a.slots.keys, b.slots.keys) and np.array_equal(a.slots.counts, b.slots.counts)
        assert np.array_equal(a.recent.keys, b.recent.keys)
        assert np.array_equal(a.recent.counts, b.recent.counts)


@pytest.mark.parametrize("waiting_cells", [0, 1 << 21])
def test_cells_merged_as_they_come_or_all_at_the_end_are_the_same(
    monkeypatch: pytest.MonkeyPatch, waiting_cells: int
) -> None:
    """Chunks' cells wait to be merged in one sort; merged after every chunk, the sketch is the same."""
    from reliability.core import latency_sketch

    minutes, components, events = 3 * 1440 + 5, 3, 20_000
    rng = np.random.default_rng(7)
    component = rng.integers(0, components, events).astype(np.int32)
    minute = np.sort(rng.integers(0, minutes, events))
    seconds = rng.lognormal(np.log(0.05), 1.0, events)
    monkeypatch.setattr(latency_sketch, "WAITING_CELLS", waiting_cells)
    chunked, whole = LatencyFold(components, minutes), LatencyFold(components, minutes)
    for rows in np.array_split(np.arange(events), 25):
        chunked.add(component[rows], minute[rows], seconds[rows])
    whole.add(component, minute, seconds)
    for code in range(components):
        a, b = chunked.sketch(code), whole.sketch(code)
        assert np.array_equal(a.slots.keys, b.slots.keys) and np.array_equal(a.slots.counts, b.slots.counts)
        assert np.array_equal(a.recent.keys, b.recent.keys)
        assert np.array_equal(a.recent.counts, b.recent.counts)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 3), st.integers(0, 3000), st.integers(1, 4 * 1440), st.integers(0, 2**32 - 1))
def test_days_read_at_once_are_the_days_read_one_by_one(
    components: int, events: int, minutes: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    component = rng.integers(0, components, events).astype(np.int32)
    minute = np.sort(rng.integers(0, minutes, events))
    fold = LatencyFold(components, minutes, window_starts=(max(0, minutes - 1000),))
    fold.add(component, minute, rng.lognormal(np.log(0.05), 1.5, events))
    for code in range(components):
        sketch = fold.sketch(code)
        days = sketch.daily(1440)
        assert len(days) == -(-minutes // 1440)
        rows = percentiles_by_row(days, sketch.lowest_bucket)
        for day, counts in enumerate(days):
            assert np.array_equal(counts, sketch.between(day * 1440, (day + 1) * 1440))
            one = percentiles_of(counts, sketch.lowest_bucket)
            assert one.count == rows.counts[day]
            if one.count:
                assert one.buckets == tuple(rows.buckets[day].tolist())
                assert one.midpoints == tuple(rows.midpoints[day].tolist())
                assert one.bounds == tuple(zip(*(b[day].tolist() for b in rows.bounds), strict=True))
