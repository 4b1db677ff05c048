"""Error budgets as in the SRE Workbook. "Events" are the units of the budgeting method
(events, or time slices for the timeslice methods).

budget fraction  = 1 - objective
burn rate        = error ratio / budget fraction   (1.0 spends the budget exactly over the window)
allowed events   = budget fraction x total events in the window
remaining ratio  = 1 - bad / allowed               (negative: overspent)
budget minutes   = window x budget fraction        (slo-generator's convention)
consumed minutes = elapsed part of the window x error ratio
"""

from __future__ import annotations

from dataclasses import dataclass

from reliability.core.counts import Count
from reliability.vocabulary import budget_fraction

__all__ = ["Budget", "BurnRate", "budget_fraction", "burn_rate", "seconds_to_exhaustion"]


@dataclass(frozen=True)
class BurnRate:
    """A burn rate; `unbounded` when the objective leaves no budget yet errors occurred."""

    value: float | None  # None: no data, or unbounded
    unbounded: bool = False

    def exceeds(self, factor: float) -> bool:
        return self.unbounded or (self.value is not None and self.value > factor)


def burn_rate(count: Count, objective: float) -> BurnRate:
    error_ratio = count.error_ratio
    if error_ratio is None:
        return BurnRate(None)
    fraction = budget_fraction(objective)
    if fraction == 0:
        return BurnRate(0.0) if error_ratio == 0 else BurnRate(None, unbounded=True)
    return BurnRate(error_ratio / fraction)


@dataclass(frozen=True)
class Budget:
    """The error budget of one SLO over its window."""

    objective: float
    window_seconds: int  # the period the budget is for (a calendar window: the whole period)
    count: Count  # good / total so far, in the units of the budgeting method
    elapsed_seconds: int | None = None  # how much of the period is measured (default: all of it)

    @property
    def allowed_events(self) -> float:
        return budget_fraction(self.objective) * self.count.total

    @property
    def consumed_events(self) -> float:
        return self.count.bad

    @property
    def remaining_events(self) -> float:
        return self.allowed_events - self.consumed_events

    @property
    def consumed_ratio(self) -> float | None:
        """Share of the budget spent; None without data, or when a zero budget was overspent."""
        if self.count.no_data:
            return None
        if self.allowed_events == 0:
            return 0.0 if self.consumed_events == 0 else None
        return self.consumed_events / self.allowed_events

    @property
    def remaining_ratio(self) -> float | None:
        consumed = self.consumed_ratio
        return None if consumed is None else 1.0 - consumed

    @property
    def exhausted(self) -> bool:
        return (
            not self.count.no_data
            and self.consumed_events > 0
            and (self.consumed_events >= self.allowed_events)
        )

    @property
    def allowed_minutes(self) -> float:
        return self.window_seconds * budget_fraction(self.objective) / 60

    @property
    def consumed_minutes(self) -> float | None:
        error_ratio = self.count.error_ratio
        elapsed = self.window_seconds if self.elapsed_seconds is None else self.elapsed_seconds
        return None if error_ratio is None else elapsed * error_ratio / 60

    @property
    def remaining_minutes(self) -> float | None:
        consumed = self.consumed_minutes
        return None if consumed is None else self.allowed_minutes - consumed


def seconds_to_exhaustion(budget: Budget, current: BurnRate) -> float | None:
    """Time until the remaining budget is spent at the current burn rate.

    remaining ratio x window / burn rate: a burn rate of 1 spends a whole window's
    budget in one window. 0 when already spent; None when there is no data or
    nothing is burning. Ignores old errors leaving the rolling window (conservative).
    """
    if budget.exhausted:
        return 0.0
    remaining = budget.remaining_ratio
    if remaining is None or current.value is None or current.value == 0:
        return 0.0 if current.unbounded else None
    return remaining * budget.window_seconds / current.value
