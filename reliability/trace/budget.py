"""The working of the error budget fields: remaining, consumed, burn rates, exhaustion, forecast."""

from __future__ import annotations

from datetime import datetime

from reliability import formulas
from reliability.artifacts.error_budgets import BurnRateEntry, NoForecast
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.render.numbers import duration, exact, percent
from reliability.timefmt import format_rfc3339
from reliability.trace.run import unknown
from reliability.trace.slo import SloTrace
from reliability.vocabulary import Objective


def _time_text(at: datetime | None) -> str:
    """A time as the artifact writes it; a missing one as the JSON null was always shown."""
    return "None" if at is None else format_rfc3339(at)


def budget_remaining_lines(trace: SloTrace) -> list[str]:
    entry = trace.judged
    budget = entry.budget
    unit = trace.unit
    lines = [
        f"{formulas.ERROR_BUDGET.text} = 1 - {exact(Objective(entry.objective_percent).ratio)} = "
        f"{exact(entry.budget_fraction)} (objective from {ARTIFACT_FILES[Stage.TARGETS]}), "
        f"over the {entry.window} window so far",
        f"{formulas.ALLOWED.text} = {exact(entry.budget_fraction)} x "
        f"{exact(entry.total)} = {exact(budget.allowed_events)} {unit}",
        f"consumed  = bad {unit} = {exact(budget.consumed_events)}",
    ]
    if budget.remaining_ratio is None:
        why = "no data" if entry.no_data else "a zero budget (100 % objective) was overspent"
        lines.append(f"{formulas.BUDGET_REMAINING.name} = null: {why}")
    else:
        exhausted = "  EXHAUSTED" if budget.exhausted else ""
        lines.append(
            f"{formulas.BUDGET_REMAINING.text} = 1 - {exact(budget.consumed_events)} / "
            f"{exact(budget.allowed_events)} = {exact(budget.remaining_ratio)} "
            f"({percent(budget.remaining_ratio, 1)}){exhausted}"
        )
    if budget.remaining_minutes is not None:
        lines.append(
            f"in minutes: remaining = allowed - consumed = {exact(budget.allowed_minutes)} - "
            f"{exact(budget.consumed_minutes)} = {exact(budget.remaining_minutes)} "
            f"(allowed = window x (1 - objective) = {exact(entry.window_seconds / 60)} min x "
            f"{exact(entry.budget_fraction)})"
        )
    return lines


def budget_consumed_lines(trace: SloTrace) -> list[str]:
    entry = trace.judged
    budget = entry.budget
    if budget.consumed_ratio is None:
        why = "no data" if entry.no_data else "a zero budget (100 % objective) was overspent"
        bad = f"{exact(budget.consumed_events)} bad {trace.unit}"
        return [f"{formulas.BUDGET_CONSUMED.name} = null: {why} ({bad})"]
    lines = [
        f"{formulas.BUDGET_CONSUMED.text} = {exact(budget.consumed_events)} / "
        f"{exact(budget.allowed_events)} = {exact(budget.consumed_ratio)} "
        f"({percent(budget.consumed_ratio, 1)} of the budget)"
    ]
    elapsed = next(b.seconds for b in entry.burn_rates if b.window == entry.window)
    if budget.consumed_minutes is not None:
        lines.append(
            f"in minutes: consumed = elapsed window x (1 - sli) = {exact(elapsed / 60)} min x "
            f"(1 - {exact(entry.sli_ratio)}) = {exact(budget.consumed_minutes)}"
        )
    return lines


def _burn_rate_line(trace: SloTrace, rate: BurnRateEntry) -> str:
    head = f"{formulas.BURN_RATE.name} ({rate.window})"
    if rate.no_data:
        return f"{head} = null: no {trace.unit} in the window"
    if rate.unbounded:
        return f"{head} = unbounded: a 100 % objective leaves no budget and there were errors"
    measured = trace.measurement(rate.window)
    item = measured.figures if measured else None
    bad = exact(item.bad) if item else f"({exact(rate.total)} - {exact(rate.good)})"
    error_ratio = f" = {exact(item.error_ratio)} / {exact(trace.judged.budget_fraction)}" if item else ""
    low = (
        f"  (low confidence: {rate.events} events < min_events {trace.measured.min_events})"
        if rate.low_confidence
        else ""
    )
    return (
        f"{head} = {formulas.BURN_RATE.expression} = ({bad} / {exact(rate.total)}) / "
        f"{exact(trace.judged.budget_fraction)}{error_ratio} = {exact(rate.burn_rate)}{low}"
    )


def burn_rate_lines(trace: SloTrace, window: str | None) -> list[str]:
    rates = trace.judged.burn_rates
    chosen = [r for r in rates if window is None or r.window == window]
    if not chosen:
        raise unknown("window", str(window), (r.window for r in rates), f"the burn rates of {trace.slo.id}")
    return [_burn_rate_line(trace, rate) for rate in chosen]


def exhaustion_lines(trace: SloTrace) -> list[str]:
    entry = trace.judged
    seconds = entry.exhaustion.seconds
    remaining = entry.budget.remaining_ratio
    basis = f"basis: {entry.exhaustion.basis}"
    if seconds is None:
        rate = entry.current_burn_rate
        why = "no data" if remaining is None or rate is None else "nothing is burning (burn rate 0)"
        return [f"{formulas.EXHAUSTION.name} = null: {why}", basis]
    if entry.budget.exhausted or seconds == 0:
        return [f"{formulas.EXHAUSTION.name} = 0: the budget is already spent", basis]
    at = format_rfc3339(entry.exhaustion.at) if entry.exhaustion.at else "more than a century away"
    return [
        f"{formulas.EXHAUSTION.text} = {exact(remaining)} x {exact(entry.window_seconds)} s / "
        f"{exact(entry.current_burn_rate)} = {exact(seconds)} s (about {duration(seconds)}), at {at}",
        basis,
    ]


def forecast_lines(trace: SloTrace) -> list[str]:
    forecast = trace.judged.forecast
    if isinstance(forecast, NoForecast):
        return [f"no forecast: {forecast.reason}"]
    return [
        f"horizon: {_time_text(forecast.horizon_end)} ({exact(forecast.horizon_seconds)} s ahead), "
        f"days drawn from: the last {forecast.days_sampled_from} complete days with data",
        f"{formulas.FORECAST.text} (a day's budget consumed = its bad / allowed)",
        f"p10 {exact(forecast.remaining_ratio_p10)}, p50 {exact(forecast.remaining_ratio_p50)}, "
        f"p90 {exact(forecast.remaining_ratio_p90)} of the budget left; "
        f"exhaustion probability {exact(forecast.exhaustion_probability)} (share of draws <= 0)",
        f"method: {forecast.method}",
    ]
