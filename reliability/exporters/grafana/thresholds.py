"""Colours: threshold steps and value mappings, from each SLO's objective, budget policy and alert factors."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from reliability.config.defaults import DEFAULT_POLICY
from reliability.config.model import AlertWindowPair, Config, PolicyRule, Sla, Slo
from reliability.conventions import CURRENT_BURN, FORECAST_HORIZON_SECONDS
from reliability.core.alerts import AlertState
from reliability.render.numbers import configured_percent
from reliability.vocabulary import Objective

Json = dict[str, Any]
Code = tuple[int, str, str]  # a state's number -> its word and colour
Step = tuple[str, float | None]  # a colour from this value up; None for the base colour

DAY_SECONDS = 86400

# The alert state as one number, so a stat or a table maps it to a word and a colour. The highest
# applies, as in the pipeline: page over ticket over no data over ok.
ALERT_CODES: tuple[Code, ...] = (
    (0, "ok", "green"),
    (1, "no data", "purple"),
    (2, "ticket", "orange"),
    (3, "PAGE", "red"),
)
FREEZE_CODES: tuple[Code, ...] = ((0, "ok", "green"), (1, "FREEZE", "red"))
BREACH_CODES: tuple[Code, ...] = ((0, "met", "green"), (1, "BREACHED", "red"))
POLICY_COLOURS = {"freeze": "red", "warn": "orange"}
GREEN: tuple[Step, ...] = (("green", None),)
BURN_STEPS: tuple[Step, ...] = (("green", None), ("yellow", 1.0))  # 1 spends the budget exactly
MARGIN_STEPS: tuple[Step, ...] = (("red", None), ("green", 0.0))
PLAIN: tuple[Step, ...] = (("text", None),)
# Time until the budget is gone: red within a day, orange within the forecast horizon.
TIME_LEFT_STEPS: tuple[Step, ...] = (
    ("red", None),
    ("orange", float(DAY_SECONDS)),
    ("green", float(FORECAST_HORIZON_SECONDS)),
)


class Colouring(Enum):
    """How a catalog panel is coloured; `colours` turns it into steps and codes for one SLO."""

    GREEN = "green"
    PLAIN = "plain"
    OBJECTIVE = "objective"  # red below the SLO's objective
    BUDGET = "budget"  # the budget policy's levels
    # Yellow from 1; for one SLO also red or orange from its current burn window's alert factor.
    BURN = "burn"
    MARGIN = "margin"  # red below 0
    TIME_LEFT = "time-left"
    ALERT = "alert"
    FREEZE = "freeze"


def colours(
    colouring: Colouring, config: Config, slo: Slo | None
) -> tuple[tuple[Step, ...], tuple[Code, ...]]:
    """The steps and value mapping of a panel for `slo`, or for every SLO when None."""
    if colouring is Colouring.ALERT:
        return GREEN, ALERT_CODES
    if colouring is Colouring.FREEZE:
        return GREEN, FREEZE_CODES
    if colouring is Colouring.OBJECTIVE:
        return (PLAIN if slo is None else objective_steps(slo)), ()
    if colouring is Colouring.BUDGET:
        return budget_steps(policy(config, slo)), ()
    if colouring is Colouring.BURN and slo is not None:
        return burn_steps(config, slo), ()
    fixed = {
        Colouring.GREEN: GREEN,
        Colouring.PLAIN: PLAIN,
        Colouring.BURN: BURN_STEPS,
        Colouring.MARGIN: MARGIN_STEPS,
        Colouring.TIME_LEFT: TIME_LEFT_STEPS,
    }
    return fixed[colouring], ()


def thresholds(steps: Sequence[Step]) -> Json:
    return {"mode": "absolute", "steps": [{"color": colour, "value": value} for colour, value in steps]}


def value_mapping(codes: Sequence[Code]) -> Json:
    options = {
        str(n): {"text": text, "color": colour, "index": i} for i, (n, text, colour) in enumerate(codes)
    }
    return {"type": "value", "options": options}


def objective_text(slo: Slo) -> str:
    return "auto" if slo.objective_percent is None else configured_percent(slo.objective_percent)


def objective_steps(slo: Slo) -> tuple[Step, ...]:
    if slo.objective_percent is None:  # `auto`: the objective is only known after a run
        return PLAIN
    return (("red", None), ("green", Objective(slo.objective_percent).ratio))


def error_ratio_steps(slo: Slo) -> tuple[Step, ...]:
    if slo.objective_percent is None:
        return PLAIN
    return (("green", None), ("red", Objective(slo.objective_percent).budget_fraction))


def policy(config: Config, slo: Slo | None) -> tuple[PolicyRule, ...]:
    if slo is not None and slo.policy:
        return slo.policy
    return config.settings.policy or DEFAULT_POLICY


def budget_steps(rules: Sequence[PolicyRule]) -> tuple[Step, ...]:
    """Coloured as the budget policy judges the budget: the first rule for each level decides."""
    levels: dict[float, str] = {}
    for rule in rules:
        if rule.budget_remaining_below is not None and not rule.alert_states:
            levels.setdefault(rule.budget_remaining_below, POLICY_COLOURS.get(rule.state, "yellow"))
    levels.setdefault(0.0, "red")  # a spent budget is red whatever the policy calls it
    bounds = sorted(levels)
    steps: list[Step] = [(levels[bounds[0]], None)]
    steps += [(levels[upper], lower) for lower, upper in itertools.pairwise(bounds)]
    return (*steps, ("green", bounds[-1]))


@dataclass(frozen=True)
class BurnThreshold:
    """A current burn rate at which an alert pair of the SLO fires, and the colour it shows from."""

    colour: str
    factor: float
    pair: AlertWindowPair


def current_burn_thresholds(config: Config, slo: Slo) -> tuple[BurnThreshold, ...]:
    """Red (page) or orange (ticket) from the factor of each alert pair whose long window is the
    current burn window. Rolling windows only: a calendar period's factor changes with its length."""
    rolling = slo.window.rolling
    if rolling is None:
        return ()
    return tuple(
        BurnThreshold(
            "red" if pair.severity == AlertState.PAGE else "orange",
            round(pair.factor(rolling.seconds), 6),
            pair,
        )
        for pair in config.alert_window_sets.get(slo.alert_windows, ())
        if pair.long == CURRENT_BURN
    )


def burn_steps(config: Config, slo: Slo) -> tuple[Step, ...]:
    """Yellow from 1, then the colours of `current_burn_thresholds`."""
    steps = [*BURN_STEPS, *((t.colour, t.factor) for t in current_burn_thresholds(config, slo))]
    return tuple(sorted(steps, key=lambda step: -1.0 if step[1] is None else step[1]))


def sla_steps(sla: Sla) -> tuple[Step, ...]:
    """Red in the worst credit tier, orange in a milder one, green at or above the target."""
    bounds = sorted({t.below_percent for t in sla.credits} | {sla.target_percent})
    return (
        ("red", None),
        *(("green" if b >= sla.target_percent else "orange", Objective(b).ratio) for b in bounds),
    )
