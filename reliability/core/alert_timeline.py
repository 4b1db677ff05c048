"""When each alert severity fired over a stretch of history: spans of consecutive firing steps.

Pure: the pairs replayed by core.backtest (same steps, factors and demotion rules as a backtest),
turned into spans a timeline can draw. A page pair short of `min_events` fires as a ticket,
as the live alerts do. A span still firing at the last step is open (no end).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from reliability.config.model import AlertWindowPair, SloWindow
from reliability.core.backtest import ALERT_STEP_SECONDS, StepWindows, replay_pairs, step_windows
from reliability.core.grid import MinuteGrid
from reliability.core.replay import Replayable

SEVERITIES = ("page", "ticket")


@dataclass(frozen=True)
class FiringSpan:
    severity: str  # page | ticket
    start: int  # epoch seconds of the first step it fired at
    end: int | None  # epoch seconds of the first step it no longer fired at; None: still firing
    pairs: tuple[str, ...]  # the pairs that fired during the span, e.g. "1h/5m"


def _spans(
    severity: str,
    firing: npt.NDArray[np.bool_],
    instants: npt.NDArray[np.int64],
    labels: list[tuple[str, npt.NDArray[np.bool_]]],
) -> list[FiringSpan]:
    edges = np.diff(np.concatenate(([0], firing.astype(np.int8), [0])))
    starts, ends = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)
    spans = []
    for first, after in zip(starts.tolist(), ends.tolist(), strict=True):
        fired = tuple(label for label, fires in labels if fires[first:after].any())
        end = int(instants[after]) if after < len(instants) else None
        spans.append(FiringSpan(severity, int(instants[first]), end, fired))
    return spans


def firing_spans(
    series: Replayable,
    grid: MinuteGrid,
    objective: float,
    window: SloWindow,
    pairs: Sequence[AlertWindowPair],
    *,
    since: int,
    min_events: int = 0,
    step_seconds: int = ALERT_STEP_SECONDS,
) -> tuple[FiringSpan, ...]:
    """Page and ticket spans at steps from `since` (epoch seconds) to the end of the grid, by start."""
    at = step_windows(series, grid, window, pairs, step_seconds=step_seconds, since=since)
    return firing_spans_at(at, objective, since=since, min_events=min_events)


def firing_spans_at(
    at: StepWindows, objective: float, *, since: int, min_events: int = 0
) -> tuple[FiringSpan, ...]:
    """As firing_spans, from windows already summed at every step (shared with other replays)."""
    replayed = replay_pairs(at, objective, min_events=min_events)
    instants = at.instants
    shown = instants >= since
    instants = instants[shown]
    labels: dict[str, list[tuple[str, npt.NDArray[np.bool_]]]] = {severity: [] for severity in SEVERITIES}
    for r in replayed:
        labels[r.pair.severity].append((r.label, r.fires[shown]))
        if r.pair.severity == "page" and r.demoted.any():
            labels["ticket"].append((f"{r.label} (demoted page)", r.demoted[shown]))
    spans: list[FiringSpan] = []
    for severity, raised in labels.items():
        if raised:
            firing = np.logical_or.reduce([fires for _, fires in raised])
            spans += _spans(severity, firing, instants, raised)
    return tuple(sorted(spans, key=lambda s: (s.start, s.severity)))
