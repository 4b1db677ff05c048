"""Stage 3: error budgets, burn rates, multiwindow alert state and time to exhaustion."""

from __future__ import annotations

from typing import Any

from reliability.config.model import Config, Slo
from reliability.conventions import CURRENT_BURN_WINDOW, RECENT_WINDOWS
from reliability.core.alerts import WORKBOOK_PAIRS, AlertResult, evaluate_alerts
from reliability.core.budget import Budget, BurnRate, burn_rate, seconds_to_exhaustion
from reliability.durations import format_duration
from reliability.stages import lookup
from reliability.timefmt import parse_rfc3339, to_rfc3339

_FAR_FUTURE_SECONDS = 100 * 365 * 86400  # beyond this a date means nothing (and overflows)


# Budgets in events are fractional (0.001 x 613,060); six decimals drop float noise, not meaning.
EVENT_DECIMALS = 6


def _burn_fields(rate: BurnRate) -> dict[str, Any]:
    return {"burn_rate": rate.value, "unbounded": rate.unbounded}


def _budget_fields(budget: Budget) -> dict[str, Any]:
    return {
        "allowed_events": round(budget.allowed_events, EVENT_DECIMALS),
        "consumed_events": budget.consumed_events,
        "remaining_events": round(budget.remaining_events, EVENT_DECIMALS),
        "consumed_ratio": budget.consumed_ratio,
        "remaining_ratio": budget.remaining_ratio,
        "allowed_minutes": budget.allowed_minutes,
        "consumed_minutes": budget.consumed_minutes,
        "remaining_minutes": budget.remaining_minutes,
        "exhausted": budget.exhausted,
        "minutes_convention": "window x (1 - objective); consumed = window x (1 - SLI)",
    }


def _alert_fields(alerts: AlertResult) -> dict[str, Any]:
    return {
        "state": alerts.state.value,
        "pairs": [
            {
                "severity": p.pair.severity.value,
                "long_window": p.pair.long,
                "short_window": p.pair.short,
                "budget_share": p.pair.budget_share,
                "factor": p.factor,
                "long_burn_rate": p.long_burn.value,
                "long_burn_unbounded": p.long_burn.unbounded,
                "short_burn_rate": p.short_burn.value,
                "short_burn_unbounded": p.short_burn.unbounded,
                "status": p.status.value,
            }
            for p in alerts.pairs
        ],
    }


def _no_objective(slo: Slo, target: dict[str, Any]) -> dict[str, Any]:
    return {
        "slo": slo.id,
        "service": slo.service,
        "component": slo.component,
        "sli": slo.sli,
        "window": slo.window,
        "window_seconds": slo.window_seconds,
        "objective_percent": None,
        "no_data": True,
        "reason": target["rationale"],
    }


def _slo_budget(slo: Slo, sli: dict[str, Any], target: dict[str, Any], evaluated_at: float) -> dict[str, Any]:
    objective_percent = target["objective_percent"]
    if objective_percent is None:
        return _no_objective(slo, target)
    objective = objective_percent / 100
    window_item = lookup.window(sli, format_duration(slo.window_seconds))
    budget = Budget(objective, slo.window_seconds, lookup.count_of(window_item))
    measured = [lookup.window(sli, name) for name in (*RECENT_WINDOWS, window_item["window"])]
    rates = {item["window"]: burn_rate(lookup.count_of(item), objective) for item in measured}
    alerts = evaluate_alerts(rates, slo.window_seconds, WORKBOOK_PAIRS)
    current = rates[CURRENT_BURN_WINDOW]
    exhaustion = seconds_to_exhaustion(budget, current)
    burn_rates = [
        {key: item[key] for key in ("window", "seconds", "good", "total", "no_data")}
        | _burn_fields(rates[item["window"]])
        for item in measured
    ]
    return {
        "slo": slo.id,
        "service": slo.service,
        "component": slo.component,
        "sli": slo.sli,
        "window": slo.window,
        "window_seconds": slo.window_seconds,
        "objective_percent": objective_percent,
        "no_data": budget.count.no_data,
        "sli_ratio": budget.count.ratio,
        "good": budget.count.good,
        "total": budget.count.total,
        "hours_with_data": window_item["hours_with_data"],
        "hours": window_item["hours"],
        "budget": _budget_fields(budget),
        "burn_rates": burn_rates,
        "current_burn_window": CURRENT_BURN_WINDOW,
        "current_burn_rate": current.value,
        "current_burn_unbounded": current.unbounded,
        "alert": _alert_fields(alerts),
        "exhaustion": {
            "seconds": exhaustion,
            "at": None
            if exhaustion is None or exhaustion > _FAR_FUTURE_SECONDS
            else to_rfc3339(round(evaluated_at + exhaustion)),
            "basis": f"remaining budget at the {CURRENT_BURN_WINDOW} burn rate",
        },
    }


def build(config: Config, sli_metrics: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
    evaluated_at = parse_rfc3339(sli_metrics["history"]["end"]).timestamp()
    slos = [
        _slo_budget(
            slo,
            lookup.sli_entry(sli_metrics, slo.service, slo.component, slo.sli),
            lookup.slo_entry(targets, slo.id),
            evaluated_at,
        )
        for slo in config.slos
    ]
    pairs = [
        {
            "severity": p.severity.value,
            "long_window": p.long,
            "short_window": p.short,
            "budget_share": p.budget_share,
        }
        for p in WORKBOOK_PAIRS
    ]
    return {
        "alert_policy": {
            "name": "sre-workbook",
            "pairs": pairs,
            "factor": "budget_share x SLO window / long window",
        },
        "slos": slos,
    }
