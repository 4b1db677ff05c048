"""An SLI measured over many windows at once, in its budgeting method's units, for replays.

The live stages measure each window once (core.methods, stages.slo_measurements); a
backtest asks the same question at thousands of instants. Each kind here answers
`windows(starts, ends)` in one vectorised pass with the same semantics as the live
measurement, so a replayed instant agrees with what a run at that instant reports:

- occurrences: good / total events, from prefix sums.
- time slices: slices cut back from each window's end, whole slices only, a slice
  without events excluded; good slices reach the slice target (timeslices) or count
  their ratio (ratio_timeslices).
- composite: the dependencies' window ratios combined (product or weighted mean),
  expressed over their events; no data when any dependency has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from reliability.config.model import Budgeting, BudgetingMethod, CompositeMethod
from reliability.core.budget import budget_fraction
from reliability.core.grid import MINUTE

Int64 = npt.NDArray[np.int64]
Float64 = npt.NDArray[np.float64]

INCIDENT_BUDGET_MULTIPLE = 10.0  # a minute burning ten budgets' worth of errors is part of an incident
_SLICE_TOLERANCE = 1e-12  # 0.95 computed as 19/20 reaches a 95 % slice target (as core.methods)


Number = TypeVar("Number", np.int64, np.float64)


def prefix_sums(values: npt.NDArray[Number]) -> npt.NDArray[Number]:
    """Prefix sums with a leading zero: the sum over minutes [a, b) is p[b] - p[a]."""
    sums: npt.NDArray[Number] = np.concatenate((np.zeros(1, values.dtype), np.cumsum(values)))
    return sums


@dataclass(frozen=True)
class WindowCounts:
    """Per window: good and total in the method's units, and the events behind them."""

    good: Float64
    total: Float64
    events: Int64

    @property
    def bad(self) -> Float64:
        return self.total - self.good


class Replayable(Protocol):
    @property
    def minutes(self) -> int: ...

    def windows(self, starts: Int64, ends: Int64) -> WindowCounts:
        """Windows [starts, ends) in grid minutes; starts before minute 0 are cut to it."""
        ...

    def events_per_minute(self) -> Int64: ...

    def minute_error_ratio(self) -> Float64:
        """The raw events' error ratio per minute; NaN for a minute without events."""
        ...

    def incident_error_ratio(self, objective: float) -> float:
        """A minute whose error ratio exceeds this belongs to an incident."""
        ...


@dataclass(frozen=True)
class OccurrenceSeries:
    good: Int64
    total: Int64

    @property
    def minutes(self) -> int:
        return len(self.total)

    @cached_property
    def prefix(self) -> tuple[Int64, Int64]:
        """Prefix sums of good and total, computed once: every window is a difference of two."""
        return prefix_sums(self.good), prefix_sums(self.total)

    def windows(self, starts: Int64, ends: Int64) -> WindowCounts:
        starts = np.maximum(starts, 0)
        good_sums, total_sums = self.prefix
        total = total_sums[ends] - total_sums[starts]
        return WindowCounts(
            (good_sums[ends] - good_sums[starts]).astype(np.float64), total.astype(np.float64), total
        )

    def events_per_minute(self) -> Int64:
        return self.total

    def minute_error_ratio(self) -> Float64:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(self.total > 0, (self.total - self.good) / self.total, np.nan)

    def incident_error_ratio(self, objective: float) -> float:
        return INCIDENT_BUDGET_MULTIPLE * budget_fraction(objective)


@dataclass(frozen=True)
class SliceSeries:
    """A time-slice SLO over per-minute event counts."""

    events: OccurrenceSeries
    budgeting: Budgeting

    @property
    def minutes(self) -> int:
        return self.events.minutes

    @property
    def slice_minutes(self) -> int:
        return self.budgeting.slice_seconds // MINUTE

    @cached_property
    def _slices_ending_at_each_minute(self) -> tuple[Float64, Float64]:
        """Index m: the slice [m - w, m) counted as (good units, 1 if it has events)."""
        width = self.slice_minutes
        good_sums, total_sums = self.events.prefix
        ends = np.arange(self.minutes + 1)
        starts = np.maximum(ends - width, 0)
        good = (good_sums[ends] - good_sums[starts]).astype(np.float64)
        total = (total_sums[ends] - total_sums[starts]).astype(np.float64)
        whole = ends >= width
        has_data = whole & (total > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(has_data, good / total, 0.0)
        if self.budgeting.method is BudgetingMethod.TIMESLICES:
            assert self.budgeting.slice_target is not None
            units = (has_data & (ratio >= self.budgeting.slice_target - _SLICE_TOLERANCE)).astype(np.float64)
        else:
            units = ratio
        return units, has_data.astype(np.float64)

    def windows(self, starts: Int64, ends: Int64) -> WindowCounts:
        width = self.slice_minutes
        starts = np.maximum(starts, 0)
        slices = (ends - starts) // width
        unit_good, unit_total = self._slices_ending_at_each_minute
        good = np.zeros(len(ends))
        total = np.zeros(len(ends))
        # Slices ending at minutes of one phase (mod the width) form a regular sequence:
        # one prefix sum per phase turns every window into a difference.
        for phase in np.unique(ends % width).tolist():
            chosen = np.flatnonzero(ends % width == phase)
            good_sums = prefix_sums(unit_good[phase::width])
            total_sums = prefix_sums(unit_total[phase::width])
            last = (ends[chosen] - phase) // width + 1  # slices of this phase ending at or before the end
            first = last - slices[chosen]
            good[chosen] = good_sums[last] - good_sums[first]
            total[chosen] = total_sums[last] - total_sums[first]
        # Events behind the window: all of it, leftover minutes before the first slice included (as live).
        return WindowCounts(good, total, self.events.windows(starts, ends).events)

    def events_per_minute(self) -> Int64:
        return self.events.total

    def minute_error_ratio(self) -> Float64:
        return self.events.minute_error_ratio()

    def incident_error_ratio(self, objective: float) -> float:
        if self.budgeting.method is BudgetingMethod.TIMESLICES:
            assert self.budgeting.slice_target is not None
            return 1.0 - self.budgeting.slice_target  # errors enough to break the minute's slice
        return INCIDENT_BUDGET_MULTIPLE * budget_fraction(objective)


@dataclass(frozen=True)
class CompositeSeries:
    parts: tuple[Replayable, ...]
    weights: tuple[float, ...]
    method: CompositeMethod

    @property
    def minutes(self) -> int:
        return self.parts[0].minutes

    def _combine(self, ratios: Sequence[Float64]) -> Float64:
        stacked = np.vstack(ratios)  # NaN where a dependency has no data: the result is NaN too
        if self.method is CompositeMethod.ALL_MUST_SUCCEED:
            combined: Float64 = np.prod(stacked, axis=0)
            return combined
        weights = np.asarray(self.weights)[:, None]
        weighted: Float64 = (stacked * weights).sum(axis=0) / weights.sum()
        return weighted

    def windows(self, starts: Int64, ends: Int64) -> WindowCounts:
        counts = [part.windows(starts, ends) for part in self.parts]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratios = [np.where(c.total > 0, c.good / c.total, np.nan) for c in counts]
        ratio = self._combine(ratios)
        events = np.sum([c.events for c in counts], axis=0).astype(np.int64)
        judged = ~np.isnan(ratio)
        total = np.where(judged, events, 0).astype(np.float64)
        return WindowCounts(np.where(judged, ratio * total, 0.0), total, events)

    def events_per_minute(self) -> Int64:
        events: Int64 = np.sum([p.events_per_minute() for p in self.parts], axis=0).astype(np.int64)
        return events

    def minute_error_ratio(self) -> Float64:
        return 1.0 - self._combine([1.0 - p.minute_error_ratio() for p in self.parts])

    def incident_error_ratio(self, objective: float) -> float:
        return INCIDENT_BUDGET_MULTIPLE * budget_fraction(objective)


def for_budgeting(good: Int64, total: Int64, budgeting: Budgeting) -> Replayable:
    events = OccurrenceSeries(good, total)
    if budgeting.method is BudgetingMethod.OCCURRENCES:
        return events
    return SliceSeries(events, budgeting)
