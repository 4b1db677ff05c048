"""Seeded synthetic traffic, generated as columns: for the bundled example, tests and benchmarks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Float64 = npt.NDArray[np.float64]
RateShape = Callable[[Float64], Float64]


@dataclass(frozen=True)
class Traffic:
    """Events of one component, ordered by time."""

    timestamp: Float64  # epoch seconds, millisecond resolution
    status: npt.NDArray[np.int32]
    latency: Float64  # seconds, millisecond resolution

    def __len__(self) -> int:
        return int(self.timestamp.shape[0])


def diurnal(per_minute: float) -> RateShape:
    """A daily cycle around `per_minute`: busiest at 14:00 UTC, quietest at 02:00."""

    def rate(minute_start: Float64) -> Float64:
        hour = (minute_start % 86400) / 3600
        return per_minute * (1 + 0.5 * np.sin(2 * np.pi * (hour - 8) / 24))

    return rate


def generate(
    rng: np.random.Generator,
    start: int,
    end: int,
    rate: RateShape,
    error_ratio: Callable[[Float64], Float64],
    latency_median: Callable[[Float64], Float64],
    latency_sigma: float = 0.5,
) -> Traffic:
    """Poisson arrivals per minute, errors (status 500/503) at `error_ratio(t)`, lognormal latency."""
    minutes = np.arange(start, end, 60, dtype=np.float64)
    counts = rng.poisson(rate(minutes))
    stamps = np.repeat(minutes, counts) + rng.uniform(0, 60, counts.sum())
    stamps = np.sort(np.floor(stamps * 1000) / 1000)
    failed = rng.uniform(size=stamps.size) < error_ratio(stamps)
    status = np.where(failed, rng.choice([500, 503], size=stamps.size), 200).astype(np.int32)
    latency = rng.lognormal(np.log(latency_median(stamps)), latency_sigma)
    return Traffic(stamps, status, np.maximum(np.round(latency, 3), 0.001))


def constant(value: float) -> Callable[[Float64], Float64]:
    return lambda t: np.full(t.shape, value)


def step(before: float, after: float, at: float) -> Callable[[Float64], Float64]:
    return lambda t: np.where(t >= at, after, before)
