"""The working of the error budget fields: remaining, consumed, burn rates, exhaustion, forecast."""

from __future__ import annotations

from typing import Any

from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.trace.numbers import duration, number, percent
from reliability.trace.run import unknown
from reliability.trace.slo import SloTrace


def budget_remaining_lines(trace: SloTrace) -> list[str]:
    entry, budget = trace.budget, trace.budget["budget"]
    unit = trace.unit
    lines = [
        f"1 - objective = 1 - {number(entry['objective_percent'] / 100)} = "
        f"{number(entry['budget_fraction'])} (objective from {ARTIFACT_FILES[Stage.TARGETS]}), "
        f"over the {entry['window']} window so far",
        f"allowed   = (1 - objective) x total = {number(entry['budget_fraction'])} x "
        f"{number(entry['total'])} = {number(budget['allowed_events'])} {unit}",
        f"consumed  = bad {unit} = {number(budget['consumed_events'])}",
    ]
    if budget["remaining_ratio"] is None:
        why = "no data" if entry["no_data"] else "a zero budget (100 % objective) was overspent"
        lines.append(f"remaining = null: {why}")
    else:
        exhausted = "  EXHAUSTED" if budget["exhausted"] else ""
        lines.append(
            f"remaining = 1 - consumed / allowed = 1 - {number(budget['consumed_events'])} / "
            f"{number(budget['allowed_events'])} = {number(budget['remaining_ratio'])} "
            f"({percent(budget['remaining_ratio'])}){exhausted}"
        )
    if budget["remaining_minutes"] is not None:
        lines.append(
            f"in minutes: remaining = allowed - consumed = {number(budget['allowed_minutes'])} - "
            f"{number(budget['consumed_minutes'])} = {number(budget['remaining_minutes'])} "
            f"(allowed = window x (1 - objective) = {number(entry['window_seconds'] / 60)} min x "
            f"{number(entry['budget_fraction'])})"
        )
    return lines


def budget_consumed_lines(trace: SloTrace) -> list[str]:
    entry, budget = trace.budget, trace.budget["budget"]
    if budget["consumed_ratio"] is None:
        why = "no data" if entry["no_data"] else "a zero budget (100 % objective) was overspent"
        return [f"consumed = null: {why} ({number(budget['consumed_events'])} bad {trace.unit})"]
    lines = [
        f"consumed = bad / allowed = {number(budget['consumed_events'])} / "
        f"{number(budget['allowed_events'])} = {number(budget['consumed_ratio'])} "
        f"({percent(budget['consumed_ratio'])} of the budget)"
    ]
    elapsed = next(b["seconds"] for b in entry["burn_rates"] if b["window"] == entry["window"])
    if budget["consumed_minutes"] is not None:
        lines.append(
            f"in minutes: consumed = elapsed window x (1 - sli) = {number(elapsed / 60)} min x "
            f"(1 - {number(entry['sli_ratio'])}) = {number(budget['consumed_minutes'])}"
        )
    return lines


def _burn_rate_line(trace: SloTrace, rate: dict[str, Any]) -> str:
    head = f"burn rate ({rate['window']})"
    if rate["no_data"]:
        return f"{head} = null: no {trace.unit} in the window"
    if rate["unbounded"]:
        return f"{head} = unbounded: a 100 % objective leaves no budget and there were errors"
    item = trace.measurement(rate["window"])
    bad = number(item["bad"]) if item else f"({number(rate['total'])} - {number(rate['good'])})"
    error_ratio = (
        f" = {number(item['error_ratio'])} / {number(trace.budget['budget_fraction'])}" if item else ""
    )
    low = (
        f"  (low confidence: {rate['events']} events < min_events {trace.measured['min_events']})"
        if rate["low_confidence"]
        else ""
    )
    return (
        f"{head} = error ratio / (1 - objective) = ({bad} / {number(rate['total'])}) / "
        f"{number(trace.budget['budget_fraction'])}{error_ratio} = {number(rate['burn_rate'])}{low}"
    )


def burn_rate_lines(trace: SloTrace, window: str | None) -> list[str]:
    rates = trace.budget["burn_rates"]
    chosen = [r for r in rates if window is None or r["window"] == window]
    if not chosen:
        raise unknown(
            "window", str(window), (r["window"] for r in rates), f"the burn rates of {trace.slo.id}"
        )
    return [_burn_rate_line(trace, rate) for rate in chosen]


def exhaustion_lines(trace: SloTrace) -> list[str]:
    entry = trace.budget
    seconds = entry["exhaustion"]["seconds"]
    remaining = entry["budget"]["remaining_ratio"]
    basis = f"basis: {entry['exhaustion']['basis']}"
    if seconds is None:
        rate = entry["current_burn_rate"]
        why = "no data" if remaining is None or rate is None else "nothing is burning (burn rate 0)"
        return [f"time to exhaustion = null: {why}", basis]
    if entry["budget"]["exhausted"] or seconds == 0:
        return ["time to exhaustion = 0: the budget is already spent", basis]
    at = entry["exhaustion"]["at"] or "more than a century away"
    return [
        f"time to exhaustion = remaining share x window / current burn rate ({entry['current_burn_window']}) "
        f"= {number(remaining)} x {number(entry['window_seconds'])} s / {number(entry['current_burn_rate'])} "
        f"= {number(seconds)} s (about {duration(seconds)}), at {at}",
        basis,
    ]


def forecast_lines(trace: SloTrace) -> list[str]:
    forecast = trace.budget["forecast"]
    if not forecast["available"]:
        return [f"no forecast: {forecast['reason']}"]
    return [
        f"horizon: {forecast['horizon_end']} ({number(forecast['horizon_seconds'])} s ahead), "
        f"days drawn from: the last {forecast['days_sampled_from']} complete days with data",
        "remaining at the horizon = 1 - consumed so far (still in the window then) - the sum of drawn days' "
        "consumption (a day's bad / allowed)",
        f"p10 {number(forecast['remaining_ratio_p10'])}, p50 {number(forecast['remaining_ratio_p50'])}, "
        f"p90 {number(forecast['remaining_ratio_p90'])} of the budget left; "
        f"exhaustion probability {number(forecast['exhaustion_probability'])} (share of draws <= 0)",
        f"method: {forecast['method']}",
    ]
