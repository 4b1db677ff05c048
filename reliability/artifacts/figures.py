"""Groups of figures that several artifacts share: a count, a measurement, the SLO window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reliability.artifacts.codec import Record
from reliability.config.model import Slo
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
class MeasuredFigures(CountFigures):
    """A count in the SLO's budgeting units (events or slices), and how far it can be trusted."""

    events: float
    slices_without_data: int
    low_confidence: bool


@dataclass(frozen=True)
class WindowBounds(Record):
    """Which window a figure is over, and when it starts and ends (clipped to the history)."""

    window: str
    seconds: int
    start: datetime
    end: datetime


@dataclass(frozen=True)
class SloKey(Record):
    """Which SLO an entry of slo-targets or error-budgets is about: the keys each starts with."""

    slo: str
    service: str
    component: str
    sli: str | None
    window: str
    window_seconds: int

    @staticmethod
    def of(slo: Slo, period_seconds: int) -> tuple[str, str, str, str | None, str, int]:
        """The key fields, in order, to start a record's arguments with."""
        return (slo.id, slo.service, slo.component, slo.sli, slo.window.name, period_seconds)


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
