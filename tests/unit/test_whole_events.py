"""Per-minute counter growth into whole events: the same events between any two instants
whether the growth came minute by minute or in lumps ending at those instants."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from reliability.core.whole_events import whole_events


def lumped(per_minute: np.ndarray, ends: list[int]) -> np.ndarray:
    """The growth of each span booked in its last minute, as a counter read only at `ends` books it."""
    lumps = np.zeros_like(per_minute)
    start = 0
    for end in ends:
        lumps[end - 1] = per_minute[start:end].sum()
        start = end
    return lumps


def span_sums(counts: np.ndarray, ends: list[int]) -> list[int]:
    return [int(part.sum()) for part in np.split(counts, ends[:-1])]


def test_fractions_add_up_across_minutes_as_in_one_lump() -> None:
    total = np.full(60, 0.4)  # 0.4 of an event a minute: no whole event in any minute alone
    by_minutes = whole_events(np.zeros(60), total)
    by_hour = whole_events(np.zeros(60), lumped(total, [60]))
    assert int(by_minutes.total.sum()) == int(by_hour.total.sum()) == 24
    assert by_minutes.total.tolist()[:5] == [0, 1, 0, 1, 0]  # running 0.4, 0.8, 1.2, 1.6, 2.0
    assert int(by_minutes.good.sum()) == int(by_hour.good.sum()) == 0


def test_whole_increases_are_counted_as_they_are() -> None:
    good = np.array([3.0, 5.0, -2.0, 7.0, 0.0])
    total = np.array([4.0, 5.0, 1.0, 6.0, -1.0])
    counts = whole_events(good, total)
    assert counts.good.tolist() == [3, 5, 0, 6, 0]  # clipped to 0..total
    assert counts.total.tolist() == [4, 5, 1, 6, 0]


def test_half_an_event_counts_as_one_however_the_sum_was_reached() -> None:
    # 0.1 + 0.2 + 0.2 is 0.5000000000000001 in floating point, 0.3 + 0.2 is 0.5
    one_way = whole_events(np.zeros(3), np.array([0.1, 0.2, 0.2]))
    other_way = whole_events(np.zeros(3), np.array([0.0, 0.3, 0.2]))
    assert one_way.total.tolist() == other_way.total.tolist() == [0, 0, 1]
    hair_below = whole_events(np.zeros(2), np.array([0.25, 0.2499999999999]))
    assert hair_below.total.tolist() == [0, 1]


def test_good_stays_within_total_in_every_minute_with_fractions() -> None:
    good = np.array([0.4, 0.2, 0.9, 0.0, 0.6])
    total = np.array([0.6, 0.6, 0.8, 0.7, 0.6])
    counts = whole_events(good, total)
    assert (counts.good >= 0).all() and (counts.good <= counts.total).all()
    assert int(counts.good.sum()) == 2  # good clipped: 0.4 + 0.2 + 0.8 + 0 + 0.6 = 2.0
    assert int(counts.total.sum()) == 3  # and 1.2 bad rounded alone: 2 + 1 of 3.3 in all


growth = hnp.arrays(
    np.float64, st.integers(2, 120), elements=st.floats(0, 50, allow_nan=False).map(lambda v: round(v, 2))
)


@settings(max_examples=100, deadline=None)
@given(total=growth, share=st.floats(0, 1), data=st.data())
def test_any_spans_sum_to_the_same_events_by_minutes_and_by_lumps(
    total: np.ndarray, share: float, data: st.DataObject
) -> None:
    good = np.round(total * share, 3)  # never above the total: clipping leaves it whole
    cuts = data.draw(st.sets(st.integers(1, total.size - 1), max_size=6))
    ends = [*sorted(cuts), total.size]
    by_minutes = whole_events(good, total)
    by_lumps = whole_events(lumped(good, ends), lumped(total, ends))
    assert span_sums(by_minutes.good, ends) == span_sums(by_lumps.good, ends)
    assert span_sums(by_minutes.total, ends) == span_sums(by_lumps.total, ends)
    assert (by_minutes.good <= by_minutes.total).all() and (by_lumps.good <= by_lumps.total).all()
