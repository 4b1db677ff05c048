"""Per-period compliance: every SLO and SLA over exactly one calendar month or quarter.

Measured from minute series on a grid that starts at the period's first minute and ends at its
end (or at the evaluation time, inside a period in progress). No data stays no data: an SLO or SLA
without events has no achieved figure, never 100 %.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from reliability.config.model import BudgetingMethod, Config, Sla, Slo
from reliability.core.accumulate import ComponentSeries
from reliability.core.budget import Budget
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MINUTES_PER_DAY, MinuteGrid
from reliability.core.periods import Period
from reliability.core.sla import compliance
from reliability.stages.slo_measurements import SloSources, measure_slo, slo_minutes, slo_sources
from reliability.timefmt import moment
from reliability.vocabulary import Objective

WORST_DAYS = 3


@dataclass(frozen=True)
class DayFigure:
    day: date
    achieved_ratio: float
    bad: float  # in the SLO's units: events, or time slices


@dataclass(frozen=True)
class SloPeriod:
    slo: str
    service: str
    objective_percent: float | None  # None: derived from history ('auto'), not judged here
    unit: str  # events, or slices for the time-slice methods
    good: float
    total: float
    achieved_ratio: float | None  # None: no data
    budget_spent_ratio: float | None  # None: no data, no fixed objective, or a zero budget overspent
    bad_minutes: int | None  # minutes with a bad event; None for a composite
    no_data_minutes: int | None  # minutes without an event; None for a composite
    worst_days: tuple[DayFigure, ...]

    @property
    def bad(self) -> float:
        return self.total - self.good

    @property
    def status(self) -> str:
        if self.achieved_ratio is None:
            return "no_data"
        if self.objective_percent is None:
            return "no_objective"
        return "met" if self.achieved_ratio * 100 >= self.objective_percent - 1e-9 else "missed"


@dataclass(frozen=True)
class SlaPeriod:
    sla: str
    service: str
    component: str
    sli: str
    target_percent: float
    good: int
    total: int
    attained_ratio: float | None  # None: no data
    breached: bool
    credit_percent: float | None
    bad_minutes: int
    no_data_minutes: int
    worst_days: tuple[DayFigure, ...]

    @property
    def status(self) -> str:
        if self.attained_ratio is None:
            return "no_data"
        return "breached" if self.breached else "met"


@dataclass(frozen=True)
class PeriodCompliance:
    period: Period
    evaluated_at: int
    measured_end: int
    minutes: int
    slos: tuple[SloPeriod, ...]
    slas: tuple[SlaPeriod, ...]

    @property
    def complete(self) -> bool:
        return self.period.complete(self.evaluated_at)


def period_grid(period: Period, evaluated_at: int) -> MinuteGrid:
    """The minutes of the period measured at `evaluated_at`: from its start to its (measured) end."""
    end = period.measured_end(evaluated_at)
    if end <= period.start:
        raise ValueError(f"the period {period.label} starts after the evaluation time: nothing to report yet")
    return MinuteGrid(origin=period.start, minutes=(end - period.start) // 60)


def _day_bounds(grid: MinuteGrid) -> list[tuple[date, int, int]]:
    return [
        (
            moment(grid.day_start(day)).date(),
            day * MINUTES_PER_DAY,
            min((day + 1) * MINUTES_PER_DAY, grid.minutes),
        )
        for day in range(grid.days)
    ]


def _worst(days: list[DayFigure]) -> tuple[DayFigure, ...]:
    """The days that fell short the most; perfect days and days without data are not among them."""
    short = [d for d in days if d.bad > 0]
    return tuple(sorted(short, key=lambda d: (d.achieved_ratio, d.day))[:WORST_DAYS])


def _minutes(series: MinuteSeries) -> tuple[int, int]:
    """(minutes with a bad event, minutes without any event)."""
    return int(np.count_nonzero(series.good < series.total)), int(np.count_nonzero(series.total == 0))


def _slo(config: Config, slo: Slo, sources: SloSources, grid: MinuteGrid) -> SloPeriod:
    measured = measure_slo(config, slo, sources, 0, grid.minutes)
    count = measured.count
    objective = slo.objective_percent
    spent = None
    if objective is not None:
        spent = Budget(Objective(objective).ratio, grid.minutes * 60, count).consumed_ratio
    days = []
    for day, lo, hi in _day_bounds(grid):
        part = measure_slo(config, slo, sources, lo, hi).count
        if part.ratio is not None:
            days.append(DayFigure(day, part.ratio, part.bad))
    bad_minutes = no_data_minutes = None
    if slo.composite is None:
        bad_minutes, no_data_minutes = _minutes(slo_minutes(sources, slo.id))
    unit = "events" if slo.budgeting.method is BudgetingMethod.OCCURRENCES else "slices"
    return SloPeriod(
        slo.id,
        slo.service,
        objective,
        unit,
        count.good,
        count.total,
        count.ratio,
        spent,
        bad_minutes,
        no_data_minutes,
        _worst(days),
    )


def _sla(sla: Sla, by_component: dict[tuple[str, str], ComponentSeries], grid: MinuteGrid) -> SlaPeriod:
    found = by_component.get((sla.service, sla.component))
    empty = np.zeros(grid.minutes, np.int64)
    series = found.slis[sla.sli] if found else MinuteSeries(empty, empty)
    count = series.between(0, grid.minutes)
    result = compliance(count, sla.target_percent, sla.credits)
    days = []
    for day, lo, hi in _day_bounds(grid):
        part = series.between(lo, hi)
        if part.ratio is not None:
            days.append(DayFigure(day, part.ratio, part.bad))
    bad_minutes, no_data_minutes = _minutes(series)
    return SlaPeriod(
        sla.id,
        sla.service,
        sla.component,
        sla.sli,
        sla.target_percent,
        int(count.good),
        int(count.total),
        count.ratio,
        result.breached,
        None if result.credit is None else result.credit.credit_percent,
        bad_minutes,
        no_data_minutes,
        _worst(days),
    )


def build(
    config: Config, period: Period, evaluated_at: int, grid: MinuteGrid, series: list[ComponentSeries]
) -> PeriodCompliance:
    """Every SLO and SLA of the configuration over the period's grid."""
    sources = slo_sources(config, series, grid)
    by_component = {(s.component.service, s.component.name): s for s in series}
    return PeriodCompliance(
        period,
        evaluated_at,
        grid.end,
        grid.minutes,
        tuple(_slo(config, slo, sources, grid) for slo in config.slos),
        tuple(_sla(sla, by_component, grid) for sla in config.slas),
    )
