"""Fold chunks of events into per-minute counts and latency histograms, in bounded memory.

Memory is set by the grid (components x SLIs x minutes) and the latency histograms, which hold
one cell per (time slot, component, bucket) seen, up to a bound set by the grid (see
latency_sketch). Only the exact mode, which keeps every latency for exact percentiles, grows with
every event (about 12 bytes each).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from reliability.config.model import Component, Sli
from reliability.core.classify import classify
from reliability.core.counts import MinuteSeries
from reliability.core.events import EventColumns
from reliability.core.grid import MinuteGrid
from reliability.core.latency_sketch import LatencyFold, LatencySketch


@dataclass(frozen=True)
class LatencySamples:
    """One component's latencies in the grid, ordered by minute."""

    minute: npt.NDArray[np.int32]
    seconds: npt.NDArray[np.float64]

    def between(self, first_minute: int, end_minute: int) -> npt.NDArray[np.float64]:
        lo, hi = np.searchsorted(self.minute, [first_minute, end_minute])
        return self.seconds[lo:hi]


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
    latency: LatencySamples  # empty unless the accumulator keeps every latency (exact mode)
    # Per status-rule availability SLI: bad events per minute, by status code (for attribution).
    bad_by_status: dict[str, dict[int, npt.NDArray[np.int64]]] = field(default_factory=dict)
    # Sources of histograms instead of events: latency percentiles are estimated from it.
    latency_histogram: HistogramSeries | None = None
    # Sources of events: latency percentiles are read from it, unless latencies are kept.
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
    # Exact mode: keep every latency (memory grows with events) instead of the histograms.
    keep_latencies: bool = False
    _good: dict[tuple[int, str], npt.NDArray[np.int64]] = field(default_factory=dict)
    _total: dict[tuple[int, str], npt.NDArray[np.int64]] = field(default_factory=dict)
    # Per component code: (minute, latency) pieces, one per chunk, joined in finish().
    _latency_parts: dict[int, list[tuple[npt.NDArray[np.int32], npt.NDArray[np.float64]]]] = field(
        default_factory=dict
    )

    _bad_by_status: dict[tuple[int, str], dict[int, npt.NDArray[np.int64]]] = field(default_factory=dict)
    _latency_fold: LatencyFold = field(init=False)

    def __post_init__(self) -> None:
        self._latency_fold = LatencyFold(len(self.components), self.grid.minutes)
        for code, comp in enumerate(self.components):
            for sli in comp.slis:
                self._good[code, sli.name] = np.zeros(self.grid.minutes, np.int64)
                self._total[code, sli.name] = np.zeros(self.grid.minutes, np.int64)

    def _distinct_slis(self) -> list[tuple[Sli, list[int]]]:
        """Each distinct SLI definition with the component codes that use it, so it is evaluated once."""
        groups: dict[Sli, list[int]] = {}
        for code, comp in enumerate(self.components):
            for sli in comp.slis:
                groups.setdefault(sli, []).append(code)
        return list(groups.items())

    def add(self, events: EventColumns) -> RangeCounts:
        minute = self.grid.minute_of(events.timestamp)
        before = minute < 0
        after = minute >= self.grid.minutes
        inside = ~before & ~after
        size = len(self.components) * self.grid.minutes
        key = events.component.astype(np.int64) * self.grid.minutes + minute
        for sli, codes in self._distinct_slis():
            counted, good = classify(events, sli)
            total_bins = np.bincount(key[inside & counted], minlength=size).reshape(len(self.components), -1)
            good_bins = np.bincount(key[inside & good], minlength=size).reshape(len(self.components), -1)
            for code in codes:
                self._total[code, sli.name] += total_bins[code]
                self._good[code, sli.name] += good_bins[code]
            if sli.good is not None and not sli.good.success_flag:
                self._count_bad_statuses(events, key, inside & counted & ~good, sli, codes)
        timed = inside & ~np.isnan(events.latency)
        if self.keep_latencies:
            self._keep_latencies(events, minute, timed)
        else:
            self._latency_fold.add(
                events.component[timed].astype(np.int64), minute[timed], events.latency[timed]
            )
        return RangeCounts(int(before.sum()), int(after.sum()))

    def _count_bad_statuses(
        self,
        events: EventColumns,
        key: npt.NDArray[np.int64],
        bad: npt.NDArray[np.bool_],
        sli: Sli,
        codes: list[int],
    ) -> None:
        """Bad events per status code per minute: few codes are bad, so this stays small."""
        size = len(self.components) * self.grid.minutes
        for status in np.unique(events.status[bad]).tolist():
            bins = np.bincount(key[bad & (events.status == status)], minlength=size)
            bins = bins.reshape(len(self.components), -1)
            for code in codes:
                if bins[code].any():
                    per_status = self._bad_by_status.setdefault((code, sli.name), {})
                    if status not in per_status:
                        per_status[status] = np.zeros(self.grid.minutes, np.int64)
                    per_status[status] += bins[code]

    def _keep_latencies(
        self, events: EventColumns, minute: npt.NDArray[np.int64], keep: npt.NDArray[np.bool_]
    ) -> None:
        """Split the chunk's latencies by component now, so finish() needs no global sort."""
        comp = events.component[keep]
        order = np.argsort(comp, kind="stable")
        bounds = np.searchsorted(comp[order], np.arange(len(self.components) + 1))
        minute_kept, latency_kept = minute[keep].astype(np.int32), events.latency[keep]
        for code in range(len(self.components)):
            rows = order[bounds[code] : bounds[code + 1]]
            if rows.size:
                self._latency_parts.setdefault(code, []).append((minute_kept[rows], latency_kept[rows]))

    def _latencies(self, code: int) -> LatencySamples:
        parts = self._latency_parts.get(code, [])
        minute = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int32)
        seconds = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
        if minute.size and np.any(np.diff(minute) < 0):  # input out of time order
            order = np.argsort(minute, kind="stable")
            minute, seconds = minute[order], seconds[order]
        return LatencySamples(minute, seconds)

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
                    latency=self._latencies(code),
                    latency_sketch=None if self.keep_latencies else self._latency_fold.sketch(code),
                    bad_by_status={
                        s.name: self._bad_by_status.get((code, s.name), {}) for s in component.slis
                    },
                )
            )
        return result
