"""Per-minute state as the series the SLI stage reads: counts as they are, buckets as a sketch."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reliability.config.model import Component
from reliability.core.accumulate import ComponentSeries
from reliability.core.latency_sketch import LatencyFold, LatencySketch
from reliability.telemetry.sql.state import LatencyBuckets, MinuteState


def component_series(
    state: MinuteState, components: Sequence[Component], window_starts: tuple[int, ...] = ()
) -> list[ComponentSeries]:
    """One series per component, in the order of `components` (the state's order); the latency
    percentiles of windows starting at `window_starts` are read exactly."""
    return [
        ComponentSeries(
            component=component,
            slis=dict(minutes.slis),
            bad_by_status={name: dict(codes) for name, codes in minutes.bad_by_status.items()},
            latency_sketch=latency_sketch(minutes.latency, state.grid.minutes, window_starts),
        )
        for component, minutes in zip(components, state.components, strict=True)
    ]


def latency_sketch(
    buckets: LatencyBuckets, minutes: int, window_starts: tuple[int, ...] = ()
) -> LatencySketch:
    """The sketch the in-process fold would have built from the same events."""
    fold = LatencyFold(1, minutes, window_starts)
    fold.add_buckets(np.zeros(buckets.minute.size, np.int64), buckets.minute, buckets.bucket, buckets.events)
    return fold.sketch(0)
