"""sli-metrics.json: every component's SLIs and latency per window and day, and every SLO's measurements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reliability.artifacts.codec import Flattened, OmittedWhenNone, Record
from reliability.artifacts.figures import Budgeting, CountFigures, MeasuredFigures, SloWindow, WindowBounds
from reliability.artifacts.header import Header


@dataclass(frozen=True)
class History(Record):
    start: datetime
    end: datetime


@dataclass(frozen=True)
class InputFile(Record):
    path: str
    records: int


@dataclass(frozen=True)
class SkippedRecord(Record):
    file: str
    line: int | None
    reason: str
    field: str
    value: str


@dataclass(frozen=True)
class InputReport(Record):
    """What one telemetry source held, and what was used or set aside and why."""

    source: str
    files: tuple[InputFile, ...]
    records: int
    used: int
    skipped: dict[str, int]
    skipped_total: int
    skipped_examples: tuple[SkippedRecord, ...]
    filtered_out: int
    before_history: int
    after_evaluation_time: int
    out_of_order: int | None
    unavailable: str | None


@dataclass(frozen=True)
class SliWindow(WindowBounds):
    complete: bool
    count: Flattened[CountFigures]
    hours_with_data: int
    hours: int


@dataclass(frozen=True)
class SliDay(Record):
    date: date
    complete: bool
    count: Flattened[CountFigures]


@dataclass(frozen=True)
class Sli(Record):
    name: str
    kind: str
    good_when: str
    windows: tuple[SliWindow, ...]
    daily: tuple[SliDay, ...]

    def window(self, name: str) -> SliWindow:
        return next(w for w in self.windows if w.window == name)


@dataclass(frozen=True)
class LatencyFigures(Record):
    """Latency percentiles in seconds; estimated ones carry the bucket each lies in (None: +Inf)."""

    count: int
    p50_seconds: float | None
    p90_seconds: float | None
    p95_seconds: float | None
    p99_seconds: float | None
    p99_9_seconds: float | None
    no_data: bool
    estimated: bool
    bounds_seconds: OmittedWhenNone[dict[str, tuple[float | None, float | None]]] = None


@dataclass(frozen=True)
class LatencyWindow(WindowBounds):
    complete: bool
    figures: Flattened[LatencyFigures]


@dataclass(frozen=True)
class LatencyDay(Record):
    date: date
    figures: Flattened[LatencyFigures]


@dataclass(frozen=True)
class WorstHour(Record):
    hour: datetime
    count: int
    p99_seconds: float


@dataclass(frozen=True)
class SlowShare(Record):
    sli: str
    threshold_seconds: float | None
    slow_share: float | None


@dataclass(frozen=True)
class Latency(Record):
    definition: str
    windows: tuple[LatencyWindow, ...]
    daily: tuple[LatencyDay, ...]
    analysis_window: str
    worst_hours: tuple[WorstHour, ...]
    slow_share: tuple[SlowShare, ...]


@dataclass(frozen=True)
class ComponentSlis(Record):
    id: str
    service: str
    component: str
    source: str
    slis: tuple[Sli, ...]
    latency: Latency

    def sli(self, name: str) -> Sli:
        return next(s for s in self.slis if s.name == name)


@dataclass(frozen=True)
class Measurement(WindowBounds):
    figures: Flattened[MeasuredFigures]


@dataclass(frozen=True)
class MeasuredDay(Record):
    date: date
    figures: Flattened[MeasuredFigures]


@dataclass(frozen=True)
class MeasuredHour(Record):
    hour: datetime
    figures: Flattened[MeasuredFigures]


@dataclass(frozen=True)
class CompositePart(Record):
    slo: str
    weight: float


@dataclass(frozen=True)
class Composite(Record):
    method: str
    depends_on: tuple[CompositePart, ...]


@dataclass(frozen=True)
class PartErrorRatio(Record):
    slo: str
    weight: float
    error_ratio: float | None


@dataclass(frozen=True)
class BadUnits(Record):
    """Bad units in the SLO window by status, component, day and hour (the raw figures of attribution)."""

    by_status: dict[str, int]
    by_component: dict[str, int]
    by_day: dict[str, int]
    by_hour: dict[str, int]  # RFC 3339 hours, and "other hours"
    parts: tuple[PartErrorRatio, ...]


@dataclass(frozen=True)
class AdjustedPeriod(Record):
    start: datetime
    end: datetime


@dataclass(frozen=True)
class AppliedAdjustment(Record):
    """A budget adjustment of the SLO: the minutes it took in the SLO window and the events in them."""

    name: str
    reason: str
    mode: str  # exclude | count_good
    minutes: int
    good: int  # the events as measured, before the adjustment
    bad: int
    periods: tuple[AdjustedPeriod, ...]  # those overlapping the history, oldest first


@dataclass(frozen=True)
class SloMeasurements(Record):
    slo: str
    service: str
    components: tuple[str, ...]
    sli: str | None
    composite: Composite | None
    budgeting: Budgeting
    window: SloWindow
    alert_windows: str
    min_events: int
    measurements: tuple[Measurement, ...]
    daily: tuple[MeasuredDay, ...]
    bad_units: BadUnits
    recent_hours: OmittedWhenNone[tuple[MeasuredHour, ...]] = None  # the last hours, oldest first
    adjustments: OmittedWhenNone[tuple[AppliedAdjustment, ...]] = None  # None: no adjustment applies

    def measurement(self, window: str) -> Measurement:
        return next(m for m in self.measurements if m.window == window)


@dataclass(frozen=True)
class SliMetrics(Record):
    header: Flattened[Header]
    history: History
    inputs: tuple[InputReport, ...]
    components: tuple[ComponentSlis, ...]
    slos: tuple[SloMeasurements, ...]

    def component(self, service: str, name: str) -> ComponentSlis:
        return next(c for c in self.components if c.service == service and c.component == name)

    def slo(self, slo_id: str) -> SloMeasurements:
        return next(s for s in self.slos if s.slo == slo_id)
