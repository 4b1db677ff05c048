"""Stage 2: the objective in force for every SLO, judged (or derived) from history."""

from __future__ import annotations

from typing import Any

from reliability.config.model import Config, Slo
from reliability.conventions import HISTORY_WINDOW
from reliability.core.budget import Budget
from reliability.core.counts import Count
from reliability.core.targets import OBJECTIVE_LADDER, Verdict, highest_met_step, verdict
from reliability.stages import lookup
from reliability.stages.error_budgets import EVENT_DECIMALS


def _history(entry: dict[str, Any]) -> tuple[Count, dict[str, Any]]:
    item = lookup.measurement(entry, HISTORY_WINDOW)
    days = [d for d in entry["daily"] if not d["no_data"]]
    worst = min(days, key=lambda d: d["ratio"]) if days else None
    count = lookup.count_of(item)
    figures = {
        "start": item["start"],
        "end": item["end"],
        "first_day_with_data": days[0]["date"] if days else None,
        "good": count.good,
        "total": count.total,
        "ratio": count.ratio,
        "days_with_data": len(days),
        "worst_day": None if worst is None else {"date": worst["date"], "ratio": worst["ratio"]},
    }
    return count, figures


def _pct(ratio: float | None) -> str:
    return "no data" if ratio is None else f"{ratio * 100:.4g}%"


def _target(slo: Slo, entry: dict[str, Any], margin: float) -> dict[str, Any]:
    history, figures = _history(entry)
    best = highest_met_step(history, margin)
    used = (
        f"history {figures['first_day_with_data']}..{figures['end'][:10]} ({figures['days_with_data']} days "
        f"with data): {_pct(history.ratio)} good ({history.bad:g} bad of {history.total:g})"
        if history.total
        else f"no events in history since {figures['start'][:10]}"
    )
    if slo.objective_percent is None:
        objective = best if best is not None else (OBJECTIVE_LADDER[0] if history.total else None)
        judged = verdict(history, objective, margin) if objective is not None else Verdict.NO_DATA
        if objective is None:
            rationale = "no history: cannot derive an objective"
        elif best is None:
            rationale = (
                f"{used}; not even the lowest step {OBJECTIVE_LADDER[0]}% was met with margin, so it is used"
            )
        else:
            rationale = (
                f"{used}; {best}% is the highest step met with margin "
                f"(history used at most {margin:.0%} of its budget)"
            )
        proposed = None
    else:
        objective = slo.objective_percent
        judged = verdict(history, objective, margin)
        proposed = best if judged is Verdict.NOT_ACHIEVABLE else None
        rationale = f"{used}; declared {objective}% is {judged.value.replace('_', ' ')}"
        if judged is Verdict.NOT_ACHIEVABLE:
            rationale += f"; proposed {best}%" if best is not None else "; no ladder step would be met"
    window_item = lookup.measurement(entry, slo.window.name)
    period_seconds = entry["window"]["period_seconds"]
    budget = None
    if objective is not None:
        current = Budget(objective / 100, period_seconds, lookup.count_of(window_item))
        unit = "slices" if entry["budgeting"]["method"] != "occurrences" else "events"
        budget = {
            "fraction": round(1 - objective / 100, 12),
            "events": round(current.allowed_events, EVENT_DECIMALS),
            "events_basis": f"{current.count.total:g} {unit} in the {slo.window.describe()} window so far",
            "minutes": current.allowed_minutes,
        }
    return {
        "slo": slo.id,
        "service": slo.service,
        "component": slo.component,
        "sli": slo.sli,
        "window": slo.window.name,
        "window_seconds": period_seconds,
        "declared": "auto" if slo.objective_percent is None else slo.objective_percent,
        "objective_percent": objective,
        "objective_source": "auto" if slo.objective_percent is None else "declared",
        "verdict": judged.value,
        "proposed_percent": proposed,
        "margin": margin,
        "history": figures,
        "rationale": rationale,
        "budget": budget,
    }


def build(config: Config, sli_metrics: dict[str, Any]) -> dict[str, Any]:
    margin = config.settings.auto_objective_margin
    slos = [_target(slo, lookup.slo_measurements(sli_metrics, slo.id), margin) for slo in config.slos]
    return {"ladder_percent": list(OBJECTIVE_LADDER), "slos": slos}
