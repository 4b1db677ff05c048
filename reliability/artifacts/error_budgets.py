"""error-budgets.json: every SLO's budget, burn rates, alert, exhaustion, forecast, policy, attribution."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reliability.artifacts.codec import Flattened, OmittedWhenNone, Record
from reliability.artifacts.figures import Budgeting, SloKey, SloWindow
from reliability.artifacts.header import Header


@dataclass(frozen=True)
class WindowPair(Record):
    severity: str
    long_window: str
    short_window: str
    budget_share: float


@dataclass(frozen=True)
class BudgetFigures(Record):
    allowed_events: float
    consumed_events: float
    remaining_events: float
    consumed_ratio: float | None
    remaining_ratio: float | None
    allowed_minutes: float
    consumed_minutes: float | None
    remaining_minutes: float | None
    exhausted: bool
    minutes_convention: str


@dataclass(frozen=True)
class BurnRateEntry(Record):
    window: str
    seconds: int
    good: float
    total: float
    no_data: bool
    events: float
    low_confidence: bool
    burn_rate: float | None
    unbounded: bool


@dataclass(frozen=True)
class AlertPair(Record):
    severity: str
    long_window: str
    short_window: str
    budget_share: float
    factor: float
    long_burn_rate: float | None
    long_burn_unbounded: bool
    short_burn_rate: float | None
    short_burn_unbounded: bool
    status: str
    low_confidence: bool


@dataclass(frozen=True)
class Alert(Record):
    state: str
    window_set: str
    pairs: tuple[AlertPair, ...]


@dataclass(frozen=True)
class Exhaustion(Record):
    seconds: float | None
    at: datetime | None
    basis: str


@dataclass(frozen=True)
class Forecast(Record):
    available: bool
    method: str
    horizon_end: datetime | None
    horizon_seconds: float
    days_sampled_from: int
    remaining_ratio_p10: float
    remaining_ratio_p50: float
    remaining_ratio_p90: float
    exhaustion_probability: float


@dataclass(frozen=True)
class NoForecast(Record):
    available: bool  # always False
    reason: str | None


@dataclass(frozen=True)
class Policy(Record):
    state: str
    rule: int | None  # the index of the rule that matched
    reason: str


@dataclass(frozen=True)
class Share(Record):
    key: str
    bad: float
    share: float


@dataclass(frozen=True)
class Attribution(Record):
    total_bad: float
    shares: tuple[Share, ...]


@dataclass(frozen=True)
class AlertSpan(Record):
    severity: str
    start: datetime
    end: datetime | None  # None: still firing at the evaluation time
    pairs: tuple[str, ...]


@dataclass(frozen=True)
class AlertTimeline(Record):
    """When page and ticket fired over the SLO window, replayed every `step_seconds`."""

    start: datetime
    end: datetime
    step_seconds: int
    spans: tuple[AlertSpan, ...]


@dataclass(frozen=True)
class ChangeRecord(Record):
    """A change event of the SLO's service and the budget spent in the span after it."""

    time: datetime
    service: str
    kind: str
    version: str | None
    description: str | None
    source: str
    attribution_seconds: int
    attributed_until: datetime
    bad_after: float
    budget_share_after: float | None


@dataclass(frozen=True)
class SloBudget(SloKey):
    """An SLO with an objective: its budget and everything that follows from it."""

    window_detail: SloWindow
    budgeting: Budgeting
    objective_percent: float
    no_data: bool
    sli_ratio: float | None
    good: float
    total: float
    events: float
    hours_with_data: int
    hours: int
    budget_fraction: float
    budget: BudgetFigures
    burn_rates: tuple[BurnRateEntry, ...]
    current_burn_window: str
    current_burn_rate: float | None
    current_burn_unbounded: bool
    alert: Alert
    exhaustion: Exhaustion
    forecast: Forecast | NoForecast
    policy: Policy
    attribution: dict[str, Attribution]  # by dimension: status, component, day, hour, dependency
    alert_timeline: OmittedWhenNone[AlertTimeline] = None  # absent when built without the minute history
    changes: OmittedWhenNone[tuple[ChangeRecord, ...]] = None  # absent when no change_events are configured


@dataclass(frozen=True)
class UnjudgedBudget(SloKey):
    """An SLO without an objective (`auto` with no history): no budget, and why."""

    objective_percent: None
    no_data: bool  # always True
    reason: str


@dataclass(frozen=True)
class ErrorBudgets(Record):
    header: Flattened[Header]
    alert_window_sets: dict[str, tuple[WindowPair, ...]]
    alert_factor: str
    slos: tuple[SloBudget | UnjudgedBudget, ...]

    def slo(self, slo_id: str) -> SloBudget | UnjudgedBudget:
        return next(s for s in self.slos if s.slo == slo_id)
