"""Per-minute state as the series the SLI stage reads: counts as they are, buckets as a sketch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reliability.config.model import Component
from reliability.core.accumulate import ComponentSeries, LatencySamples
from reliability.core.latency_sketch import RECENT_MINUTES, LatencySketch, slot_of
from reliability.telemetry.sql.state import LatencyBuckets, MinuteState


def component_series(state: MinuteState, components: Sequence[Component]) -> list[ComponentSeries]:
    """One series per component, in the order of `components` (the state's order)."""
    return [
        ComponentSeries(
            component=component,
            slis=dict(minutes.slis),
            latency=LatencySamples(np.zeros(0, np.int32), np.zeros(0)),
            bad_by_status={name: dict(codes) for name, codes in minutes.bad_by_status.items()},
            latency_sketch=latency_sketch(minutes.latency, state.grid.minutes),
        )
        for component, minutes in zip(components, state.components, strict=True)
    ]


def latency_sketch(buckets: LatencyBuckets, minutes: int) -> LatencySketch:
    """The sketch the in-process fold would have built from the same events."""
    lowest = int(buckets.bucket.min()) if buckets.bucket.size else 0
    width = int(buckets.bucket.max()) - lowest + 1 if buckets.bucket.size else 1
    hours = -(-minutes // 60)
    slots = np.zeros(2 * hours * width, np.int64)
    np.add.at(slots, slot_of(buckets.minute, minutes) * width + buckets.bucket - lowest, buckets.events)
    recent_from = minutes - min(RECENT_MINUTES, minutes)
    recent = np.zeros((minutes - recent_from) * width, np.int64)
    late = buckets.minute >= recent_from
    at = (buckets.minute[late] - recent_from) * width + buckets.bucket[late] - lowest
    np.add.at(recent, at, buckets.events[late])
    return LatencySketch(minutes, lowest, slots.reshape(2 * hours, width), recent.reshape(-1, width))
