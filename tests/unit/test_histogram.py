"""Latency SLIs and quantiles from cumulative histograms, against hand-computed values and raw events."""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability.core.histogram import (
    FractionBelow,
    Histogram,
    QuantileEstimate,
    ThresholdNotABoundary,
    fraction_at_most,
    from_latencies,
    quantile,
    quantiles,
)

INF = math.inf


def hist(bounds: list[float], counts: list[float]) -> Histogram:
    return Histogram(np.array(bounds, dtype=np.float64), np.array(counts, dtype=np.float64))


# Buckets (0, 0.1]: 50, (0.1, 0.3]: 20, (0.3, 0.5]: 0, (0.5, 1]: 40, (1, +Inf]: 10; total 120.
H = hist([0.1, 0.3, 0.5, 1.0, INF], [50, 70, 70, 110, 120])


# --- fraction_at_most ---------------------------------------------------------------------


def test_exact_fraction_at_each_boundary() -> None:
    assert fraction_at_most(H, 0.1) == FractionBelow(50, 120, True, 0.1, 0.1)
    assert fraction_at_most(H, 0.3) == FractionBelow(70, 120, True, 0.3, 0.3)
    assert fraction_at_most(H, 0.5) == FractionBelow(70, 120, True, 0.5, 0.5)  # empty bucket: same as 0.3
    assert fraction_at_most(H, 1.0) == FractionBelow(110, 120, True, 1.0, 1.0)
    assert fraction_at_most(H, INF) == FractionBelow(120, 120, True, INF, INF)
    assert fraction_at_most(H, 1.0).ratio == pytest.approx(110 / 120)  # 0.91666...
    assert H.total == 120


def test_threshold_given_as_float_sum_still_names_the_boundary() -> None:
    threshold = 0.1 + 0.2  # 0.30000000000000004
    assert threshold != 0.3
    got = fraction_at_most(H, threshold)
    assert got == FractionBelow(70, 120, True, 0.3, 0.3)  # the boundary is reported, not the sum
    assert got.ratio == pytest.approx(70 / 120)


def test_threshold_between_boundaries_is_refused() -> None:
    with pytest.raises(ThresholdNotABoundary) as raised:
        fraction_at_most(H, 0.2)
    message = str(raised.value)
    assert "0.2 s" in message
    assert "0.1 s" in message and "0.3 s" in message
    assert "interpolate=True" in message
    assert (raised.value.threshold, raised.value.lower_bound, raised.value.upper_bound) == (0.2, 0.1, 0.3)
    assert isinstance(raised.value, ValueError)


def test_threshold_just_outside_the_tolerance_is_refused() -> None:
    with pytest.raises(ThresholdNotABoundary):
        fraction_at_most(H, 0.3 * (1 + 1e-6))  # a millionth above the boundary: a different threshold


def test_interpolation_inside_a_bucket() -> None:
    # (0.1, 0.3] holds 70 - 50 = 20; 0.2 is half-way: 50 + 20 x (0.2 - 0.1) / (0.3 - 0.1) = 60
    got = fraction_at_most(H, 0.2, interpolate=True)
    assert got.good == pytest.approx(60)
    assert (got.total, got.exact, got.lower_bound, got.upper_bound) == (120, False, 0.1, 0.3)
    assert got.ratio == pytest.approx(0.5)  # 60 / 120
    # (0.5, 1] holds 110 - 70 = 40; 0.75 is half-way: 70 + 40 x 0.25 / 0.5 = 90
    assert fraction_at_most(H, 0.75, interpolate=True).good == pytest.approx(90)
    # the first bucket starts at 0: 0 + 50 x 0.05 / 0.1 = 25
    first = fraction_at_most(H, 0.05, interpolate=True)
    assert first.good == pytest.approx(25)
    assert (first.lower_bound, first.upper_bound) == (0.0, 0.1)
    # the empty bucket (0.3, 0.5]: 70 + 0 x anything = 70
    assert fraction_at_most(H, 0.4, interpolate=True).good == pytest.approx(70)


def test_interpolation_at_a_boundary_is_still_exact() -> None:
    assert fraction_at_most(H, 0.3, interpolate=True) == FractionBelow(70, 120, True, 0.3, 0.3)


@pytest.mark.parametrize("interpolate", [False, True])
def test_threshold_in_the_inf_bucket_is_refused_even_with_interpolation(interpolate: bool) -> None:
    with pytest.raises(ThresholdNotABoundary) as raised:
        fraction_at_most(H, 2.0, interpolate=interpolate)
    message = str(raised.value)
    assert "2.0 s" in message and "1.0 s" in message and "+Inf" in message
    assert (raised.value.lower_bound, raised.value.upper_bound) == (1.0, INF)


def test_negative_threshold_is_refused() -> None:
    with pytest.raises(ThresholdNotABoundary, match=r"-0\.5 s lies below 0\.0 s, .*first boundary 0\.1 s"):
        fraction_at_most(H, -0.5, interpolate=True)


def test_threshold_below_a_lowest_bucket_bounded_by_zero_is_refused() -> None:
    # le=0 is the first boundary: the lowest bucket reaches down to -Inf, nothing to interpolate from
    h = hist([0.0, 1.0, INF], [5, 10, 10])
    assert fraction_at_most(h, 0.0) == FractionBelow(5, 10, True, 0.0, 0.0)
    with pytest.raises(ThresholdNotABoundary, match="no lower edge"):
        fraction_at_most(h, -0.5, interpolate=True)


def test_nan_threshold_is_rejected() -> None:
    with pytest.raises(ValueError, match="NaN"):
        fraction_at_most(H, math.nan)


def test_no_data_has_no_ratio() -> None:
    empty = hist([0.1, 0.3, INF], [0, 0, 0])
    got = fraction_at_most(empty, 0.3)
    assert got == FractionBelow(0, 0, True, 0.3, 0.3)
    assert got.ratio is None  # no data is not good
    assert fraction_at_most(empty, 0.2, interpolate=True).ratio is None


def test_only_the_inf_bucket() -> None:
    only = hist([INF], [5])
    assert fraction_at_most(only, INF) == FractionBelow(5, 5, True, INF, INF)
    with pytest.raises(ThresholdNotABoundary, match=r"\+Inf bucket \(0\.0 s to \+Inf\)"):
        fraction_at_most(only, 1.0, interpolate=True)


def test_integer_and_noisy_float_counts_are_accepted() -> None:
    ints = Histogram(np.array([0.1, INF]), np.array([3, 4], dtype=np.int64))
    assert ints.cumulative_counts.dtype == np.float64
    assert fraction_at_most(ints, 0.1) == FractionBelow(3, 4, True, 0.1, 0.1)
    # increase() extrapolation: 12.5 then 12.5 - 1e-12 (noise well under 1e-9 x 30); the envelope keeps 12.5
    noisy = hist([0.1, 0.2, INF], [12.5, 12.5 - 1e-12, 30.0])
    assert fraction_at_most(noisy, 0.2).good == 12.5
    assert fraction_at_most(noisy, 0.2).ratio == pytest.approx(12.5 / 30)


def test_histogram_arrays_are_copies_and_read_only() -> None:
    counts = np.array([1.0, 2.0])
    h = Histogram(np.array([1.0, INF]), counts)
    counts[0] = 99.0
    assert h.cumulative_counts[0] == 1.0
    with pytest.raises(ValueError):
        h.cumulative_counts[0] = 5.0


@pytest.mark.parametrize(
    ("bounds", "counts", "message"),
    [
        ([0.1, INF], [1], "2 upper bounds but 1 cumulative counts"),
        ([], [], "at least one bucket"),
        ([0.1, 1.0], [1, 2], r"last histogram upper bound must be \+Inf"),
        ([0.2, 0.1, INF], [1, 2, 3], "strictly increasing: 0.2 is followed by 0.1"),
        ([0.1, 0.1, INF], [1, 2, 3], "strictly increasing"),
        ([math.nan, INF], [1, 2], "upper bounds contain NaN"),
        ([-INF, 0.1, INF], [0, 1, 2], "other than the last must be finite"),
        ([0.1, INF], [1, math.nan], "counts contain NaN"),
        ([0.1, 0.2, INF], [5, 4, 6], "non-decreasing: 5.0 at le=0.1 is followed by 4.0 at le=0.2"),
        ([0.1, 0.2, INF], [5, 5 - 1e-6, 6], "non-decreasing"),  # 1e-6 > 1e-9 x 6: not noise
        ([0.1, INF], [-1, 2], "must be >= 0"),
    ],
)
def test_invalid_histograms_are_rejected(bounds: list[float], counts: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        hist(bounds, counts)


def test_two_dimensional_arrays_are_rejected() -> None:
    with pytest.raises(ValueError, match="1-D"):
        Histogram(np.array([[0.1, INF]]), np.array([[1.0, 2.0]]))


# --- quantile -----------------------------------------------------------------------------


def test_quantile_interpolates_inside_the_bucket() -> None:
    # rank 0.5 x 120 = 60; first cumulative >= 60 is 70 at le=0.3; 0.1 + 0.2 x (60 - 50) / 20 = 0.2
    got = quantile(H, 0.5)
    assert got.estimate == pytest.approx(0.2)
    assert (got.quantile, got.lower_bound, got.upper_bound) == (0.5, 0.1, 0.3)


def test_quantile_in_the_first_bucket_starts_at_zero() -> None:
    # rank 0.25 x 120 = 30 <= 50 at le=0.1; 0 + 0.1 x 30 / 50 = 0.06
    got = quantile(H, 0.25)
    assert got.estimate == pytest.approx(0.06)
    assert (got.lower_bound, got.upper_bound) == (0.0, 0.1)


def test_quantile_skips_an_empty_bucket() -> None:
    # rank 0.7 x 120 = 84; cumulative 50, 70, 70, 110: le=0.5 holds nothing, first >= 84 is le=1;
    # below it 70, in it 40: 0.5 + 0.5 x (84 - 70) / 40 = 0.675
    got = quantile(H, 0.7)
    assert got.estimate == pytest.approx(0.675)
    assert (got.lower_bound, got.upper_bound) == (0.5, 1.0)


def test_rank_on_a_cumulative_count_stays_in_the_lower_bucket() -> None:
    # (0, 0.1]: 50, (0.1, 0.2]: 0, (0.2, 0.4]: 40, (0.4, +Inf]: 10; total 100
    h = hist([0.1, 0.2, 0.4, INF], [50, 50, 90, 100])
    # rank 0.5 x 100 = 50 = the count at le=0.1: 0 + 0.1 x 50 / 50 = 0.1, bucket (0, 0.1]
    assert quantile(h, 0.5) == QuantileEstimate(0.5, 0.1, 0.0, 0.1)
    # rank 60: first >= 60 is 90 at le=0.4; below 50, in 40: 0.2 + 0.2 x (60 - 50) / 40 = 0.25
    got = quantile(h, 0.6)
    assert got.estimate == pytest.approx(0.25)
    assert (got.lower_bound, got.upper_bound) == (0.2, 0.4)


def test_quantile_in_the_inf_bucket_is_the_highest_finite_boundary() -> None:
    # rank 0.95 x 120 = 114 > 110 at le=1: the +Inf bucket; Prometheus answers 1.0
    assert quantile(H, 0.95) == QuantileEstimate(0.95, 1.0, 1.0, INF)
    assert quantile(H, 1.0) == QuantileEstimate(1.0, 1.0, 1.0, INF)  # rank 120 > 110


def test_quantile_one_with_an_empty_inf_bucket() -> None:
    # (0, 0.1]: 4, (0.1, 0.2]: 6, (0.2, +Inf]: 0; rank 1 x 10 = 10 at le=0.2: 0.1 + 0.1 x 6 / 6 = 0.2
    h = hist([0.1, 0.2, INF], [4, 10, 10])
    got = quantile(h, 1.0)
    assert got.estimate == pytest.approx(0.2)
    assert (got.lower_bound, got.upper_bound) == (0.1, 0.2)


def test_quantile_zero() -> None:
    # rank 0: the first non-empty bucket, at its lower edge
    assert quantile(H, 0.0) == QuantileEstimate(0.0, 0.0, 0.0, 0.1)
    # first bucket empty: Prometheus computes 0 x 0 / 0 = NaN; the minimum lies in (0.1, 0.2]
    h = hist([0.1, 0.2, INF], [0, 10, 10])
    assert quantile(h, 0.0) == QuantileEstimate(0.0, 0.1, 0.1, 0.2)


def test_quantile_in_a_lowest_bucket_bounded_by_zero() -> None:
    # le=0 has no lower edge (Prometheus returns its upper bound): rank 0.2 x 10 = 2 <= 5 at le=0
    h = hist([0.0, 1.0, INF], [5, 10, 10])
    assert quantile(h, 0.2) == QuantileEstimate(0.2, 0.0, -INF, 0.0)


def test_quantile_without_data() -> None:
    empty = hist([0.1, INF], [0, 0])
    assert quantile(empty, 0.99) == QuantileEstimate(0.99, None, None, None)
    assert quantiles(empty) == tuple(
        QuantileEstimate(q, None, None, None) for q in (0.5, 0.9, 0.95, 0.99, 0.999)
    )


def test_quantile_with_only_the_inf_bucket_has_no_estimate() -> None:
    # no finite boundary to report (Prometheus: NaN); the value is known to be in [0, +Inf]
    assert quantile(hist([INF], [5]), 0.5) == QuantileEstimate(0.5, None, 0.0, INF)


@pytest.mark.parametrize("q", [-0.01, 1.01, math.nan, 99.0])
def test_quantile_outside_zero_to_one_is_rejected(q: float) -> None:
    with pytest.raises(ValueError, match="between 0 and 1"):
        quantile(H, q)


def test_quantiles_defaults() -> None:
    got = quantiles(H)
    assert [e.quantile for e in got] == [0.5, 0.9, 0.95, 0.99, 0.999]
    # 0.9 x 120 = 108 at le=1: 0.5 + 0.5 x (108 - 70) / 40 = 0.975
    assert got[1].estimate == pytest.approx(0.975)
    assert [e.estimate for e in got[2:]] == [1.0, 1.0, 1.0]  # ranks 114, 118.8, 119.88 > 110
    assert quantiles(H, (0.25,)) == (quantile(H, 0.25),)


# --- from_latencies -----------------------------------------------------------------------


def test_from_latencies_counts_a_value_on_a_boundary_in_that_bucket() -> None:
    latencies = np.array([0.05, 0.1, 0.1, 0.2, 0.3, 5.0])
    h = from_latencies(latencies, [0.1, 0.3])  # +Inf appended
    assert h.upper_bounds.tolist() == [0.1, 0.3, INF]
    # <= 0.1: 0.05, 0.1, 0.1 -> 3; <= 0.3: also 0.2, 0.3 -> 5; all: 6
    assert h.cumulative_counts.tolist() == [3, 5, 6]
    assert from_latencies(latencies, [0.1, 0.3, INF]).cumulative_counts.tolist() == [3, 5, 6]
    assert from_latencies(np.array([]), [0.1]).cumulative_counts.tolist() == [0, 0]


@pytest.mark.parametrize("bad", [math.nan, -0.001])
def test_from_latencies_rejects_nan_and_negative(bad: float) -> None:
    with pytest.raises(ValueError):
        from_latencies(np.array([0.1, bad]), [0.1])


# --- properties against raw events --------------------------------------------------------

BOUNDS = st.lists(
    st.floats(min_value=0.0, max_value=100.0, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=8,
    unique=True,
).map(sorted)


@st.composite
def bounds_and_latencies(draw: st.DrawFn, min_size: int = 0) -> tuple[list[float], npt.NDArray[np.float64]]:
    bounds = draw(BOUNDS)
    # some latencies exactly on a boundary, to exercise le (value <= bound) semantics
    value = st.one_of(st.floats(min_value=0.0, max_value=150.0), st.sampled_from(bounds))
    latencies = draw(st.lists(value, min_size=min_size, max_size=60))
    return bounds, np.array(latencies, dtype=np.float64)


@given(bounds_and_latencies())
def test_fraction_at_a_boundary_equals_the_raw_count(
    case: tuple[list[float], npt.NDArray[np.float64]],
) -> None:
    bounds, latencies = case
    h = from_latencies(latencies, bounds)
    for bound in [*bounds, INF]:
        got = fraction_at_most(h, bound)
        assert got.exact
        assert got.good == np.count_nonzero(latencies <= bound)
        assert got.total == latencies.size


@given(
    bounds_and_latencies(min_size=1),
    st.lists(
        st.one_of(st.sampled_from([0.0, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0]), st.floats(0.0, 1.0)), min_size=1
    ),
)
def test_quantile_bucket_holds_the_estimate_and_the_true_percentile(
    case: tuple[list[float], npt.NDArray[np.float64]], qs: list[float]
) -> None:
    bounds, latencies = case
    h = from_latencies(latencies, bounds)
    for got in quantiles(h, tuple(qs)):
        assert got.lower_bound is not None and got.upper_bound is not None
        # nearest rank: the smallest observed latency with at least q of the events at or below it
        true = float(np.quantile(latencies, got.quantile, method="inverted_cdf"))
        assert got.lower_bound <= true <= got.upper_bound
        if got.lower_bound > 0:  # le buckets are open below: a value on the lower boundary is not in them
            assert got.lower_bound < true
        if got.estimate is not None:
            assert got.lower_bound <= got.estimate <= got.upper_bound


@given(bounds_and_latencies(), st.lists(st.floats(0.0, 1.0), min_size=2, max_size=20))
def test_fraction_is_non_decreasing_in_the_threshold(
    case: tuple[list[float], npt.NDArray[np.float64]], positions: list[float]
) -> None:
    bounds, latencies = case
    h = from_latencies(latencies, bounds)
    # thresholds from 0 to the highest finite boundary, boundaries included
    thresholds = sorted({*(p * bounds[-1] for p in positions), *bounds})
    goods = [fraction_at_most(h, t, interpolate=True).good for t in thresholds]
    assert goods == sorted(goods)
