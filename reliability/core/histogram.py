"""Latency SLIs and percentiles from Prometheus-style cumulative histograms.

A histogram only knows how many events fell at or below each bucket boundary (`le`), so
the good fraction for a latency threshold is exact only when the threshold is a boundary;
anywhere else it is an estimate, and we refuse it unless the caller asks for one.

Quantiles use the method of Prometheus' ``histogram_quantile``: with rank = q x total, take
the first bucket whose cumulative count reaches the rank and interpolate linearly between
its lower and upper boundary by (rank - count below the bucket) / count in the bucket; the
lowest bucket starts at 0 when its upper bound is positive, and a rank in the +Inf bucket
gives the highest finite boundary. The estimate is only as good as that uniformity
assumption, so every result also carries the boundaries of its bucket: the true value is
known to lie between them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Float64 = npt.NDArray[np.float64]

DEFAULT_QUANTILES = (0.5, 0.9, 0.95, 0.99, 0.999)
BOUNDARY_REL_TOL = 1e-9  # 0.1 + 0.2 must still name the 0.3 bucket
COUNT_NOISE_REL_TOL = 1e-9  # increase() extrapolates, so float counts may dip by rounding noise


@dataclass(frozen=True, eq=False)
class Histogram:
    """Cumulative bucket counts over a window; the counts are copied, made read-only and monotone.

    eq=False: element-wise array comparison has no single truth value, so equality is identity.
    """

    upper_bounds: Float64
    cumulative_counts: Float64

    def __post_init__(self) -> None:
        bounds = np.array(self.upper_bounds, dtype=np.float64)
        counts = np.array(self.cumulative_counts, dtype=np.float64)
        if bounds.ndim != 1 or counts.ndim != 1:
            raise ValueError("histogram upper_bounds and cumulative_counts must be 1-D arrays")
        if len(bounds) != len(counts):
            raise ValueError(f"histogram has {len(bounds)} upper bounds but {len(counts)} cumulative counts")
        if len(bounds) == 0:
            raise ValueError("histogram needs at least one bucket (le=+Inf)")
        if np.isnan(bounds).any():
            raise ValueError("histogram upper bounds contain NaN")
        if bounds[-1] != math.inf:
            raise ValueError(f"the last histogram upper bound must be +Inf (le=+Inf), got {bounds[-1]}")
        if not np.isfinite(bounds[:-1]).all():
            raise ValueError("histogram upper bounds other than the last must be finite")
        steps = np.diff(bounds)
        if (steps <= 0).any():
            i = int(np.argmax(steps <= 0))
            raise ValueError(
                "histogram upper bounds must be strictly increasing: "
                f"{bounds[i]} is followed by {bounds[i + 1]}"
            )
        if not np.isfinite(counts).all():
            raise ValueError("histogram cumulative counts contain NaN or infinity")
        total = float(counts[-1])
        tolerance = COUNT_NOISE_REL_TOL * abs(total)
        if counts[0] < -tolerance:
            raise ValueError(f"histogram cumulative counts must be >= 0, got {counts[0]}")
        dips = np.diff(counts)
        if (dips < -tolerance).any():
            i = int(np.argmax(dips < -tolerance))
            raise ValueError(
                "histogram cumulative counts must be non-decreasing: "
                f"{counts[i]} at le={bounds[i]} is followed by {counts[i + 1]} at le={bounds[i + 1]}"
            )
        # Remove the tolerated noise (Prometheus takes the same envelope), so that every
        # function below sees counts that are >= 0 and non-decreasing.
        counts = np.maximum.accumulate(np.maximum(counts, 0.0))
        bounds.setflags(write=False)
        counts.setflags(write=False)
        object.__setattr__(self, "upper_bounds", bounds)
        object.__setattr__(self, "cumulative_counts", counts)

    @property
    def total(self) -> float:
        return float(self.cumulative_counts[-1])


class ThresholdNotABoundary(ValueError):
    """A latency threshold whose good count the histogram cannot give exactly (or at all)."""

    def __init__(self, message: str, threshold: float, lower_bound: float, upper_bound: float) -> None:
        super().__init__(message)
        self.threshold = threshold
        self.lower_bound = lower_bound
        self.upper_bound = upper_bound


@dataclass(frozen=True)
class FractionBelow:
    """Events with latency <= threshold; the bounds are the boundaries the threshold lies between."""

    good: float
    total: float
    exact: bool
    lower_bound: float
    upper_bound: float

    @property
    def ratio(self) -> float | None:
        return None if self.total == 0 else self.good / self.total


@dataclass(frozen=True)
class QuantileEstimate:
    """An estimated quantile and the bucket [lower_bound, upper_bound] the true value lies in."""

    quantile: float
    estimate: float | None
    lower_bound: float | None
    upper_bound: float | None


def _lower_edge(hist: Histogram, i: int) -> float:
    """Lower edge of bucket i; the lowest bucket starts at 0 when its bound is positive (as Prometheus)."""
    if i > 0:
        return float(hist.upper_bounds[i - 1])
    return 0.0 if hist.upper_bounds[0] > 0 else -math.inf


def _boundary_index(bounds: Float64, threshold: float) -> int | None:
    """Index of the boundary equal to threshold within the relative tolerance; the nearest one wins."""
    i = int(np.searchsorted(bounds, threshold))
    candidates = [j for j in (i - 1, i) if 0 <= j < len(bounds)]
    close = [j for j in candidates if math.isclose(bounds[j], threshold, rel_tol=BOUNDARY_REL_TOL)]
    if not close:
        return None
    return min(close, key=lambda j: abs(float(bounds[j]) - threshold))


def fraction_at_most(
    hist: Histogram, threshold_seconds: float, *, interpolate: bool = False
) -> FractionBelow:
    """Good events (latency <= threshold); exact at a bucket boundary, else refused or estimated."""
    threshold = float(threshold_seconds)
    if math.isnan(threshold):
        raise ValueError("latency threshold is NaN")
    bounds, counts, total = hist.upper_bounds, hist.cumulative_counts, hist.total
    at = _boundary_index(bounds, threshold)
    if at is not None:
        bound = float(bounds[at])
        return FractionBelow(float(counts[at]), total, True, bound, bound)

    i = int(np.searchsorted(bounds, threshold))  # bounds[i - 1] < threshold < bounds[i]
    lower, upper = _lower_edge(hist, i), float(bounds[i])
    if lower == -math.inf:
        raise ThresholdNotABoundary(
            f"latency threshold {threshold} s lies below the first bucket boundary {upper} s, "
            "and that bucket (le <= 0) has no lower edge to interpolate from; "
            "the histogram cannot say how many events were at or below it",
            threshold,
            lower,
            upper,
        )
    if threshold < lower:
        raise ThresholdNotABoundary(
            f"latency threshold {threshold} s lies below {lower} s, the lower edge of the lowest bucket "
            f"(first boundary {upper} s); the histogram says nothing about events below it",
            threshold,
            lower,
            upper,
        )
    if i == len(bounds) - 1:
        raise ThresholdNotABoundary(
            f"latency threshold {threshold} s lies above the highest finite bucket boundary, in the +Inf "
            f"bucket ({lower} s to +Inf), which has no upper edge to interpolate towards; "
            "the histogram cannot say how many events were at or below it",
            threshold,
            lower,
            upper,
        )
    if not interpolate:
        raise ThresholdNotABoundary(
            f"latency threshold {threshold} s is not a bucket boundary: it lies between the boundaries "
            f"{lower} s and {upper} s, so the good count is not known exactly; use one of those "
            "boundaries, or pass interpolate=True for an estimate",
            threshold,
            lower,
            upper,
        )
    below = float(counts[i - 1]) if i > 0 else 0.0
    at_upper = float(counts[i])
    good = below + (at_upper - below) * (threshold - lower) / (upper - lower)
    return FractionBelow(min(max(good, below), at_upper), total, False, lower, upper)


def quantile(hist: Histogram, q: float) -> QuantileEstimate:
    """The q-quantile as Prometheus' histogram_quantile estimates it, with the bucket it lies in."""
    q = float(q)
    if not 0.0 <= q <= 1.0:  # also rejects NaN
        raise ValueError(f"quantile must be between 0 and 1, got {q}")
    total = hist.total
    if total == 0:
        return QuantileEstimate(q, None, None, None)
    bounds, counts = hist.upper_bounds, hist.cumulative_counts
    rank = q * total  # <= total, so some bucket (at the latest +Inf) reaches it
    # First bucket whose cumulative count reaches the rank. For q = 0 Prometheus takes the
    # first bucket even when it is empty (and returns 0/0 = NaN); the minimum lies in the
    # first non-empty bucket, so we take that one.
    b = int(np.searchsorted(counts, rank, side="left" if rank > 0 else "right"))
    lower, upper = _lower_edge(hist, b), float(bounds[b])
    if b == len(bounds) - 1:
        # The +Inf bucket: Prometheus answers its lower edge, the highest finite boundary.
        # With no finite boundary at all there is nothing to answer (Prometheus: NaN).
        return QuantileEstimate(q, lower if b > 0 else None, lower, upper)
    if lower == -math.inf:  # lowest bucket with a bound <= 0: no lower edge to interpolate from
        return QuantileEstimate(q, upper, lower, upper)
    below = float(counts[b - 1]) if b > 0 else 0.0
    in_bucket = float(counts[b]) - below  # > 0: the bucket reaches a rank its predecessor does not
    estimate = lower + (upper - lower) * (rank - below) / in_bucket
    return QuantileEstimate(q, min(max(estimate, lower), upper), lower, upper)


def quantiles(hist: Histogram, qs: tuple[float, ...] = DEFAULT_QUANTILES) -> tuple[QuantileEstimate, ...]:
    return tuple(quantile(hist, q) for q in qs)


def from_latencies(latencies: Float64, upper_bounds: Sequence[float]) -> Histogram:
    """The histogram a Prometheus client would have recorded (le: a value on a boundary counts in it).

    A +Inf boundary is appended when missing, as client libraries do.
    """
    values = np.asarray(latencies, dtype=np.float64).ravel()
    if np.isnan(values).any():
        raise ValueError("latencies contain NaN")
    if (values < 0).any():
        raise ValueError("latencies must be >= 0 (the lowest bucket is taken to start at 0)")
    bounds = np.asarray(upper_bounds, dtype=np.float64)
    if len(bounds) == 0 or bounds[-1] != math.inf:
        bounds = np.append(bounds, math.inf)
    counts = np.searchsorted(np.sort(values), bounds, side="right")  # values <= each bound
    return Histogram(bounds, counts.astype(np.float64))
