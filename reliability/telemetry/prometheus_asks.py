"""The requests of the Prometheus source: range queries cut under the points limit, instant queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

MAX_POINTS_PER_QUERY = 10_000  # Prometheus refuses more than 11,000 points per series


@dataclass(frozen=True)
class Ask:
    """One request: a range query over [start, end] at `step`, or with step 0 an instant query at `end`."""

    query: str
    start: int
    end: int
    step: int = 0
    optional: bool = False  # a refused or malformed answer is None, not an error: the caller can do without

    @property
    def is_instant(self) -> bool:
        return self.step == 0


def time_chunks(start: int, end: int, step: int) -> Iterator[tuple[int, int]]:
    """[start, end] cut into ranges of at most MAX_POINTS_PER_QUERY instants: one range query each."""
    chunk = step * (MAX_POINTS_PER_QUERY - 1)
    lo = start
    while lo <= end:
        hi = min(end, lo + chunk)
        yield lo, hi
        lo = hi + step
