"""Groups of figures that several artifacts share: a count, a measurement, the SLO window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reliability.artifacts.codec import Record
from reliability.core.counts import Count


@dataclass(frozen=True)
class CountFigures(Record):
    good: float
    total: float
    bad: float
    ratio: float | None
    error_ratio: float | None
    no_data: bool

    def as_count(self) -> Count:
        return Count(self.good, self.total)


@dataclass(frozen=True)
class MeasuredFigures(Record):
    """A count in the SLO's budgeting units (events or slices), and how far it can be trusted."""

    good: float
    total: float
    bad: float
    ratio: float | None
    error_ratio: float | None
    no_data: bool
    events: float
    slices_without_data: int
    low_confidence: bool

    def as_count(self) -> Count:
        return Count(self.good, self.total)


@dataclass(frozen=True)
class Budgeting(Record):
    method: str
    slice: str
    slice_target: float | None


@dataclass(frozen=True)
class SloWindow(Record):
    """The SLO window at evaluation time, and how many of its hours have data."""

    name: str
    description: str
    start: datetime
    end: datetime
    period_seconds: int
    period_end: datetime
    reaches_before_history: bool
    hours_with_data: int
    hours: int
