"""The shared latency buckets: contiguous, exact below the limit, and within the stated error."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from reliability.core import latency_buckets as lb


def test_every_microsecond_up_to_a_million_lands_in_a_bucket_that_holds_it() -> None:
    micros = np.arange(0, 1_000_000, dtype=np.int64)
    index = lb.bucket_index(micros)
    assert (np.diff(index) >= 0).all() and (np.diff(index) <= 1).all()  # contiguous, no gaps
    assert (lb.bucket_lower_micros(index) <= micros).all()
    assert (micros < lb.bucket_upper_micros(index)).all()


def test_the_exact_range_has_one_bucket_per_microsecond() -> None:
    micros = np.arange(lb.EXACT_LIMIT_MICROS, dtype=np.int64)
    assert (lb.bucket_index(micros) == micros).all()
    assert (lb.bucket_midpoint_seconds(micros) == micros / 1e6).all()


def test_powers_of_two_and_their_neighbours_up_to_the_maximum() -> None:
    k = np.arange(1, 41, dtype=np.int64)
    micros = np.concatenate([(1 << k) - 1, np.minimum(1 << k, lb.MAX_MICROS)])
    index = lb.bucket_index(micros)
    assert (lb.bucket_lower_micros(index) <= micros).all()
    assert (micros < lb.bucket_upper_micros(index)).all()
    assert int(lb.bucket_index(np.array([lb.MAX_MICROS]))[0]) == lb.BUCKET_COUNT - 1


def test_rounding_to_microseconds_is_half_up_and_clamped() -> None:
    seconds = np.array([0.0, 0.4e-6, 0.5e-6, 1.2345674, -1.0, 1e9])
    assert lb.micros_of(seconds).tolist() == [0, 0, 1, 1234567, 0, lb.MAX_MICROS]


@given(st.floats(min_value=0.0, max_value=1e6, allow_nan=False))
def test_the_midpoint_is_within_the_stated_error_of_the_value(seconds: float) -> None:
    index = lb.bucket_index(lb.micros_of(np.array([seconds])))
    estimate = float(lb.bucket_midpoint_seconds(index)[0])
    bound = max(lb.MAX_RELATIVE_ERROR * seconds, 0.0) + lb.MAX_ABSOLUTE_ERROR_SECONDS
    assert abs(estimate - seconds) <= bound * (1 + 1e-12)


@given(
    st.lists(
        st.one_of(st.floats(0.0, 2e6, allow_nan=False), st.floats(0.0, 0.001), st.just(0.0), st.just(1e9)),
        min_size=1,
        max_size=50,
    )
)
def test_the_fused_bucket_of_seconds_equals_rounding_then_bucketing(seconds: list[float]) -> None:
    values = np.array(seconds, dtype=np.float64)
    assert lb.bucket_of_seconds(values).tolist() == lb.bucket_index(lb.micros_of(values)).tolist()


def test_the_fused_bucket_of_seconds_at_every_power_of_two() -> None:
    micros = np.concatenate([(1 << np.arange(41)) - 1, 1 << np.arange(40), [lb.MAX_MICROS]])
    values = micros.astype(np.float64) / 1e6
    assert lb.bucket_of_seconds(values).tolist() == lb.bucket_index(lb.micros_of(values)).tolist()


def test_latencies_at_and_past_the_ceiling_share_a_last_bucket_with_no_upper_edge() -> None:
    seconds = np.array([(lb.CEILING_MICROS - 1) / 1e6, lb.CEILING_MICROS / 1e6, 1e297, np.inf])
    micros = lb.micros_of(seconds)
    assert micros.tolist() == [lb.CEILING_MICROS - 1, lb.CEILING_MICROS, lb.CEILING_MICROS, lb.CEILING_MICROS]
    index = lb.bucket_of_seconds(seconds)
    assert index.tolist() == lb.bucket_index(micros).tolist()
    assert (
        index.tolist()
        == [lb.CEILING_BUCKET - 1] + [lb.CEILING_BUCKET] * 3
        == [lb.BUCKET_COUNT - 2] + [lb.BUCKET_COUNT - 1] * 3
    )
    lower, upper = lb.bucket_bounds_seconds(index)
    assert upper[0] == (lb.CEILING_MICROS - 1) / 1e6 and lower[0] < upper[0]
    assert (lower[1:] == lb.CEILING_MICROS / 1e6).all() and (upper[1:] == np.inf).all()
    # Reported as the ceiling, a lower bound: no midpoint of a bucket without an upper edge.
    assert (lb.bucket_midpoint_seconds(index[1:]) == lb.CEILING_MICROS / 1e6).all()
