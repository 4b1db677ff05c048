"""Stage 3: error budgets, burn rates, alert state, exhaustion, forecast, policy and attribution."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from reliability.config.defaults import DEFAULT_POLICY
from reliability.config.model import Config, Slo
from reliability.conventions import CURRENT_BURN_WINDOW, FORECAST_CARRY_WINDOW
from reliability.core.alerts import AlertResult, evaluate_alerts
from reliability.core.attribution import Attribution, attribute, composite_component_shares
from reliability.core.budget import Budget, BurnRate, budget_fraction, burn_rate, seconds_to_exhaustion
from reliability.core.forecast import BudgetForecast, bootstrap_remaining
from reliability.core.policy import decide
from reliability.stages import lookup
from reliability.timefmt import parse_rfc3339, to_rfc3339

_FAR_FUTURE_SECONDS = 100 * 365 * 86400  # beyond this a date means nothing (and overflows)

# Budgets in events are fractional (0.001 x 613,060); six decimals drop float noise, not meaning.
EVENT_DECIMALS = 6
TOP_CONSUMERS = 5


def _at(evaluated_at: float, seconds: float | None) -> str | None:
    if seconds is None or seconds > _FAR_FUTURE_SECONDS:
        return None
    return to_rfc3339(round(evaluated_at + seconds))


def _burn_fields(rate: BurnRate) -> dict[str, Any]:
    return {"burn_rate": rate.value, "unbounded": rate.unbounded}


def _budget_fields(budget: Budget) -> dict[str, Any]:
    return {
        "allowed_events": round(budget.allowed_events, EVENT_DECIMALS),
        "consumed_events": round(budget.consumed_events, EVENT_DECIMALS),
        "remaining_events": round(budget.remaining_events, EVENT_DECIMALS),
        "consumed_ratio": budget.consumed_ratio,
        "remaining_ratio": budget.remaining_ratio,
        "allowed_minutes": budget.allowed_minutes,
        "consumed_minutes": budget.consumed_minutes,
        "remaining_minutes": budget.remaining_minutes,
        "exhausted": budget.exhausted,
        "minutes_convention": "allowed = window x (1 - objective); consumed = elapsed window x (1 - SLI)",
    }


def _alert_fields(alerts: AlertResult, window_set: str) -> dict[str, Any]:
    return {
        "state": alerts.state.value,
        "window_set": window_set,
        "pairs": [
            {
                "severity": p.pair.severity,
                "long_window": p.pair.long,
                "short_window": p.pair.short,
                "budget_share": p.pair.budget_share,
                "factor": p.factor,
                "long_burn_rate": p.long_burn.value,
                "long_burn_unbounded": p.long_burn.unbounded,
                "short_burn_rate": p.short_burn.value,
                "short_burn_unbounded": p.short_burn.unbounded,
                "status": p.status.value,
                "low_confidence": p.low_confidence,
            }
            for p in alerts.pairs
        ],
    }


def _no_objective(slo: Slo, target: dict[str, Any], period_seconds: int) -> dict[str, Any]:
    return {
        "slo": slo.id,
        "service": slo.service,
        "component": slo.component,
        "sli": slo.sli,
        "window": slo.window.name,
        "window_seconds": period_seconds,
        "objective_percent": None,
        "no_data": True,
        "reason": target["rationale"],
    }


def _forecast(
    slo: Slo, measured: dict[str, Any], budget: Budget, evaluated_at: float
) -> tuple[BudgetForecast | None, str | None]:
    """The budget left at the horizon: the end of a calendar period, or 7 days on for a rolling window."""
    window = measured["window"]
    period_end = parse_rfc3339(window["period_end"]).timestamp()
    if slo.window.calendar is not None:
        horizon = period_end - evaluated_at
        elapsed_share = budget.elapsed_seconds / budget.window_seconds if budget.elapsed_seconds else 0
        # The period's budget, with its traffic so far extrapolated to the whole period.
        allowed = budget.allowed_events / elapsed_share if elapsed_share else 0.0
        already_bad = budget.consumed_events
    else:
        names = {m["window"] for m in measured["measurements"]}
        carry = (
            lookup.measurement(measured, FORECAST_CARRY_WINDOW) if FORECAST_CARRY_WINDOW in names else None
        )
        horizon = budget.window_seconds - carry["seconds"] if carry else budget.window_seconds
        allowed = budget.allowed_events
        already_bad = carry["bad"] if carry else 0.0
    if allowed <= 0:
        return None, "no budget to forecast (no traffic, or a 100 % objective)"
    complete_days = [d for d in measured["daily"][:-1] if not d["no_data"]]
    consumption = [d["bad"] / allowed for d in complete_days]
    seed = zlib.crc32(slo.id.encode())
    forecast = bootstrap_remaining(
        np.array(consumption, dtype=np.float64), already_bad / allowed, horizon, seed=seed
    )
    return forecast, None if forecast is not None else "no complete day of history to draw from"


def _forecast_fields(
    forecast: BudgetForecast | None, reason: str | None, evaluated_at: float
) -> dict[str, Any] | None:
    if forecast is None:
        return {"available": False, "reason": reason}
    return {
        "available": True,
        "method": forecast.method,
        "horizon_end": _at(evaluated_at, forecast.horizon_seconds),
        "horizon_seconds": forecast.horizon_seconds,
        "days_sampled_from": forecast.days_sampled_from,
        "remaining_ratio_p10": forecast.remaining_p10,
        "remaining_ratio_p50": forecast.remaining_p50,
        "remaining_ratio_p90": forecast.remaining_p90,
        "exhaustion_probability": forecast.exhaustion_probability,
    }


def _attribution_fields(attribution: Attribution) -> dict[str, Any]:
    return {
        "total_bad": attribution.total_bad,
        "shares": [{"key": s.key, "bad": s.bad, "share": s.share} for s in attribution.shares],
    }


def _attributions(measured: dict[str, Any]) -> dict[str, Any]:
    raw = measured["bad_units"]
    result: dict[str, Any] = {}
    for dimension, key in (
        ("status", "by_status"),
        ("component", "by_component"),
        ("day", "by_day"),
        ("hour", "by_hour"),
    ):
        if raw[key] and sum(raw[key].values()) > 0:
            found = attribute(dimension, list(raw[key]), list(raw[key].values()))
            result[dimension] = _attribution_fields(found)
    if raw["parts"]:
        ratios = {p["slo"]: p["error_ratio"] for p in raw["parts"]}
        weights = {p["slo"]: p["weight"] for p in raw["parts"]}
        method = measured["composite"]["method"] if measured["composite"] else "all_must_succeed"
        found = composite_component_shares(ratios, weights if method == "weighted" else None)
        result["dependency"] = _attribution_fields(found)
    return result


def _in_measured_order(measured: dict[str, Any], names: set[str]) -> list[str]:
    ordered = [m["window"] for m in measured["measurements"] if m["window"] in names]
    return list(dict.fromkeys(ordered))


def _slo_budget(
    config: Config, slo: Slo, measured: dict[str, Any], target: dict[str, Any], evaluated_at: float
) -> dict[str, Any]:
    period_seconds = measured["window"]["period_seconds"]
    objective_percent = target["objective_percent"]
    if objective_percent is None:
        return _no_objective(slo, target, period_seconds)
    objective = objective_percent / 100
    window_item = lookup.measurement(measured, slo.window.name)
    budget = Budget(objective, period_seconds, lookup.count_of(window_item), window_item["seconds"])
    pairs = config.alert_window_sets[slo.alert_windows]
    alert_names = {p.long for p in pairs} | {p.short for p in pairs}
    alert_items = [lookup.measurement(measured, name) for name in _in_measured_order(measured, alert_names)]
    rates = {m["window"]: burn_rate(lookup.count_of(m), objective) for m in alert_items}
    low = frozenset(m["window"] for m in alert_items if m["low_confidence"])
    alerts = evaluate_alerts(rates, period_seconds, pairs, low)
    current_window = CURRENT_BURN_WINDOW if CURRENT_BURN_WINDOW in rates else pairs[0].long
    current = rates[current_window]
    exhaustion = seconds_to_exhaustion(budget, current)
    forecast, no_forecast = _forecast(slo, measured, budget, evaluated_at)
    rules = slo.policy or config.settings.policy or DEFAULT_POLICY
    policy = decide(rules, budget.remaining_ratio, alerts.state.value)
    burn_rates = [
        {key: m[key] for key in ("window", "seconds", "good", "total", "no_data", "events", "low_confidence")}
        | _burn_fields(rate)
        for m in [*alert_items, window_item]
        for rate in [rates.get(m["window"]) or burn_rate(lookup.count_of(m), objective)]
    ]
    return {
        "slo": slo.id,
        "service": slo.service,
        "component": slo.component,
        "sli": slo.sli,
        "window": slo.window.name,
        "window_seconds": period_seconds,
        "window_detail": measured["window"],
        "budgeting": measured["budgeting"],
        "objective_percent": objective_percent,
        "no_data": budget.count.no_data,
        "sli_ratio": budget.count.ratio,
        "good": window_item["good"],
        "total": window_item["total"],
        "events": window_item["events"],
        "hours_with_data": measured["window"]["hours_with_data"],
        "hours": measured["window"]["hours"],
        "budget_fraction": budget_fraction(objective),
        "budget": _budget_fields(budget),
        "burn_rates": burn_rates,
        "current_burn_window": current_window,
        "current_burn_rate": current.value,
        "current_burn_unbounded": current.unbounded,
        "alert": _alert_fields(alerts, slo.alert_windows),
        "exhaustion": {
            "seconds": exhaustion,
            "at": _at(evaluated_at, exhaustion),
            "basis": f"remaining budget at the {current_window} burn rate",
        },
        "forecast": _forecast_fields(forecast, no_forecast, evaluated_at),
        "policy": {"state": policy.state, "rule": policy.rule, "reason": policy.reason},
        "attribution": _attributions(measured),
    }


def build(config: Config, sli_metrics: dict[str, Any], targets: dict[str, Any]) -> dict[str, Any]:
    evaluated_at = parse_rfc3339(sli_metrics["history"]["end"]).timestamp()
    slos = [
        _slo_budget(
            config,
            slo,
            lookup.slo_measurements(sli_metrics, slo.id),
            lookup.slo_entry(targets, slo.id),
            evaluated_at,
        )
        for slo in config.slos
    ]
    sets = {
        name: [
            {
                "severity": p.severity,
                "long_window": p.long,
                "short_window": p.short,
                "budget_share": p.budget_share,
            }
            for p in pairs
        ]
        for name, pairs in sorted(config.alert_window_sets.items())
        if any(s.alert_windows == name for s in config.slos)
    }
    return {
        "alert_window_sets": sets,
        "alert_factor": "budget_share x SLO window / long window",
        "slos": slos,
    }
