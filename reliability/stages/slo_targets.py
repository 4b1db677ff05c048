"""Stage 2: the objective in force for every SLO, judged (or derived) from history.

A declared objective is judged by history's error ratio against its budget. `objective: auto`
replays the minute history for every ladder step (core.backtest, as `reliability backtest`
does) and takes the highest step met at every period end within the margin and paging no more
than the configured rate; when the history holds no whole window to judge, it falls back to
the error-ratio rule.
"""

from __future__ import annotations

from reliability.artifacts.figures import SloKey
from reliability.artifacts.header import Header
from reliability.artifacts.sli_metrics import SliMetrics, SloMeasurements
from reliability.artifacts.slo_targets import (
    Backtest,
    Candidate,
    HistoryFigures,
    SloTarget,
    SloTargets,
    TargetBudget,
    WorstDay,
)
from reliability.config.model import Config, Slo
from reliability.conventions import HISTORY_WINDOW
from reliability.core import backtest
from reliability.core.budget import Budget
from reliability.core.counts import Count
from reliability.core.grid import MinuteGrid
from reliability.core.replay import Replayable
from reliability.core.targets import OBJECTIVE_LADDER, Verdict, highest_met_step, verdict
from reliability.stages.error_budgets import EVENT_DECIMALS
from reliability.stages.replayable import replayable
from reliability.telemetry.ingest import Telemetry
from reliability.vocabulary import Objective


def _history(entry: SloMeasurements) -> tuple[Count, HistoryFigures]:
    item = entry.measurement(HISTORY_WINDOW)
    days = [d for d in entry.daily if not d.figures.no_data]
    rated = [(d.date, d.figures.ratio) for d in days if d.figures.ratio is not None]
    worst = min(rated, key=lambda d: d[1]) if rated else None
    count = item.figures.as_count()
    figures = HistoryFigures(
        start=item.start,
        end=item.end,
        first_day_with_data=days[0].date if days else None,
        good=count.good,
        total=count.total,
        ratio=count.ratio,
        days_with_data=len(days),
        worst_day=None if worst is None else WorstDay(*worst),
    )
    return count, figures


def _pct(ratio: float | None) -> str:
    return "no data" if ratio is None else f"{ratio * 100:.4g}%"


def _ladder_command(slo: Slo) -> str:
    steps = ",".join(f"{step:g}" for step in OBJECTIVE_LADDER)
    return f"reliability backtest {slo.id} --objectives {steps}"


def _backtest_record(slo: Slo, rationale: backtest.ObjectiveRationale, max_pages_per_30d: float) -> Backtest:
    return Backtest(
        window_set=slo.alert_windows,
        max_pages_per_30d=max_pages_per_30d,
        command=_ladder_command(slo),
        candidates=tuple(
            Candidate(
                objective_percent=Objective.from_ratio(c.objective).percent,
                qualified=c.qualified,
                reason=c.reason,
                period_ends=c.period_ends,
                met_share=c.met_share,
                lowest_budget_left=c.lowest_budget_left,
                pages=c.pages,
                tickets=c.tickets,
                days_replayed=round(c.days_replayed, 3),
                paged_incidents=c.paged_incidents,
            )
            for c in rationale.candidates
        ),
    )


def _replay_ladder(
    config: Config, slo: Slo, series: Replayable, grid: MinuteGrid
) -> backtest.ObjectiveRationale:
    window_sets = {slo.alert_windows: config.alert_window_sets[slo.alert_windows]}
    objectives = [Objective(step).ratio for step in OBJECTIVE_LADDER]
    candidates = backtest.backtests(
        series, grid, objectives, slo.window, window_sets, min_events=slo.min_events
    )
    settings = config.settings
    return backtest.backtest_rationale(
        candidates, settings.auto_objective_margin, settings.auto_objective_max_pages_per_30d
    )


def _auto_from_backtest(slo: Slo, rationale: backtest.ObjectiveRationale, used: str) -> tuple[float, str]:
    """The objective and its rationale: the chosen step's figures, and why the next step up was not."""
    by_step = {Objective.from_ratio(c.objective).percent: c for c in rationale.candidates}
    if rationale.chosen is None:
        objective = OBJECTIVE_LADDER[0]
        text = (
            f"no step qualified in the backtest, so the lowest, {objective:g}%, is used "
            f"({by_step[objective].reason})"
        )
    else:
        objective = Objective.from_ratio(rationale.chosen).percent
        text = f"{objective:g}% is the highest step the backtest keeps: {by_step[objective].reason}"
        higher = [step for step in OBJECTIVE_LADDER if step > objective]
        if higher:
            text += f"; {higher[0]:g}%: {by_step[higher[0]].reason}"
    return objective, f"{used}; {text}; replay: {_ladder_command(slo)}"


def _auto_verdict(
    history: Count, objective: float | None, replayed: Backtest | None, margin: float
) -> Verdict:
    """An `auto` objective judged as it was chosen: by its backtest when there was one, so the
    verdict and the rationale never disagree (a step no replay kept is never `achievable`)."""
    if objective is None:
        return Verdict.NO_DATA
    step = (
        next((c for c in replayed.candidates if c.objective_percent == objective), None) if replayed else None
    )
    if step is None or step.met_share is None:
        return verdict(history, objective, margin)
    if step.qualified:
        return Verdict.ACHIEVABLE
    return Verdict.TIGHT if step.met_share == 1.0 else Verdict.NOT_ACHIEVABLE


def _auto_objective(
    slo: Slo, history: Count, best: float | None, used: str, config: Config, telemetry: Telemetry
) -> tuple[float | None, str, Backtest | None]:
    """The objective `auto` derives, its rationale, and the backtest it rests on (if history allowed one)."""
    if not history.total:
        return None, "no history: cannot derive an objective", None
    series = replayable(config, slo, telemetry.series, telemetry.grid)
    short = f"history shorter than one {slo.window.describe()} window, so no backtest"
    if backtest.covers_a_window(series, telemetry.grid, slo.window):
        replay = _replay_ladder(config, slo, series, telemetry.grid)
        if replay.judged:
            objective, rationale = _auto_from_backtest(slo, replay, used)
            max_pages = config.settings.auto_objective_max_pages_per_30d
            return objective, rationale, _backtest_record(slo, replay, max_pages)
        short = "the backtest had no period end to judge (a dependency without data?)"
    if best is None:
        lowest = OBJECTIVE_LADDER[0]
        return (
            lowest,
            f"{used}; {short}; not even the lowest step {lowest}% was met with margin, so it is used",
            None,
        )
    margin = config.settings.auto_objective_margin
    why = f"{best}% is the highest step met with margin (history used at most {margin:.0%} of its budget)"
    return best, f"{used}; {short}; {why}", None


def _target(slo: Slo, entry: SloMeasurements, config: Config, telemetry: Telemetry) -> SloTarget:
    margin = config.settings.auto_objective_margin
    history, figures = _history(entry)
    best = highest_met_step(history, margin)
    used = (
        f"history {figures.first_day_with_data}..{figures.end.date()} ({figures.days_with_data} days "
        f"with data): {_pct(history.ratio)} good ({history.bad:g} bad of {history.total:g})"
        if history.total
        else f"no events in history since {figures.start.date()}"
    )
    replayed = None
    if slo.objective_percent is None:
        objective, rationale, replayed = _auto_objective(slo, history, best, used, config, telemetry)
        judged = _auto_verdict(history, objective, replayed, margin)
        proposed = None
    else:
        objective = slo.objective_percent
        judged = verdict(history, objective, margin)
        proposed = best if judged is Verdict.NOT_ACHIEVABLE else None
        rationale = f"{used}; declared {objective}% is {judged.value.replace('_', ' ')}"
        if judged is Verdict.NOT_ACHIEVABLE:
            rationale += f"; proposed {best}%" if best is not None else "; no ladder step would be met"
    window_item = entry.measurement(slo.window.name).figures
    period_seconds = entry.window.period_seconds
    budget = None
    if objective is not None:
        declared = Objective(objective)
        current = Budget(declared.ratio, period_seconds, window_item.as_count())
        unit = "slices" if entry.budgeting.method != "occurrences" else "events"
        budget = TargetBudget(
            fraction=declared.budget_fraction,
            events=round(current.allowed_events, EVENT_DECIMALS),
            events_basis=f"{current.count.total:g} {unit} in the {slo.window.describe()} window so far",
            minutes=current.allowed_minutes,
        )
    return SloTarget(
        *SloKey.of(slo, period_seconds),
        declared="auto" if slo.objective_percent is None else slo.objective_percent,
        objective_percent=objective,
        objective_source="auto" if slo.objective_percent is None else "declared",
        verdict=judged.value,
        proposed_percent=proposed,
        margin=margin,
        history=figures,
        rationale=rationale,
        backtest=replayed,
        budget=budget,
    )


def build(header: Header, config: Config, sli_metrics: SliMetrics, telemetry: Telemetry) -> SloTargets:
    measured = {entry.slo: entry for entry in sli_metrics.slos}
    slos = tuple(_target(slo, measured[slo.id], config, telemetry) for slo in config.slos)
    return SloTargets(header, tuple(OBJECTIVE_LADDER), slos)
