"""The minute grid and the fold of event chunks into per-minute counts and latencies."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from reliability.config.model import Component, GoodRule, Origin, Sli, SliKind
from reliability.core.accumulate import Accumulator
from reliability.core.counts import Count
from reliability.core.events import FLAG_ABSENT, EventColumns
from reliability.core.grid import evaluation_time, grid_ending_at
from reliability.core.percentiles import summarize

NOW = 1_790_000_040  # 2026-09-21T12:54:00Z, a whole minute
AVAILABILITY = Sli("availability", SliKind.AVAILABILITY, good=GoodRule(status_below=500))
LATENCY = Sli("latency", SliKind.LATENCY, threshold_seconds=0.3)


def component(name: str) -> Component:
    return Component("svc", name, "src", name, (AVAILABILITY, LATENCY), Origin(str(Path("x.yaml")), 1))


def events(ts: list[float], comp: list[int], status: list[int], latency: list[float]) -> EventColumns:
    n = len(ts)
    return EventColumns(
        np.array(ts, dtype=np.float64),
        np.array(comp, dtype=np.int32),
        np.array(status, dtype=np.int32),
        np.full(n, FLAG_ABSENT, dtype=np.int8),
        np.array(latency, dtype=np.float64),
    )


def test_evaluation_time_is_floored_to_the_minute() -> None:
    assert evaluation_time(NOW + 59.9) == NOW
    assert evaluation_time(NOW) == NOW


def test_grid_starts_at_utc_midnight_and_ends_now() -> None:
    grid = grid_ending_at(NOW, 3 * 86400)
    assert grid.origin % 86400 == 0
    assert grid.end == NOW
    assert grid.origin <= NOW - 3 * 86400 < grid.origin + 86400
    with pytest.raises(ValueError):
        grid_ending_at(NOW + 1, 3600)


def test_counts_per_window_and_out_of_range_events() -> None:
    grid = grid_ending_at(NOW, 86400)
    acc = Accumulator(grid, [component("a"), component("b")])
    chunk = events(
        ts=[NOW - 10, NOW - 200, NOW - 400, NOW - 4000, NOW, NOW + 5, grid.origin - 1, NOW - 30],
        comp=[0, 0, 0, 0, 0, 0, 0, 1],
        status=[200, 500, 200, 503, 200, 200, 200, 200],
        latency=[0.1, 0.3, 0.5, np.nan, 0.1, 0.1, 0.1, 0.2],
    )
    in_range = acc.add(chunk)
    assert (in_range.before_grid, in_range.after_end) == (1, 2)  # NOW itself is outside [origin, NOW)
    a, b = acc.finish()
    avail = a.slis["availability"]
    # 5m = [NOW-300, NOW): events at -10 (good) and -200 (bad)
    assert avail.window(grid, 300) == Count(good=1, total=2)
    # 1h adds -400 (good); -4000 is older than 1h
    assert avail.window(grid, 3600) == Count(good=2, total=3)
    assert avail.window(grid, 86400) == Count(good=2, total=4)
    # latency: the NaN latency is not counted; 0.3 is at the threshold, so good
    assert a.slis["latency"].window(grid, 3600) == Count(good=2, total=3)
    assert b.slis["availability"].window(grid, 300) == Count(1, 1)
    assert a.latency_sketch is not None
    assert a.latency_sketch.between(grid.first_minute(3600), grid.minutes).sum() == 3


def test_chunks_add_up_the_same_as_one_chunk() -> None:
    grid = grid_ending_at(NOW, 86400)
    rng = np.random.default_rng(7)
    n = 5000
    ts = list(NOW - rng.uniform(1, 86000, n))
    status = list(rng.choice([200, 500], n, p=[0.9, 0.1]))
    lat = list(rng.uniform(0, 1, n))
    whole = Accumulator(grid, [component("a")])
    whole.add(events(ts, [0] * n, status, lat))
    parts = Accumulator(grid, [component("a")])
    for lo in range(0, n, 777):
        parts.add(
            events(ts[lo : lo + 777], [0] * len(ts[lo : lo + 777]), status[lo : lo + 777], lat[lo : lo + 777])
        )
    (one,), (many,) = whole.finish(), parts.finish()
    assert np.array_equal(one.slis["availability"].total, many.slis["availability"].total)
    assert np.array_equal(one.slis["latency"].good, many.slis["latency"].good)
    assert one.slis["availability"].window(grid, 86400).total == n


def test_window_longer_than_the_data_counts_what_there_is() -> None:
    grid = grid_ending_at(NOW, 86400)
    acc = Accumulator(grid, [component("a")])
    acc.add(events([NOW - 60, NOW - 120], [0, 0], [200, 500], [0.1, 0.1]))
    (a,) = acc.finish()
    assert a.slis["availability"].window(grid, 30 * 86400) == Count(1, 2)
    with_data, hours = a.slis["availability"].hours_with_data(grid, 86400)
    assert (with_data, hours) == (1, 24)


def test_daily_counts_split_at_utc_midnight() -> None:
    grid = grid_ending_at(NOW, 2 * 86400)
    midnight = NOW // 86400 * 86400
    acc = Accumulator(grid, [component("a")])
    acc.add(events([midnight - 1, midnight, midnight + 1], [0, 0, 0], [500, 200, 200], [0.1] * 3))
    (a,) = acc.finish()
    good, total = a.slis["availability"].daily(grid)
    assert list(total[-2:]) == [1, 2]
    assert list(good[-2:]) == [0, 2]
    assert total.sum() == 3


def test_nearest_rank_percentiles() -> None:
    # 1..100 ms: p50 is the 50th value, p95 the 95th, p99 the 99th (nearest rank, no interpolation)
    values = np.arange(1, 101) / 1000
    summary = summarize(np.random.default_rng(1).permutation(values))
    assert (summary.count, summary.p50, summary.p95, summary.p99) == (100, 0.05, 0.095, 0.099)
    assert summarize(np.array([0.2])).p99 == 0.2
    assert summarize(np.array([])).p50 is None


def test_many_slis_counted_together_match_each_event_classified_alone() -> None:
    """Up to SLIS_PER_COUNT SLIs share one count; five take two, and each still gets its own counts."""
    slis = (
        AVAILABILITY,
        LATENCY,
        Sli("strict", SliKind.AVAILABILITY, good=GoodRule(status_below=300)),
        Sli("fast", SliKind.LATENCY, threshold_seconds=0.05),
        Sli("no-503", SliKind.AVAILABILITY, good=GoodRule(status_not_in=(503,))),
    )
    comps = [Component("svc", n, "src", n, slis, Origin(str(Path("x.yaml")), 1)) for n in ("a", "b")]
    grid = grid_ending_at(NOW, 86400)
    rng = np.random.default_rng(3)
    n = 5000
    stamps = np.sort(rng.uniform(grid.origin, NOW, n))
    comp = rng.integers(0, 2, n)
    status = rng.choice([200, 204, 404, 500, 503], n)
    latency = np.where(rng.random(n) < 0.1, np.nan, rng.uniform(0, 0.6, n))
    acc = Accumulator(grid, comps)
    acc.add(events(stamps.tolist(), comp.tolist(), status.tolist(), latency.tolist()))
    minute = grid.minute_of(stamps)
    counted_good = {
        "availability": (np.ones(n, bool), status < 500),
        "latency": (~np.isnan(latency), latency <= 0.3 + 1e-6),
        "strict": (np.ones(n, bool), status < 300),
        "fast": (~np.isnan(latency), latency <= 0.05 + 1e-6),
        "no-503": (np.ones(n, bool), status != 503),
    }
    for code, series in enumerate(acc.finish()):
        for name, (counted, good) in counted_good.items():
            mine = comp == code
            total = np.bincount(minute[mine & counted], minlength=grid.minutes)
            good_ones = np.bincount(minute[mine & counted & good], minlength=grid.minutes)
            assert np.array_equal(series.slis[name].total, total), name
            assert np.array_equal(series.slis[name].good, good_ones), name
