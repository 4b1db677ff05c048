"""Fold chunks of events into per-minute counts and latency histograms, in bounded memory.

Memory is set by the grid (components x SLIs x minutes) and the latency histograms, which hold
one cell per (time slot, component, bucket) seen, up to a bound set by the grid (see
latency_sketch). Nothing grows with the number of events.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial

import numpy as np
import numpy.typing as npt

from reliability.config.model import Component, Sli
from reliability.core.cache_slices import sliced
from reliability.core.classify import classify
from reliability.core.counts import MinuteSeries
from reliability.core.events import EventColumns
from reliability.core.grid import MinuteGrid
from reliability.core.latency_sketch import LatencyFold, LatencySketch

STATES = 3  # per SLI, an event is not counted (0), bad (BAD) or good (GOOD)
BAD, GOOD = 1, 2
SLIS_PER_COUNT = 3  # SLIs counted by one bincount: STATES ** 3 bins per cell, still few


def _cell_of(
    component: npt.NDArray[np.int32], minute: npt.NDArray[np.int64], *, span: int, first: int
) -> npt.NDArray[np.int64]:
    """Each event's cell: its component's row of `span` minutes from `first`."""
    cell = component.astype(np.int64)
    cell *= span
    cell += minute
    cell -= first
    return cell


def _state(counted: npt.NDArray[np.bool_], good: npt.NDArray[np.bool_]) -> npt.NDArray[np.uint8]:
    state: npt.NDArray[np.uint8] = counted.view(np.uint8) + good.view(np.uint8)
    return state


def _counted_states(
    cell: npt.NDArray[np.int64], states: list[npt.NDArray[np.uint8]], shape: tuple[int, int]
) -> list[npt.NDArray[np.int64]]:
    """Events per (component, minute, state) of each SLI, from one bincount over the cells and the
    states of all of them together: one pass over the events, not one per SLI."""
    joint = states[0].copy()
    for state in states[1:]:
        joint *= STATES
        joint += state
    key = cell * STATES ** len(states)
    key += joint
    bins = np.bincount(key, minlength=shape[0] * shape[1] * STATES ** len(states))
    bins = bins.reshape(*shape, *(STATES,) * len(states))
    return [_other_states_summed(bins, own) for own in range(2, 2 + len(states))]


def _other_states_summed(bins: npt.NDArray[np.int64], own: int) -> npt.NDArray[np.int64]:
    """bins summed over every state axis but `own`, by adding its slices: numpy's sum over an axis
    of 3 pays a loop per element, ten times the cost of three strided views added."""
    for axis in reversed(range(2, bins.ndim)):
        if axis != own:
            states = np.moveaxis(bins, axis, 0)
            bins = states[0] + states[1] + states[2]
    return bins


def _subset(events: EventColumns, rows: npt.NDArray[np.bool_]) -> EventColumns:
    return EventColumns(
        events.timestamp[rows],
        events.component[rows],
        events.status[rows],
        events.success[rows],
        events.latency[rows],
    )


@dataclass(frozen=True)
class HistogramSeries:
    """Per-minute increases of a histogram's cumulative `le` buckets (minutes x buckets)."""

    bounds: npt.NDArray[np.float64]  # ascending, the last one +inf
    buckets: npt.NDArray[np.float64]

    def between(self, first_minute: int, end_minute: int) -> npt.NDArray[np.float64]:
        """Cumulative bucket counts over the minutes [first_minute, end_minute)."""
        window = self.buckets[max(0, first_minute) : max(0, end_minute)]
        return np.asarray(window.sum(axis=0), dtype=np.float64)


@dataclass(frozen=True)
class ComponentSeries:
    component: Component
    slis: dict[str, MinuteSeries]
    # Per status-rule availability SLI: bad events per minute, by status code (for attribution).
    bad_by_status: dict[str, dict[int, npt.NDArray[np.int64]]] = field(default_factory=dict)
    # Sources of histograms instead of events: latency percentiles are estimated from it.
    latency_histogram: HistogramSeries | None = None
    # Sources of events: latency percentiles are read from it.
    latency_sketch: LatencySketch | None = None


@dataclass(frozen=True)
class RangeCounts:
    before_grid: int
    after_end: int


@dataclass
class Accumulator:
    """Per-minute counts for the components fed by one source (component code = list index)."""

    grid: MinuteGrid
    components: list[Component]
    # First minutes of the windows whose latency percentiles are read: each is read exactly.
    window_starts: tuple[int, ...] = ()
    _good: dict[tuple[int, str], npt.NDArray[np.int64]] = field(default_factory=dict)
    _total: dict[tuple[int, str], npt.NDArray[np.int64]] = field(default_factory=dict)

    _bad_by_status: dict[tuple[int, str], dict[int, npt.NDArray[np.int64]]] = field(default_factory=dict)
    _latency_fold: LatencyFold = field(init=False)

    def __post_init__(self) -> None:
        self._latency_fold = LatencyFold(len(self.components), self.grid.minutes, self.window_starts)
        components, self.components = self.components, []
        for comp in components:
            self.include(comp)

    def include(self, component: Component) -> int:
        """Count one more component from the next chunk on (a group first seen); its code."""
        self.components.append(component)
        code = len(self.components) - 1
        for sli in component.slis:
            self._good[code, sli.name] = np.zeros(self.grid.minutes, np.int64)
            self._total[code, sli.name] = np.zeros(self.grid.minutes, np.int64)
        return code

    def _distinct_slis(self) -> list[tuple[Sli, list[int]]]:
        """Each distinct SLI definition with the component codes that use it, so it is evaluated once."""
        groups: dict[Sli, list[int]] = {}
        for code, comp in enumerate(self.components):
            for sli in comp.slis:
                groups.setdefault(sli, []).append(code)
        return list(groups.items())

    def add(self, events: EventColumns) -> RangeCounts:
        minute = self.grid.minute_of(events.timestamp)
        if not minute.size:
            return RangeCounts(0, 0)
        first, last = int(minute.min()), int(minute.max())
        if first >= 0 and last < self.grid.minutes:  # the usual chunk: no pass to count none outside
            self._add_inside(events, minute, first, last)
            return RangeCounts(0, 0)
        before = int(np.count_nonzero(minute < 0))
        after = int(np.count_nonzero(minute >= self.grid.minutes))
        inside = (minute >= 0) & (minute < self.grid.minutes)
        events, minute = _subset(events, inside), minute[inside]
        if minute.size:
            self._add_inside(events, minute, int(minute.min()), int(minute.max()))
        return RangeCounts(before, after)

    def _add_inside(self, events: EventColumns, minute: npt.NDArray[np.int64], first: int, last: int) -> None:
        """Count events that all fall in the grid, over the chunk's own span of minutes
        [first, last] only."""
        span = last + 1 - first
        cell = sliced(partial(_cell_of, span=span, first=first), np.int64, events.component, minute)
        slis = self._distinct_slis()
        for start in range(0, len(slis), SLIS_PER_COUNT):
            together = slis[start : start + SLIS_PER_COUNT]
            # Each event's state per SLI is 0 (not counted), BAD or GOOD.
            states = [_state(*classify(events, sli)) for sli, _ in together]
            counted = _counted_states(cell, states, (len(self.components), span))
            for (sli, codes), state, per_state in zip(together, states, counted, strict=True):
                for code in codes:
                    bad, good = per_state[code, :, BAD], per_state[code, :, GOOD]
                    self._total[code, sli.name][first : first + span] += bad + good
                    self._good[code, sli.name][first : first + span] += good
                if sli.good is not None and not sli.good.success_flag:
                    self._count_bad_statuses(events.status, cell, state == BAD, sli, codes, first, span)
        latency = events.latency
        timed = ~np.isnan(latency)
        component = events.component
        if not timed.all():
            component, minute, latency = component[timed], minute[timed], latency[timed]
            self._latency_fold.add(component, minute, latency)
        else:
            self._latency_fold.add(component, minute, latency, span=(first, last))

    def _count_bad_statuses(
        self,
        status: npt.NDArray[np.int32],
        cell: npt.NDArray[np.int64],
        bad: npt.NDArray[np.bool_],
        sli: Sli,
        codes: list[int],
        first: int,
        span: int,
    ) -> None:
        """Bad events per status code per minute: few events are bad, so this stays small."""
        rows = np.flatnonzero(bad)
        if not rows.size:
            return
        bad_status, bad_cell = status[rows], cell[rows]
        for code_of_status in np.unique(bad_status).tolist():
            bins = np.bincount(bad_cell[bad_status == code_of_status], minlength=len(self.components) * span)
            bins = bins.reshape(len(self.components), span)
            for code in codes:
                if bins[code].any():
                    per_status = self._bad_by_status.setdefault((code, sli.name), {})
                    if code_of_status not in per_status:
                        per_status[code_of_status] = np.zeros(self.grid.minutes, np.int64)
                    per_status[code_of_status][first : first + span] += bins[code]

    def finish(self) -> list[ComponentSeries]:
        result = []
        for code, component in enumerate(self.components):
            result.append(
                ComponentSeries(
                    component=component,
                    slis={
                        s.name: MinuteSeries(self._good[code, s.name], self._total[code, s.name])
                        for s in component.slis
                    },
                    latency_sketch=self._latency_fold.sketch(code),
                    bad_by_status={
                        s.name: self._bad_by_status.get((code, s.name), {}) for s in component.slis
                    },
                )
            )
        return result
