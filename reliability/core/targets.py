"""Objectives from history: is a declared objective achievable, and which one would `auto` pick.

History is judged by its error ratio against a candidate's budget: a candidate is
met with margin when history used at most `margin` of its budget
(error ratio <= margin x (1 - objective)); met when it used at most all of it.
"""

from __future__ import annotations

from enum import StrEnum

from reliability.core.counts import Count
from reliability.vocabulary import Objective

OBJECTIVE_LADDER = (90.0, 95.0, 99.0, 99.5, 99.9, 99.95, 99.99)


class Verdict(StrEnum):
    ACHIEVABLE = "achievable"  # history stayed within the margin
    TIGHT = "tight"  # history met it, but used more than the margin
    NOT_ACHIEVABLE = "not_achievable"  # history would have broken it
    NO_DATA = "no_data"


def verdict(history: Count, objective_percent: float, margin: float) -> Verdict:
    error_ratio = history.error_ratio
    if error_ratio is None:
        return Verdict.NO_DATA
    budget = Objective(objective_percent).budget_fraction
    if error_ratio <= margin * budget:
        return Verdict.ACHIEVABLE
    if error_ratio <= budget:
        return Verdict.TIGHT
    return Verdict.NOT_ACHIEVABLE


def highest_met_step(
    history: Count, margin: float, ladder: tuple[float, ...] = OBJECTIVE_LADDER
) -> float | None:
    """The highest ladder step history met with margin; None without data or if none was met."""
    met = [step for step in ladder if verdict(history, step, margin) is Verdict.ACHIEVABLE]
    return max(met) if met else None
