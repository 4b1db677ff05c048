"""The working of the measured fields: the SLI over its window, and the objective in force."""

from __future__ import annotations

from reliability import formulas
from reliability.render.numbers import exact, percent
from reliability.timefmt import format_rfc3339
from reliability.trace.adjustments import adjustment_lines
from reliability.trace.slo import SloTrace


def sli_lines(trace: SloTrace) -> list[str]:
    window = trace.measured.window
    measured = trace.measurement(window.name)
    assert measured is not None, "the SLI stage measures every SLO over its own window"
    item = measured.figures
    lines = [
        f"window: {window.description}, {format_rfc3339(window.start)} .. {format_rfc3339(window.end)} "
        f"({window.hours_with_data} of {window.hours} hours with data)",
        *adjustment_lines(trace),
    ]
    composite = trace.measured.composite
    if item.no_data:
        return [*lines, "no data in the window: the SLI is null, never counted as good"]
    if composite is not None:
        parts = trace.measured.bad_units.parts
        if composite.method == "all_must_succeed":
            terms = " x ".join(f"(1 - {exact(p.error_ratio)})" for p in parts)
            formula = formulas.ALL_MUST_SUCCEED_SLI.text
        else:
            weighted = " + ".join(f"{exact(p.weight)} x (1 - {exact(p.error_ratio)})" for p in parts)
            terms = f"({weighted}) / {exact(sum(p.weight for p in parts))}"
            formula = formulas.WEIGHTED_SLI.text
        lines.append(f"dependencies: {', '.join(p.slo for p in parts)} (each over this window)")
        return [*lines, f"{formula} = {terms} = {exact(item.ratio)} ({percent(item.ratio, 4)})"]
    method = trace.measured.budgeting
    if method.method == "timeslices":
        lines.append(
            f"a {method.slice} slice is good when its ratio is at least {exact(method.slice_target)}; "
            f"{item.slices_without_data} slices without data are left out"
        )
        formula = formulas.TIMESLICES_SLI.text
    elif method.method == "ratio_timeslices":
        lines.append(f"{item.slices_without_data} {method.slice} slices without data are left out")
        formula = formulas.RATIO_TIMESLICES_SLI.text
    else:
        formula = formulas.SLI.text
    if len(trace.measured.components) > 1:
        lines.append(f"counts summed over the components {' + '.join(trace.measured.components)}")
    return [
        *lines,
        f"{formula} = {exact(item.good)} / {exact(item.total)} = {exact(item.ratio)} "
        f"({percent(item.ratio, 4)}; {item.events:,} events)",
    ]


def _objective_text(objective_percent: float | None) -> str:
    return "none" if objective_percent is None else f"{exact(objective_percent)}%"


def objective_lines(trace: SloTrace) -> list[str]:
    target = trace.target
    origin = trace.slo.origin
    history = target.history
    lines = [
        f"declared: {target.declared} at {origin.location()}; "
        f"in force: {_objective_text(target.objective_percent)} ({target.objective_source}); "
        f"verdict: {target.verdict}",
        f"history {format_rfc3339(history.start)} .. {format_rfc3339(history.end)} "
        f"({history.days_with_data} days with data): "
        f"good / total = {exact(history.good)} / {exact(history.total)} = {exact(history.ratio)}",
    ]
    replay = target.backtest
    if replay is not None:  # an auto objective is judged as it was chosen: by its backtest
        lines.append(
            "verdict of the backtest: achievable when the step in force was kept, "
            "tight when it was met at every period end but not kept, not_achievable when missed"
        )
    elif target.objective_percent is not None and history.ratio is not None and target.budget is not None:
        fraction = target.budget.fraction
        lines.append(
            f"achievable when history's error ratio <= margin x (1 - objective): "
            f"1 - {exact(history.ratio)} = {exact(1 - history.ratio)} vs "
            f"{exact(target.margin)} x {exact(fraction)} = {exact(target.margin * fraction)} "
            f"(tight when only <= {exact(fraction)})"
        )
    if target.proposed_percent is not None:
        lines.append(f"proposed: {exact(target.proposed_percent)}%")
    if replay is not None:
        lines.append(
            f"backtest of every ladder step ({replay.window_set} alerts, paging for at most "
            f"{exact(replay.max_pages_per_30d)} incidents per 30 days, one always allowed): {replay.command}"
        )
        lines.extend(
            f"  {exact(c.objective_percent)}%: {'kept' if c.qualified else 'not kept'}, {c.reason}"
            for c in replay.candidates
        )
    lines.append(f"rationale: {target.rationale}")
    if target.budget is not None:
        budget = target.budget
        lines.append(
            f"budget: (1 - objective) = {exact(budget.fraction)} of {budget.events_basis} = "
            f"{exact(budget.events)} {trace.unit}, {exact(budget.minutes)} minutes"
        )
    return lines
