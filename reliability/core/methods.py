"""Budgeting methods (OpenSLO): what one unit of good and of total is.

- occurrences:       good events / total events.
- timeslices:        good slices / slices with data; a slice is good when its ratio
                     reaches the slice target.
- ratio_timeslices:  the mean of the slice ratios (good = sum of ratios, total = slices).

Slices are cut back from the end of the window, so each is whole; leftover minutes at
the start of the window (less than a slice) are not measured. A slice without events is
no data: it is excluded and counted, never treated as good.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from reliability.config.model import Budgeting, BudgetingMethod
from reliability.core.counts import Count, MinuteSeries


@dataclass(frozen=True)
class Measurement:
    """An SLI over a span, in the units of its budgeting method."""

    count: Count  # good / total in `unit`s (float for ratio_timeslices)
    unit: str  # "events" or "slices"
    events: int  # events behind it, whatever the unit
    slices_without_data: int = 0

    @property
    def ratio(self) -> float | None:
        return self.count.ratio

    def low_confidence(self, min_events: int) -> bool:
        return self.events < min_events


def measure(series: MinuteSeries, first_minute: int, end_minute: int, budgeting: Budgeting) -> Measurement:
    first_minute = max(0, first_minute)
    events = series.between(first_minute, end_minute)
    if budgeting.method is BudgetingMethod.OCCURRENCES:
        return Measurement(events, "events", int(events.total))
    width = budgeting.slice_seconds // 60
    slices = (end_minute - first_minute) // width
    start = end_minute - slices * width
    good, total = series.sums(np.arange(start, end_minute + 1, width))
    with_data = total > 0
    ratios = good[with_data] / total[with_data]
    if budgeting.method is BudgetingMethod.TIMESLICES:
        assert budgeting.slice_target is not None
        # A hair of tolerance: 0.95 computed as 19/20 must count as reaching a 95 % target.
        good_slices = int(np.count_nonzero(ratios >= budgeting.slice_target - 1e-12))
        count = Count(good_slices, int(with_data.sum()))
    else:
        count = Count(float(ratios.sum()), int(with_data.sum()))
    return Measurement(count, "slices", int(events.total), int((~with_data).sum()))
