"""The before/after gate as text: heading, table (before, after, change, margin, verdict), JSON, markdown."""

from __future__ import annotations

import json
from typing import Any

from reliability.actions.baseline import P99_MEASURE, Change, Comparison, RunFigures
from reliability.actions.gate import Verdict
from reliability.render.numbers import NO_DATA, percent
from reliability.terminal.table import Cell, State, Table
from reliability.terminal.table import render_markdown as markdown_table

MARKERS = {Verdict.PASS: "PASS", Verdict.STOP: "WORSE", Verdict.UNDECIDED: "NO DATA"}
GATE_MARKERS = {Verdict.PASS: "PASS", Verdict.STOP: "STOP", Verdict.UNDECIDED: "NO DECISION"}
STATES = {Verdict.PASS: State.PASS, Verdict.STOP: State.STOP, Verdict.UNDECIDED: State.UNDECIDED}
COLUMNS = ("SLO", "MEASURE", "BEFORE", "AFTER", "CHANGE", "MARGIN", "VERDICT")


def _value(change: Change, value: float | None) -> str:
    if value is None:
        return NO_DATA
    return f"{value:.3f}s" if change.measure == P99_MEASURE else percent(value, 3)


def _difference(change: Change) -> str:
    delta = change.change
    if delta is None:
        return "-"
    shown = f"{delta:+.3f}s" if change.measure == P99_MEASURE else f"{delta * 100:+.3f} pp"
    return shown.replace("-0.000", "+0.000")  # a change too small to show is no worsening


def table(result: Comparison, *, with_reasons: bool = False) -> Table:
    rows: list[tuple[str | Cell, ...]] = [
        (
            c.slo,
            c.measure,
            _value(c, c.before),
            _value(c, c.after),
            _difference(c),
            c.margin,
            Cell(MARKERS[c.verdict], STATES[c.verdict]),
            *([c.reason] if with_reasons else []),
        )
        for c in result.changes
    ]
    return Table((*COLUMNS, "WHY") if with_reasons else COLUMNS, rows)


def _run_line(label: str, run: RunFigures) -> str:
    return f"{label}: run {run.run_id} evaluated at {run.evaluated_at}, from {run.source}"


def heading(result: Comparison) -> list[str]:
    lines = [
        f"gate --baseline: {GATE_MARKERS[result.verdict]} (exit {result.exit_code}): {result.headline()}",
        _run_line("before", result.baseline),
        _run_line("after", result.current),
    ]
    return lines + [
        f"{c.slo} {c.measure} ({MARKERS[c.verdict]}): {c.reason}"
        for c in result.changes
        if c.verdict is not Verdict.PASS
    ]


def _run_json(run: RunFigures) -> dict[str, Any]:
    return {"run_id": run.run_id, "evaluated_at": run.evaluated_at, "source": run.source}


def _change_json(change: Change) -> dict[str, Any]:
    return {
        "slo": change.slo,
        "measure": change.measure,
        "unit": "seconds" if change.measure == P99_MEASURE else "ratio",
        "before": change.before,
        "after": change.after,
        "change": change.change,
        "margin": change.margin,
        "verdict": change.verdict.value,
        "reason": change.reason,
    }


def render_json(result: Comparison) -> str:
    """Shape: reliability/schemas/output-gate-baseline.schema.json."""
    given = result.margins
    data = {
        "verdict": result.verdict.value,
        "exit_code": result.exit_code,
        "summary": result.headline(),
        "baseline": _run_json(result.baseline),
        "current": _run_json(result.current),
        "margins": {
            "max_worse_points": given.max_worse_points,
            "max_worse_ratio": given.max_worse_ratio,
            "max_slower_ratio": given.max_slower_ratio,
            "allow_no_data": given.allow_no_data,
        },
        "changes": [_change_json(c) for c in result.changes],
    }
    return json.dumps(data, indent=2)


def render_markdown(result: Comparison) -> str:
    lines = [
        f"### Reliability gate against a baseline: {GATE_MARKERS[result.verdict]}",
        "",
        f"{result.headline()}; exit code {result.exit_code}.",
        "",
        f"- {_run_line('before', result.baseline)}",
        f"- {_run_line('after', result.current)}",
    ]
    if result.changes:
        lines += ["", markdown_table(table(result, with_reasons=True))]
    return "\n".join(lines)
