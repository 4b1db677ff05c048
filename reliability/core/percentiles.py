"""Exact latency percentiles from raw events, and the rank that bucket reads share with them.

Definition (nearest rank): the p-th percentile is the smallest observed latency
such that at least p % of the events are at or below it. It is always a value
that was actually observed, and no interpolation is involved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

PERCENTILES = (50.0, 90.0, 95.0, 99.0, 99.9)
# Artifact keys, one per entry of PERCENTILES.
PERCENTILE_KEYS = ("p50_seconds", "p90_seconds", "p95_seconds", "p99_seconds", "p99_9_seconds")


@dataclass(frozen=True)
class LatencySummary:
    count: int
    values: tuple[float | None, ...]  # one per PERCENTILES entry; None without events

    def at(self, percentile: float) -> float | None:
        return self.values[PERCENTILES.index(percentile)]

    @property
    def p50(self) -> float | None:
        return self.at(50.0)

    @property
    def p95(self) -> float | None:
        return self.at(95.0)

    @property
    def p99(self) -> float | None:
        return self.at(99.0)


def nearest_rank_index(
    count: npt.NDArray[np.int64], percentile: npt.NDArray[np.float64]
) -> npt.NDArray[np.int64]:
    """The 0-based position in sorted order of the nearest-rank percentile (count >= 1).

    Rank ceil(n p / 100) in integers: in floats 99.9 / 100 x 1000 is just above 999, which made
    numpy's inverted_cdf report the largest of 1,000 values as their 99.9th percentile.
    """
    per_hundred_thousand = np.rint(np.asarray(percentile, np.float64) * 1000).astype(np.int64)
    counts = np.asarray(count, np.int64)
    rank = (counts * per_hundred_thousand + 99_999) // 100_000
    position: npt.NDArray[np.int64] = np.clip(rank - 1, 0, counts - 1)
    return position


def summarize(latencies: npt.NDArray[np.float64]) -> LatencySummary:
    if latencies.size == 0:
        return LatencySummary(0, (None,) * len(PERCENTILES))
    ranks = nearest_rank_index(np.full(len(PERCENTILES), latencies.size), np.array(PERCENTILES))
    values = np.partition(latencies, ranks)[ranks]
    return LatencySummary(int(latencies.size), tuple(float(v) for v in values))
