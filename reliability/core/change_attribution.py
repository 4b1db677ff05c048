"""The error budget spent after each change (a deploy, a config change): pure, over the minute grid.

A change at time t owns the bad units of the minutes [t, t + attribution window), cut at the
evaluation time; the minute holding t counts whole, so a change is never blind to its own minute.
Its share is those bad units over the SLO window's allowed ones (the same units as the budget).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from reliability.core.grid import MINUTE, MinuteGrid
from reliability.core.replay import Replayable


@dataclass(frozen=True)
class ChangeSpan:
    """A change's time and how long after it the budget spent is attributed to it, in seconds."""

    time: int
    attribution_seconds: int


@dataclass(frozen=True)
class ChangeImpact:
    start: int  # the first attributed minute's start, epoch seconds
    end: int  # exclusive: the change's time plus its window, rounded up to a minute, cut at the grid's end
    bad: float  # bad units in [start, end)
    budget_share: float | None  # bad / allowed; None when the window allows no budget (no data)


def changes_in_window(changes: Sequence[ChangeSpan], window_start: int, window_end: int) -> list[int]:
    """Indexes of the changes inside [window_start, window_end), the SLO window so far."""
    return [i for i, c in enumerate(changes) if window_start <= c.time < window_end]


def attribute_changes(
    series: Replayable, grid: MinuteGrid, changes: Sequence[ChangeSpan], allowed: float
) -> list[ChangeImpact]:
    """Each change's bad units and budget share; `allowed` is the SLO window's allowed bad units."""
    if not changes:
        return []
    times = np.array([c.time for c in changes], dtype=np.int64)
    windows = np.array([c.attribution_seconds for c in changes], dtype=np.int64)
    starts = np.clip((times - grid.origin) // MINUTE, 0, grid.minutes)
    ends = np.clip(-(-(times + windows - grid.origin) // MINUTE), starts, grid.minutes)
    bad = series.windows(starts, ends).bad
    return [
        ChangeImpact(
            start=grid.origin + int(s) * MINUTE,
            end=grid.origin + int(e) * MINUTE,
            bad=float(b),
            budget_share=float(b) / allowed if allowed > 0 else None,
        )
        for s, e, b in zip(starts, ends, bad, strict=True)
    ]
