"""slo-targets.json: the objective in force for every SLO, and how history judges it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from reliability.artifacts.codec import Flattened, Record
from reliability.artifacts.figures import SloKey
from reliability.artifacts.header import Header


@dataclass(frozen=True)
class WorstDay(Record):
    date: date
    ratio: float


@dataclass(frozen=True)
class HistoryFigures(Record):
    start: datetime
    end: datetime
    first_day_with_data: date | None
    good: float
    total: float
    ratio: float | None
    days_with_data: int
    worst_day: WorstDay | None


@dataclass(frozen=True)
class Candidate(Record):
    """One step of the objective ladder, replayed over history."""

    objective_percent: float
    qualified: bool
    reason: str
    period_ends: int
    met_share: float | None
    lowest_budget_left: float | None
    pages: int
    tickets: int
    days_replayed: float
    paged_incidents: int


@dataclass(frozen=True)
class Backtest(Record):
    window_set: str
    max_pages_per_30d: float
    command: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True)
class TargetBudget(Record):
    fraction: float
    events: float
    events_basis: str
    minutes: float


@dataclass(frozen=True)
class SloTarget(SloKey):
    declared: float | str  # the configured percent, or "auto"
    objective_percent: float | None
    objective_source: str
    verdict: str
    proposed_percent: float | None
    margin: float
    history: HistoryFigures
    rationale: str
    backtest: Backtest | None
    budget: TargetBudget | None


@dataclass(frozen=True)
class SloTargets(Record):
    header: Flattened[Header]
    ladder_percent: tuple[float, ...]
    slos: tuple[SloTarget, ...]

    def slo(self, slo_id: str) -> SloTarget:
        return next(s for s in self.slos if s.slo == slo_id)
