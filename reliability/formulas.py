"""The formula of every defined quantity, written once, in the SRE Workbook's terms.

`explain` prints these before the numbers it substitutes, the metrics carry them in their HELP and
the dashboards in their panel descriptions; the README's reference section lists every one
(a test holds it to that). Texts are plain words and symbols on one line, with no braces: the
dashboards put them into `str.format` templates.
"""

from __future__ import annotations

from dataclasses import dataclass

from reliability.conventions import CURRENT_BURN_WINDOW


@dataclass(frozen=True)
class Formula:
    """`name relation expression`, e.g. "burn rate = error ratio / (1 - objective)"."""

    name: str  # the quantity, as explain and the README name it
    expression: str
    unit: str
    relation: str = "="  # "when" for a condition

    @property
    def text(self) -> str:
        return f"{self.name} {self.relation} {self.expression}"


RATIO = "ratio, 0 to 1"
BUDGET_RATE = "multiple of the budget rate: 1 spends the budget exactly over the SLO window"

SLI = Formula("SLI", "good events / total events in the window", RATIO)
TIMESLICES_SLI = Formula("SLI (timeslices)", "good slices / slices with data", RATIO)
RATIO_TIMESLICES_SLI = Formula("SLI (ratio_timeslices)", "sum of slice ratios / slices with data", RATIO)
ALL_MUST_SUCCEED_SLI = Formula("composite SLI (all_must_succeed)", "product of the dependencies' SLIs", RATIO)
WEIGHTED_SLI = Formula(
    "composite SLI (weighted)", "sum of weight x dependency SLI / sum of the weights", RATIO
)
ERROR_RATIO = Formula("error ratio", "bad events / total events in the window = 1 - SLI", RATIO)
ERROR_BUDGET = Formula("error budget", "1 - objective", "ratio of events allowed to be bad, 0 to 1")
ALLOWED = Formula(
    "allowed bad events", "(1 - objective) x total events", "events (slices for time-slice SLOs)"
)
BUDGET_CONSUMED = Formula(
    "budget consumed", "bad events / allowed bad events", "share of the error budget; above 1 when overspent"
)
BUDGET_REMAINING = Formula(
    "budget remaining",
    "1 - bad events / allowed bad events",
    "share of the error budget; below 0 when overspent",
)
BURN_RATE = Formula("burn rate", "error ratio / (1 - objective)", BUDGET_RATE)
CURRENT_BURN = Formula("current burn rate", f"burn rate over the last {CURRENT_BURN_WINDOW}", BUDGET_RATE)
EXHAUSTION = Formula("time to exhaustion", "budget remaining x SLO window / current burn rate", "seconds")
ALERT_FACTOR = Formula(
    "alert factor",
    "budget share x SLO window / long window",
    "burn rate threshold, a multiple of the budget rate",
)
ALERT_CONDITION = Formula(
    "a window pair fires",
    "burn rate > alert factor over both its long and its short window",
    "page or ticket, by the pair's severity",
    relation="when",
)
FORECAST = Formula(
    "budget remaining at the horizon",
    "1 - budget consumed still in the window then - sum of the drawn days' budget consumed",
    "share of the error budget, per draw; p10, p50 and p90 over the draws",
)
SLA_ATTAINMENT = Formula("SLA attainment", "good events / total events in the calendar month (UTC)", RATIO)
SLA_BREACH = Formula("SLA breached", "attainment < target", "per calendar month", relation="when")
SLA_CREDIT = Formula(
    "SLA credit",
    "credit of the tier with the lowest threshold that attainment falls below",
    "percent, as the tier states it; none above every threshold",
)

FORMULAS = (
    SLI,
    TIMESLICES_SLI,
    RATIO_TIMESLICES_SLI,
    ALL_MUST_SUCCEED_SLI,
    WEIGHTED_SLI,
    ERROR_RATIO,
    ERROR_BUDGET,
    ALLOWED,
    BUDGET_CONSUMED,
    BUDGET_REMAINING,
    BURN_RATE,
    CURRENT_BURN,
    EXHAUSTION,
    ALERT_FACTOR,
    ALERT_CONDITION,
    FORECAST,
    SLA_ATTAINMENT,
    SLA_BREACH,
    SLA_CREDIT,
)
