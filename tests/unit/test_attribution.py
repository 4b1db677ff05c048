"""Budget attribution: hand-computed shares, time buckets, composites and the sum-to-one property."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability.core.attribution import (
    Attribution,
    Share,
    attribute,
    by_bucket,
    composite_component_shares,
)


def hour_key(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%MZ")


def day_key(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d")


def test_hand_computed_shares() -> None:
    # 60 + 30 + 10 = 100 bad: shares 0.6, 0.3, 0.1; the clean key is dropped
    result = attribute("status", ["500", "503", "504", "502"], [30.0, 60.0, 10.0, 0.0])
    assert result == Attribution(
        "status",
        100.0,
        (Share("503", 60.0, 0.6), Share("500", 30.0, 0.3), Share("504", 10.0, 0.1)),
    )
    assert result.top(2) == (Share("503", 60.0, 0.6), Share("500", 30.0, 0.3))
    assert result.top(10) == result.shares
    assert result.top(0) == ()


def test_ties_are_ordered_by_key() -> None:
    result = attribute("component", ["db", "api", "cache", "web"], np.array([5.0, 5.0, 10.0, 5.0]))
    assert [s.key for s in result.shares] == ["cache", "api", "db", "web"]
    assert [s.share for s in result.shares] == [0.4, 0.2, 0.2, 0.2]


def test_zero_total_has_no_shares() -> None:
    result = attribute("day", ["2026-11-03", "2026-11-04"], [0.0, 0.0])
    assert result.total_bad == 0.0
    assert result.shares == ()
    assert result.top(3) == ()
    assert attribute("day", [], []).shares == ()


@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_invalid_bad_names_the_key(value: float) -> None:
    with pytest.raises(ValueError, match="'503'"):
        attribute("status", ["500", "503"], [1.0, value])


def test_mismatched_or_duplicate_keys_are_errors() -> None:
    with pytest.raises(ValueError, match="2 keys"):
        attribute("status", ["500", "503"], [1.0])
    with pytest.raises(ValueError, match="'500'"):
        attribute("status", ["500", "503", "500"], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError):
        attribute("status", ["500"], [1.0]).top(-1)


@given(st.lists(st.floats(0, 1e12, allow_nan=False), max_size=60))
def test_shares_add_up_to_one(values: list[float]) -> None:
    keys = [f"k{i}" for i in range(len(values))]
    result = attribute("component", keys, np.array(values, dtype=np.float64))
    assert math.fsum(s.bad for s in result.shares) == result.total_bad
    assert result.total_bad == math.fsum(values)
    assert {s.key for s in result.shares} == {k for k, v in zip(keys, values, strict=True) if v > 0}
    assert all(s.bad > 0 for s in result.shares)
    ordered = [(-s.bad, s.key) for s in result.shares]
    assert ordered == sorted(ordered)
    if result.shares:
        assert math.fsum(s.share for s in result.shares) == pytest.approx(1.0, abs=1e-9)
    else:
        assert result.total_bad == 0


def test_hour_buckets_with_partial_first_and_last() -> None:
    # minutes 00:58 .. 02:02 (65 minutes, 1 bad each): 00:00 gets 2, 01:00 gets 60, 02:00 gets 3
    start = int(datetime(2026, 11, 3, 0, 58, tzinfo=UTC).timestamp())
    keys, sums = by_bucket(np.ones(65, dtype=np.int64), start, 60, hour_key)
    assert keys == ["2026-11-03T00:00Z", "2026-11-03T01:00Z", "2026-11-03T02:00Z"]
    assert sums.tolist() == [2, 60, 3]
    assert sums.dtype == np.int64


def test_buckets_sum_the_right_minutes() -> None:
    # minute i has i bad; starting at 00:58, the first hour has 0 + 1, the next 2 + ... + 61
    start = int(datetime(2026, 11, 3, 0, 58, tzinfo=UTC).timestamp())
    _, sums = by_bucket(np.arange(65, dtype=np.int64), start, 60, hour_key)
    assert sums.tolist() == [1, sum(range(2, 62)), 62 + 63 + 64]


def test_aligned_start_and_day_buckets() -> None:
    start = int(datetime(2026, 11, 3, tzinfo=UTC).timestamp())
    keys, sums = by_bucket(np.ones(120, dtype=np.int64), start, 60, hour_key)
    assert keys == ["2026-11-03T00:00Z", "2026-11-03T01:00Z"]
    assert sums.tolist() == [60, 60]
    # 23:00 on the 2nd to 01:00 on the 4th: one partial, one whole and one partial day
    start = int(datetime(2026, 11, 2, 23, tzinfo=UTC).timestamp())
    keys, sums = by_bucket(np.ones(26 * 60, dtype=np.int64), start, 1440, day_key)
    assert keys == ["2026-11-02", "2026-11-03", "2026-11-04"]
    assert sums.tolist() == [60, 1440, 60]


def test_bucket_within_a_single_partial_bucket() -> None:
    start = int(datetime(2026, 11, 3, 14, 10, tzinfo=UTC).timestamp())
    keys, sums = by_bucket(np.array([3, 0, 4], dtype=np.int64), start, 60, hour_key)
    assert keys == ["2026-11-03T14:00Z"]
    assert sums.tolist() == [7]
    keys, sums = by_bucket(np.zeros(0, dtype=np.int64), start, 60, hour_key)
    assert keys == []
    assert sums.size == 0


def test_bucket_input_errors() -> None:
    with pytest.raises(ValueError, match="whole minute"):
        by_bucket(np.ones(3, dtype=np.int64), 61, 60, hour_key)
    with pytest.raises(ValueError, match="bucket_minutes"):
        by_bucket(np.ones(3, dtype=np.int64), 60, 0, hour_key)


@given(
    st.lists(st.integers(0, 1000), max_size=300),
    st.integers(0, 10**7).map(lambda m: m * 60),
    st.sampled_from([1, 5, 15, 60, 1440]),
)
def test_buckets_keep_every_bad_event(minutes: list[int], start: int, bucket_minutes: int) -> None:
    keys, sums = by_bucket(np.array(minutes, dtype=np.int64), start, bucket_minutes, str)
    assert int(sums.sum()) == sum(minutes)
    starts = [int(k) for k in keys]
    assert all(s % (bucket_minutes * 60) == 0 for s in starts)
    assert all(b - a == bucket_minutes * 60 for a, b in itertools.pairwise(starts))
    if minutes:
        assert starts[0] <= start < starts[0] + bucket_minutes * 60


def test_all_must_succeed_composite() -> None:
    # error ratios 0.003, 0.001 and 0: parts 0.003 and 0.001 -> 3/4 and 1/4; "search" has no data
    result = composite_component_shares({"api": 0.003, "db": 0.001, "cache": 0.0, "search": None})
    assert result.dimension == "component"
    assert [s.key for s in result.shares] == ["api", "db"]
    assert [s.share for s in result.shares] == pytest.approx([0.75, 0.25])
    assert result.total_bad == pytest.approx(0.004)  # ~ 1 - 0.997 x 0.999 = 0.003997
    assert result.no_data == ("search",)


def test_weighted_composite() -> None:
    # weights 3 and 1, error ratios 0.001 and 0.006: parts 0.003 and 0.006 -> 1/3 and 2/3
    result = composite_component_shares({"api": 0.001, "db": 0.006}, {"api": 3.0, "db": 1.0})
    assert [s.key for s in result.shares] == ["db", "api"]
    assert [s.share for s in result.shares] == pytest.approx([2 / 3, 1 / 3])
    assert result.no_data == ()


def test_composite_without_errors_or_data() -> None:
    assert composite_component_shares({"api": 0.0, "db": None}) == Attribution("component", 0.0, (), ("db",))
    assert composite_component_shares({}).shares == ()


def test_composite_input_errors() -> None:
    with pytest.raises(ValueError, match="'db'"):
        composite_component_shares({"api": 0.001, "db": 0.002}, {"api": 1.0})
    with pytest.raises(ValueError, match="'db'"):
        composite_component_shares({"api": 0.001, "db": 0.0}, {"api": 1.0, "db": -1.0})
    with pytest.raises(ValueError, match="'api'"):
        composite_component_shares({"api": float("nan")})
    with pytest.raises(ValueError, match="'api'"):
        composite_component_shares({"api": 1.5})
