"""Where the error budget went: bad events split by a key, as shares of the consumed total.

share of key k = bad(k) / total bad                 (shares add up to 1; no bad, no shares)
total bad      = sum over keys of bad(k)            (math.fsum: correctly rounded, order-free)

For a composite SLO the parts are the components' error ratios:
  all must succeed   composite error = 1 - prod(1 - e_i) ~ sum e_i   (first order, small e_i)
  weighted           composite error = sum w_i e_i / sum w_i          (parts w_i e_i)
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reliability.core.grid import MINUTE

Int64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Share:
    """One key's part of the bad events."""

    key: str  # a component id, a status code "503", a date "2026-11-03", an hour "2026-11-03T14:00Z"
    bad: float  # bad events (or budget units) attributed to the key
    share: float  # bad / total bad


@dataclass(frozen=True)
class Attribution:
    """The bad events along one dimension, split by key, largest first."""

    dimension: str  # "component", "status", "day", "hour"
    total_bad: float
    shares: tuple[Share, ...]  # every key with bad > 0, largest first, ties by key
    no_data: tuple[str, ...] = ()  # keys left out for lack of data (composites), sorted

    def top(self, n: int) -> tuple[Share, ...]:
        """The n largest shares (fewer when fewer keys had bad events)."""
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return self.shares[:n]


def attribute(
    dimension: str, keys: Sequence[str], bad: npt.NDArray[np.float64] | Sequence[float]
) -> Attribution:
    """Split the bad events by key; keys with none are dropped, and zero bad gives no shares.

    A negative, NaN or infinite count is a bug upstream, not something to share out:
    ValueError naming the key. So are duplicate keys, which would split one key in two.
    """
    values = np.asarray(bad, dtype=np.float64)
    if values.ndim != 1 or len(values) != len(keys):
        raise ValueError(f"{dimension}: {len(keys)} keys but bad has shape {values.shape}")
    invalid = ~np.isfinite(values) | (values < 0)
    if invalid.any():
        index = int(np.flatnonzero(invalid)[0])
        raise ValueError(f"{dimension} {keys[index]!r}: bad must be finite and >= 0, got {values[index]}")
    duplicates = sorted(key for key, n in Counter(keys).items() if n > 1)
    if duplicates:
        raise ValueError(f"{dimension} {duplicates[0]!r}: key appears more than once")

    positive = [
        (str(key), float(value)) for key, value in zip(keys, values.tolist(), strict=True) if value > 0
    ]
    total = math.fsum(value for _, value in positive)
    positive.sort(key=lambda item: (-item[1], item[0]))
    shares = tuple(Share(key, value, value / total) for key, value in positive)
    return Attribution(dimension, total, shares)


def by_bucket(
    minute_bad: Int64, first_minute_start: int, bucket_minutes: int, key_format: Callable[[int], str]
) -> tuple[list[str], Int64]:
    """Sum per-minute bad counts into epoch-aligned buckets of `bucket_minutes`.

    Buckets start at multiples of bucket_minutes x 60 epoch seconds, so an hour bucket is a
    clock hour whatever minute the data starts on; the first and last buckets may be partial.
    Keys are key_format(bucket start in epoch seconds).
    """
    counts = np.asarray(minute_bad, dtype=np.int64)
    if counts.ndim != 1:
        raise ValueError(f"minute_bad must be one-dimensional, got shape {counts.shape}")
    if first_minute_start % MINUTE:
        raise ValueError(f"first_minute_start must be a whole minute, got {first_minute_start}")
    if bucket_minutes < 1:
        raise ValueError(f"bucket_minutes must be >= 1, got {bucket_minutes}")
    if counts.size == 0:
        return [], np.zeros(0, np.int64)

    first_minute = first_minute_start // MINUTE  # minutes since the epoch
    to_boundary = -first_minute % bucket_minutes  # minutes before the first aligned bucket starts
    starts = np.arange(to_boundary, counts.size, bucket_minutes)
    if to_boundary:
        starts = np.concatenate(([0], starts))
    sums = np.add.reduceat(counts, starts).astype(np.int64)

    bucket_seconds = bucket_minutes * MINUTE
    first_bucket = (first_minute // bucket_minutes) * bucket_seconds
    keys = [key_format(first_bucket + i * bucket_seconds) for i in range(len(starts))]
    return keys, sums


def composite_component_shares(
    component_error_ratios: Mapping[str, float | None], weights: Mapping[str, float] | None = None
) -> Attribution:
    """A composite SLO's consumed budget attributed to its components.

    All must succeed (weights None): each component's part is its error ratio e_i. The
    composite error ratio is 1 - prod(1 - e_i), which is sum e_i to first order, so for small
    ratios the shares are each component's part of the composite's errors; for large ratios
    they overstate overlap (a request failing in two components counts twice). Weighted
    composite: each part is w_i x e_i, exact since the composite error is sum w_i e_i / sum w_i.
    Either way the parts are normalised so the shares add up to 1, and total_bad is the sum
    of the parts (error-ratio units, not events).

    Components with None (no data) are skipped, not counted as clean, and listed in the
    result's `no_data`. A component with data but no weight, or a negative one, is a ValueError.
    """
    keys: list[str] = []
    parts: list[float] = []
    for component, ratio in component_error_ratios.items():
        if ratio is None:
            continue
        if not 0 <= ratio <= 1:  # also catches NaN
            raise ValueError(f"component {component!r}: error ratio must be in [0, 1], got {ratio}")
        if weights is None:
            parts.append(ratio)
        else:
            weight = weights.get(component)
            if weight is None or not (math.isfinite(weight) and weight >= 0):
                raise ValueError(f"component {component!r}: needs a finite weight >= 0, got {weight}")
            parts.append(weight * ratio)
        keys.append(component)
    no_data = tuple(sorted(c for c, ratio in component_error_ratios.items() if ratio is None))
    result = attribute("component", keys, parts)
    return Attribution(result.dimension, result.total_bad, result.shares, no_data)
