"""Exact latency percentiles from raw events.

Definition (nearest rank): the p-th percentile is the smallest observed latency
such that at least p % of the events are at or below it. It is always a value
that was actually observed, and no interpolation is involved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PERCENTILES = (50.0, 95.0, 99.0)


@dataclass(frozen=True)
class LatencySummary:
    count: int
    p50: float | None
    p95: float | None
    p99: float | None


def summarize(latencies: npt.NDArray[np.float64]) -> LatencySummary:
    if latencies.size == 0:
        return LatencySummary(0, None, None, None)
    p50, p95, p99 = np.percentile(latencies, PERCENTILES, method="inverted_cdf")
    return LatencySummary(int(latencies.size), float(p50), float(p95), float(p99))
