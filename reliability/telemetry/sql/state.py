"""Per-minute state: what a pushed-down query returns and what the streaming fold can merge.

Its size is set by components x minutes x (SLIs + latency buckets in use), never by the number of
events: good/total counts per SLI (threshold counts, for a latency SLI) and the count of events in
each latency bucket of reliability.core.latency_buckets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid

Int64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class LatencyBuckets:
    """Events per (minute of the grid, bucket index); one row per pair with events, in that order.
    Read for a latency sketch, a minute may stand for its sketch cell (sql.cells): the cell's first."""

    minute: Int64
    bucket: Int64
    events: Int64

    @classmethod
    def of(cls, minute: Int64, bucket: Int64, events: Int64) -> LatencyBuckets:
        """Rows in any order, pairs possibly repeated: summed per pair and ordered."""
        minute, bucket, events = (np.asarray(a, dtype=np.int64) for a in (minute, bucket, events))
        if not minute.size:
            return cls(minute, bucket, events)
        # One integer per pair, ordered as the pairs are: sorting it is far cheaper than np.unique
        # over rows, and an engine's answer grouped and ordered by pair needs no sorting at all.
        low_bucket = int(bucket.min())
        span = int(bucket.max()) - low_bucket + 1
        key = minute * span + (bucket - low_bucket)
        if key.size < 2 or bool(np.all(key[1:] > key[:-1])):
            return cls(minute, bucket, events)
        unique, where = np.unique(key, return_inverse=True)
        summed = np.bincount(where, weights=events, minlength=len(unique)).astype(np.int64)
        return cls(unique // span, unique % span + low_bucket, summed)

    def merged(self, other: LatencyBuckets) -> LatencyBuckets:
        return LatencyBuckets.of(
            np.concatenate([self.minute, other.minute]),
            np.concatenate([self.bucket, other.bucket]),
            np.concatenate([self.events, other.events]),
        )


@dataclass(frozen=True)
class ComponentMinutes:
    """One component's per-minute state on the grid."""

    match: str  # the component column's value
    slis: Mapping[str, MinuteSeries]  # by SLI name
    latency: LatencyBuckets
    # Per status-rule SLI: bad events per minute, by status code (as the fold keeps them).
    bad_by_status: Mapping[str, Mapping[int, Int64]] = field(default_factory=dict)


@dataclass(frozen=True)
class MinuteState:
    grid: MinuteGrid
    components: tuple[ComponentMinutes, ...]

    def merged(self, other: MinuteState) -> MinuteState:
        """The state of both inputs' events together (e.g. two engines, or two partitions)."""
        if other.grid != self.grid or [c.match for c in other.components] != [
            c.match for c in self.components
        ]:
            raise ValueError("only states on the same grid, of the same components, merge")
        return MinuteState(
            self.grid,
            tuple(
                ComponentMinutes(
                    mine.match,
                    {
                        name: MinuteSeries(
                            series.good + theirs.slis[name].good, series.total + theirs.slis[name].total
                        )
                        for name, series in mine.slis.items()
                    },
                    mine.latency.merged(theirs.latency),
                    {
                        name: _added(mine.bad_by_status.get(name, {}), theirs.bad_by_status.get(name, {}))
                        for name in {*mine.bad_by_status, *theirs.bad_by_status}
                    },
                )
                for mine, theirs in zip(self.components, other.components, strict=True)
            ),
        )


def _added(one: Mapping[int, Int64], other: Mapping[int, Int64]) -> dict[int, Int64]:
    return {code: one.get(code, 0) + other.get(code, 0) for code in {*one, *other}}  # type: ignore[misc]
