"""The working of the measured fields: the SLI over its window, and the objective in force."""

from __future__ import annotations

from reliability.trace.numbers import number, percent
from reliability.trace.slo import SloTrace


def sli_lines(trace: SloTrace) -> list[str]:
    window = trace.measured["window"]
    item = trace.measurement(window["name"])
    assert item is not None, "the SLI stage measures every SLO over its own window"
    lines = [
        f"window: {window['description']}, {window['start']} .. {window['end']} "
        f"({window['hours_with_data']} of {window['hours']} hours with data)"
    ]
    composite = trace.measured["composite"]
    if item["no_data"]:
        return [*lines, "no data in the window: the SLI is null, never counted as good"]
    if composite is not None:
        parts = trace.measured["bad_units"]["parts"]
        if composite["method"] == "all_must_succeed":
            terms = " x ".join(f"(1 - {number(p['error_ratio'])})" for p in parts)
            formula = "sli = product of (1 - error ratio) over the dependencies"
        else:
            weighted = " + ".join(f"{number(p['weight'])} x (1 - {number(p['error_ratio'])})" for p in parts)
            terms = f"({weighted}) / {number(sum(p['weight'] for p in parts))}"
            formula = "sli = weighted mean of (1 - error ratio) over the dependencies"
        lines.append(f"dependencies: {', '.join(p['slo'] for p in parts)} (each over this window)")
        return [*lines, f"{formula} = {terms} = {number(item['ratio'])} ({percent(item['ratio'], 4)})"]
    method = trace.measured["budgeting"]
    if method["method"] == "timeslices":
        lines.append(
            f"a {method['slice']} slice is good when its ratio is at least {number(method['slice_target'])}; "
            f"{item['slices_without_data']} slices without data are left out"
        )
        formula = "sli = good slices / slices with data"
    elif method["method"] == "ratio_timeslices":
        lines.append(f"{item['slices_without_data']} {method['slice']} slices without data are left out")
        formula = "sli = sum of slice ratios / slices with data"
    else:
        formula = "sli = good / total"
    if len(trace.measured["components"]) > 1:
        lines.append(f"counts summed over the components {' + '.join(trace.measured['components'])}")
    return [
        *lines,
        f"{formula} = {number(item['good'])} / {number(item['total'])} = {number(item['ratio'])} "
        f"({percent(item['ratio'], 4)}; {item['events']:,} events)",
    ]


def _objective_text(objective_percent: float | None) -> str:
    return "none" if objective_percent is None else f"{number(objective_percent)}%"


def objective_lines(trace: SloTrace) -> list[str]:
    target = trace.target
    origin = trace.slo.origin
    history = target["history"]
    lines = [
        f"declared: {target['declared']} at {origin.location()}; "
        f"in force: {_objective_text(target['objective_percent'])} ({target['objective_source']}); "
        f"verdict: {target['verdict']}",
        f"history {history['start']} .. {history['end']} ({history['days_with_data']} days with data): "
        f"good / total = {number(history['good'])} / {number(history['total'])} = {number(history['ratio'])}",
    ]
    if target["objective_percent"] is not None and history["ratio"] is not None:
        fraction = target["budget"]["fraction"]
        lines.append(
            f"achievable when history's error ratio <= margin x (1 - objective): "
            f"1 - {number(history['ratio'])} = {number(1 - history['ratio'])} vs "
            f"{number(target['margin'])} x {number(fraction)} = {number(target['margin'] * fraction)} "
            f"(tight when only <= {number(fraction)})"
        )
    if target["proposed_percent"] is not None:
        lines.append(f"proposed: {number(target['proposed_percent'])}%")
    replay = target.get("backtest")
    if replay is not None:
        lines.append(
            f"backtest of every ladder step ({replay['window_set']} alerts, at most "
            f"{number(replay['max_pages_per_30d'])} pages per 30 days): {replay['command']}"
        )
        lines.extend(
            f"  {number(c['objective_percent'])}%: {'kept' if c['qualified'] else 'not kept'}, {c['reason']}"
            for c in replay["candidates"]
        )
    lines.append(f"rationale: {target['rationale']}")
    if target["budget"] is not None:
        budget = target["budget"]
        lines.append(
            f"budget: (1 - objective) = {number(budget['fraction'])} of {budget['events_basis']} = "
            f"{number(budget['events'])} {trace.unit}, {number(budget['minutes'])} minutes"
        )
    return lines
