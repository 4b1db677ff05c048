"""Stage 3: error budgets, burn rates, alert state, exhaustion, forecast, policy and attribution."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from reliability.artifacts.error_budgets import (
    Alert,
    AlertPair,
    AlertSpan,
    AlertTimeline,
    BudgetFigures,
    BurnRateEntry,
    ErrorBudgets,
    Exhaustion,
    Forecast,
    NoForecast,
    Policy,
    Share,
    SloBudget,
    UnjudgedBudget,
    WindowPair,
)
from reliability.artifacts.error_budgets import (
    Attribution as AttributionRecord,
)
from reliability.artifacts.figures import SloKey
from reliability.artifacts.header import Header
from reliability.artifacts.sli_metrics import Measurement, SliMetrics, SloMeasurements
from reliability.artifacts.slo_targets import SloTarget, SloTargets
from reliability.config.defaults import DEFAULT_POLICY
from reliability.config.model import Config, Slo
from reliability.conventions import CURRENT_BURN_WINDOW, FORECAST_CARRY_WINDOW
from reliability.core.alert_timeline import firing_spans
from reliability.core.alerts import AlertResult, evaluate_alerts
from reliability.core.attribution import Attribution, attribute, composite_component_shares
from reliability.core.backtest import ALERT_STEP_SECONDS
from reliability.core.budget import Budget, BurnRate, budget_fraction, burn_rate, seconds_to_exhaustion
from reliability.core.forecast import BudgetForecast, bootstrap_remaining
from reliability.core.policy import decide
from reliability.stages.change_impacts import change_records
from reliability.stages.replayable import replayable
from reliability.telemetry.change_events import ChangeEvent
from reliability.telemetry.ingest import Telemetry
from reliability.timefmt import moment
from reliability.vocabulary import Objective

_FAR_FUTURE_SECONDS = 100 * 365 * 86400  # beyond this a date means nothing (and overflows)

# Budgets in events are fractional (0.001 x 613,060); six decimals drop float noise, not meaning.
EVENT_DECIMALS = 6
TOP_CONSUMERS = 5


def _at(evaluated_at: float, seconds: float | None) -> datetime | None:
    if seconds is None or seconds > _FAR_FUTURE_SECONDS:
        return None
    return moment(round(evaluated_at + seconds))


def _budget_figures(budget: Budget) -> BudgetFigures:
    return BudgetFigures(
        allowed_events=round(budget.allowed_events, EVENT_DECIMALS),
        consumed_events=round(budget.consumed_events, EVENT_DECIMALS),
        remaining_events=round(budget.remaining_events, EVENT_DECIMALS),
        consumed_ratio=budget.consumed_ratio,
        remaining_ratio=budget.remaining_ratio,
        allowed_minutes=budget.allowed_minutes,
        consumed_minutes=budget.consumed_minutes,
        remaining_minutes=budget.remaining_minutes,
        exhausted=budget.exhausted,
        minutes_convention="allowed = window x (1 - objective); consumed = elapsed window x (1 - SLI)",
    )


def _alert(alerts: AlertResult, window_set: str) -> Alert:
    return Alert(
        state=alerts.state.value,
        window_set=window_set,
        pairs=tuple(
            AlertPair(
                severity=p.pair.severity,
                long_window=p.pair.long.name,
                short_window=p.pair.short.name,
                budget_share=p.pair.budget_share,
                factor=p.factor,
                long_burn_rate=p.long_burn.value,
                long_burn_unbounded=p.long_burn.unbounded,
                short_burn_rate=p.short_burn.value,
                short_burn_unbounded=p.short_burn.unbounded,
                status=p.status.value,
                low_confidence=p.low_confidence,
            )
            for p in alerts.pairs
        ),
    )


def _no_objective(slo: Slo, target: SloTarget, period_seconds: int) -> UnjudgedBudget:
    return UnjudgedBudget(
        *SloKey.of(slo, period_seconds),
        objective_percent=None,
        no_data=True,
        reason=target.rationale,
    )


def _forecast(
    slo: Slo, measured: SloMeasurements, budget: Budget, evaluated_at: float
) -> tuple[BudgetForecast | None, str | None]:
    """The budget left at the horizon: the end of a calendar period, or 7 days on for a rolling window."""
    period_end = measured.window.period_end.timestamp()
    if slo.window.calendar is not None:
        horizon = period_end - evaluated_at
        elapsed_share = budget.elapsed_seconds / budget.window_seconds if budget.elapsed_seconds else 0
        # The period's budget, with its traffic so far extrapolated to the whole period.
        allowed = budget.allowed_events / elapsed_share if elapsed_share else 0.0
        already_bad = budget.consumed_events
    else:
        names = {m.window for m in measured.measurements}
        carry = measured.measurement(FORECAST_CARRY_WINDOW) if FORECAST_CARRY_WINDOW in names else None
        horizon = budget.window_seconds - carry.seconds if carry else budget.window_seconds
        allowed = budget.allowed_events
        already_bad = carry.figures.bad if carry else 0.0
    if allowed <= 0:
        return None, "no budget to forecast (no traffic, or a 100 % objective)"
    complete_days = [d for d in measured.daily[:-1] if not d.figures.no_data]
    consumption = [d.figures.bad / allowed for d in complete_days]
    seed = zlib.crc32(slo.id.encode())
    forecast = bootstrap_remaining(
        np.array(consumption, dtype=np.float64), already_bad / allowed, horizon, seed=seed
    )
    return forecast, None if forecast is not None else "no complete day of history to draw from"


def _forecast_record(
    forecast: BudgetForecast | None, reason: str | None, evaluated_at: float
) -> Forecast | NoForecast:
    if forecast is None:
        return NoForecast(available=False, reason=reason)
    return Forecast(
        available=True,
        method=forecast.method,
        horizon_end=_at(evaluated_at, forecast.horizon_seconds),
        horizon_seconds=forecast.horizon_seconds,
        days_sampled_from=forecast.days_sampled_from,
        remaining_ratio_p10=forecast.remaining_p10,
        remaining_ratio_p50=forecast.remaining_p50,
        remaining_ratio_p90=forecast.remaining_p90,
        exhaustion_probability=forecast.exhaustion_probability,
    )


def _attribution_record(attribution: Attribution) -> AttributionRecord:
    return AttributionRecord(
        attribution.total_bad, tuple(Share(s.key, s.bad, s.share) for s in attribution.shares)
    )


def _attributions(measured: SloMeasurements) -> dict[str, AttributionRecord]:
    raw = measured.bad_units
    result: dict[str, AttributionRecord] = {}
    for dimension, bad in (
        ("status", raw.by_status),
        ("component", raw.by_component),
        ("day", raw.by_day),
        ("hour", raw.by_hour),
    ):
        if bad and sum(bad.values()) > 0:
            result[dimension] = _attribution_record(attribute(dimension, list(bad), list(bad.values())))
    if raw.parts:
        ratios = {p.slo: p.error_ratio for p in raw.parts}
        weights = {p.slo: p.weight for p in raw.parts}
        method = measured.composite.method if measured.composite else "all_must_succeed"
        found = composite_component_shares(ratios, weights if method == "weighted" else None)
        result["dependency"] = _attribution_record(found)
    return result


def _with_window(rate_items: list[Measurement], window_item: Measurement) -> list[Measurement]:
    """The burn-rate windows and the SLO window, which is listed once when it is one of them (a 1h SLO)."""
    listed = {m.window for m in rate_items}
    return rate_items if window_item.window in listed else [*rate_items, window_item]


def _in_measured_order(measured: SloMeasurements, names: set[str]) -> list[str]:
    ordered = [m.window for m in measured.measurements if m.window in names]
    return list(dict.fromkeys(ordered))


def _burn_rate_entry(m: Measurement, objective: float, rates: dict[str, BurnRate]) -> BurnRateEntry:
    figures = m.figures
    rate = rates.get(m.window) or burn_rate(figures.as_count(), objective)
    return BurnRateEntry(
        window=m.window,
        seconds=m.seconds,
        good=figures.good,
        total=figures.total,
        no_data=figures.no_data,
        events=figures.events,
        low_confidence=figures.low_confidence,
        burn_rate=rate.value,
        unbounded=rate.unbounded,
    )


def _alert_timeline(
    config: Config, slo: Slo, measured: SloMeasurements, objective: float, telemetry: Telemetry
) -> AlertTimeline:
    """Page and ticket spans over the SLO window (clipped to the history), as a backtest replays them."""
    grid = telemetry.grid
    since = max(int(measured.window.start.timestamp()), grid.origin)
    spans = firing_spans(
        replayable(config, slo, telemetry.series, telemetry.grid),
        grid,
        objective,
        slo.window,
        config.alert_window_sets[slo.alert_windows],
        since=since,
        min_events=slo.min_events,
    )
    return AlertTimeline(
        start=moment(since),
        end=moment(grid.end),
        step_seconds=ALERT_STEP_SECONDS,
        spans=tuple(
            AlertSpan(s.severity, moment(s.start), None if s.end is None else moment(s.end), s.pairs)
            for s in spans
        ),
    )


def _slo_budget(
    config: Config,
    slo: Slo,
    measured: SloMeasurements,
    target: SloTarget,
    evaluated_at: float,
    telemetry: Telemetry | None,
    changes: Sequence[ChangeEvent] | None,
) -> SloBudget | UnjudgedBudget:
    period_seconds = measured.window.period_seconds
    objective_percent = target.objective_percent
    if objective_percent is None:
        return _no_objective(slo, target, period_seconds)
    objective = Objective(objective_percent).ratio
    window_item = measured.measurement(slo.window.name)
    budget = Budget(objective, period_seconds, window_item.figures.as_count(), window_item.seconds)
    pairs = config.alert_window_sets[slo.alert_windows]
    alert_names = {p.long.name for p in pairs} | {p.short.name for p in pairs}
    # The current burn window is measured for every SLO, so its rate is listed even when no pair uses it.
    rate_names = alert_names | {CURRENT_BURN_WINDOW}
    rate_items = [measured.measurement(name) for name in _in_measured_order(measured, rate_names)]
    rates = {m.window: burn_rate(m.figures.as_count(), objective) for m in rate_items}
    low = frozenset(m.window for m in rate_items if m.figures.low_confidence)
    alerts = evaluate_alerts(rates, period_seconds, pairs, low)
    current = rates[CURRENT_BURN_WINDOW]
    exhaustion = seconds_to_exhaustion(budget, current)
    forecast, no_forecast = _forecast(slo, measured, budget, evaluated_at)
    rules = slo.policy or config.settings.policy or DEFAULT_POLICY
    policy = decide(rules, budget.remaining_ratio, alerts.state.value)
    return SloBudget(
        *SloKey.of(slo, period_seconds),
        window_detail=measured.window,
        budgeting=measured.budgeting,
        objective_percent=objective_percent,
        no_data=budget.count.no_data,
        sli_ratio=budget.count.ratio,
        good=window_item.figures.good,
        total=window_item.figures.total,
        events=window_item.figures.events,
        hours_with_data=measured.window.hours_with_data,
        hours=measured.window.hours,
        budget_fraction=budget_fraction(objective),
        budget=_budget_figures(budget),
        burn_rates=tuple(
            _burn_rate_entry(m, objective, rates) for m in _with_window(rate_items, window_item)
        ),
        current_burn_window=CURRENT_BURN_WINDOW,
        current_burn_rate=current.value,
        current_burn_unbounded=current.unbounded,
        alert=_alert(alerts, slo.alert_windows),
        exhaustion=Exhaustion(
            exhaustion,
            _at(evaluated_at, exhaustion),
            f"remaining budget at the {CURRENT_BURN_WINDOW} burn rate",
        ),
        forecast=_forecast_record(forecast, no_forecast, evaluated_at),
        policy=Policy(policy.state, policy.rule, policy.reason),
        attribution=_attributions(measured),
        alert_timeline=None
        if telemetry is None
        else _alert_timeline(config, slo, measured, objective, telemetry),
        changes=None
        if telemetry is None or changes is None
        else change_records(config, slo, measured, budget.allowed_events, telemetry, changes, EVENT_DECIMALS),
    )


def build(
    header: Header,
    config: Config,
    sli_metrics: SliMetrics,
    targets: SloTargets,
    telemetry: Telemetry | None = None,  # the minute history: adds each SLO's alert timeline
    changes: Sequence[ChangeEvent] | None = None,  # None: no change_events configured
) -> ErrorBudgets:
    evaluated_at = sli_metrics.history.end.timestamp()
    measured = {entry.slo: entry for entry in sli_metrics.slos}
    target = {entry.slo: entry for entry in targets.slos}
    slos = tuple(
        _slo_budget(config, slo, measured[slo.id], target[slo.id], evaluated_at, telemetry, changes)
        for slo in config.slos
    )
    sets = {
        name: tuple(WindowPair(p.severity, p.long.name, p.short.name, p.budget_share) for p in pairs)
        for name, pairs in sorted(config.alert_window_sets.items())
        if any(s.alert_windows == name for s in config.slos)
    }
    return ErrorBudgets(header, sets, "budget_share x SLO window / long window", slos)
