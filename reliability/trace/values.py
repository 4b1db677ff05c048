"""The numbers an explained field stands for, for `explain --format json` beside the lines of working.

Ratios 0..1, durations in seconds, counts ending in _total, states in the artifacts' words.
"""

from __future__ import annotations

from typing import Any

from reliability.artifacts.error_budgets import Forecast, SloBudget
from reliability.render.run_output import sla_json
from reliability.stages.sla_compliance import slas_covering
from reliability.timefmt import format_rfc3339
from reliability.trace.changes import change_values
from reliability.trace.slo import SloTrace
from reliability.vocabulary import Objective

MINUTE = 60


def _seconds(minutes: float | None) -> float | None:
    return None if minutes is None else minutes * MINUTE


def _objective(trace: SloTrace) -> dict[str, Any]:
    target = trace.target
    percent = target.objective_percent
    return {
        "objective_ratio": None if percent is None else Objective(percent).ratio,
        "objective_source": target.objective_source,
        "verdict": target.verdict,
    }


def _sla(trace: SloTrace) -> dict[str, Any]:
    entry = trace.budget
    found = slas_covering(trace.run.sla_compliance, entry.service, entry.component, entry.sli)
    return {"slas": [sla_json(s) for s in found]}


def _burn_rates(entry: SloBudget, window: str | None) -> dict[str, Any]:
    return {
        "burn_rates": [
            {
                "window": b.window,
                "window_seconds": b.seconds,
                "burn_rate": b.burn_rate,
                "unbounded": b.unbounded,
                "low_confidence": b.low_confidence,
                "events_total": b.events,
            }
            for b in entry.burn_rates
            if window is None or b.window == window
        ]
    }


def _forecast(entry: SloBudget) -> dict[str, Any]:
    forecast = entry.forecast
    if not isinstance(forecast, Forecast):
        return {"available": False}
    return {
        "available": True,
        "horizon_seconds": forecast.horizon_seconds,
        "remaining_ratio_p10": forecast.remaining_ratio_p10,
        "remaining_ratio_p50": forecast.remaining_ratio_p50,
        "remaining_ratio_p90": forecast.remaining_ratio_p90,
        "exhaustion_probability_ratio": forecast.exhaustion_probability,
    }


def _judged(entry: SloBudget, field: str, window: str | None) -> dict[str, Any]:
    budget = entry.budget
    by_field: dict[str, Any] = {
        "sli": lambda: {"sli_ratio": entry.sli_ratio, "good_total": entry.good, "events_total": entry.total},
        "budget_remaining": lambda: {
            "budget_remaining_ratio": budget.remaining_ratio,
            "remaining_events_total": budget.remaining_events,
            "remaining_seconds": _seconds(budget.remaining_minutes),
            "budget_exhausted": budget.exhausted,
        },
        "budget_consumed": lambda: {
            "budget_consumed_ratio": budget.consumed_ratio,
            "consumed_events_total": budget.consumed_events,
            "consumed_seconds": _seconds(budget.consumed_minutes),
        },
        "exhaustion": lambda: {
            "exhaustion_seconds": entry.exhaustion.seconds,
            "exhaustion_at": None if entry.exhaustion.at is None else format_rfc3339(entry.exhaustion.at),
        },
        "alert": lambda: {"alert_state": entry.alert.state},
        "policy": lambda: {"policy_state": entry.policy.state, "policy_rule": entry.policy.rule},
        "forecast": lambda: _forecast(entry),
        "changes": lambda: change_values(entry),
        "burn_rate": lambda: _burn_rates(entry, window),
    }
    return dict(by_field[field]())


def field_values(trace: SloTrace, field: str, window: str | None) -> dict[str, Any]:
    """The field's numbers; {} for a budget field of an SLO without an objective."""
    if field == "objective":
        return _objective(trace)
    if field == "sla":
        return _sla(trace)
    if not isinstance(trace.budget, SloBudget):
        return {}
    return _judged(trace.budget, field, window)
