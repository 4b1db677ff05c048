"""MinuteSeries keeps the minutes that hold counts: every sum reads as over every minute."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reliability.core.counts import Count, MinuteSeries
from reliability.core.grid import MINUTES_PER_DAY, MinuteGrid

GRID = MinuteGrid(origin=0, minutes=2 * MINUTES_PER_DAY + 150)  # a partial last day and hour

# (minute, good, total) booked on the grid: few minutes make a sparse series, many a dense one.
BOOKED = st.lists(
    st.tuples(st.integers(0, GRID.minutes - 1), st.integers(0, 9), st.integers(0, 9)), max_size=60
)


def dense(booked: list[tuple[int, int, int]], every_minute: bool) -> tuple[np.ndarray, np.ndarray]:
    good = np.zeros(GRID.minutes, np.int64)
    total = np.ones(GRID.minutes, np.int64) if every_minute else np.zeros(GRID.minutes, np.int64)
    for minute, g, t in booked:
        total[minute] += g + t
        good[minute] += g
    return good, total


@given(BOOKED, st.booleans(), st.integers(-100, GRID.minutes + 100), st.integers(-100, GRID.minutes + 100))
def test_sums_are_those_of_every_minute(
    booked: list[tuple[int, int, int]], every_minute: bool, first: int, end: int
) -> None:
    good, total = dense(booked, every_minute)
    series = MinuteSeries(good, total)
    assert np.array_equal(series.good, good) and np.array_equal(series.total, total)
    lo, hi = max(0, first), max(0, end)
    assert series.between(first, end) == Count(int(good[lo:hi].sum()), int(total[lo:hi].sum()))
    for seconds in (60, 3600, 86400, 10 * 86400):
        start = GRID.first_minute(seconds)
        assert series.window(GRID, seconds) == Count(int(good[start:].sum()), int(total[start:].sum()))
        tail = total[start:]
        hours = tail[len(tail) % 60 :].reshape(-1, 60).sum(axis=1)
        assert series.hours_with_data(GRID, seconds) == (int((hours > 0).sum()), len(hours))
    days = [slice(day * MINUTES_PER_DAY, (day + 1) * MINUTES_PER_DAY) for day in range(GRID.days)]
    daily_good, daily_total = series.daily(GRID)
    assert daily_good.tolist() == [int(good[day].sum()) for day in days]
    assert daily_total.tolist() == [int(total[day].sum()) for day in days]


def test_a_series_with_counts_in_few_minutes_keeps_only_those() -> None:
    good, total = dense([(5, 1, 2), (1000, 0, 4)], every_minute=False)
    few, every = MinuteSeries(good, total), MinuteSeries(good + 1, total + 1)
    assert few.nbytes < 100 < every.nbytes
    assert few.sums(np.array([0, 6, 1000, GRID.minutes]))[1].tolist() == [3, 0, 4]
