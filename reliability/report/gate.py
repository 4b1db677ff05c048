"""The gate's verdict as text: the heading, the table of judged SLOs, JSON and markdown."""

from __future__ import annotations

import json
from typing import Any

from reliability.actions.gate import GateResult, SloVerdict, Verdict
from reliability.render.run_output import sla_json
from reliability.terminal.table import Cell, State, Table
from reliability.terminal.table import render_markdown as markdown_table

MARKERS = {Verdict.PASS: "PASS", Verdict.STOP: "STOP", Verdict.UNDECIDED: "NO DECISION"}
COLUMNS = ("SLO", "VERDICT", "POLICY", "BUDGET LEFT", "ALERT", "SLA")
VERDICT_STATES = {Verdict.PASS: State.PASS, Verdict.STOP: State.STOP, Verdict.UNDECIDED: State.UNDECIDED}
# The state names reliability.actions.gate writes (the artifacts' own, as `run` prints them).
MARKER_STATES = {
    s.value: s
    for s in (State.OK, State.WARN, State.FREEZE, State.PAGE, State.TICKET, State.NO_DATA, State.MET)
} | {"no data": State.NO_DATA}


def _cell(text: str) -> Cell:
    for prefix, state in (("EXHAUSTED", State.EXHAUSTED), ("BREACHED", State.BREACHED)):
        if text.startswith(prefix):
            return Cell(text, state)
    return Cell(text, MARKER_STATES.get(text))


def table(result: GateResult, *, with_reasons: bool = False) -> Table:
    """One row per judged SLO; with_reasons adds the WHY column."""
    rows: list[tuple[str | Cell, ...]] = [
        (
            s.slo,
            Cell(MARKERS[s.verdict], VERDICT_STATES[s.verdict]),
            _cell(s.policy),
            _cell(s.budget_left),
            _cell(s.alert),
            _cell(s.sla),
            *(["; ".join(s.reasons)] if with_reasons else []),
        )
        for s in result.slos
    ]
    return Table((*COLUMNS, "WHY") if with_reasons else COLUMNS, rows)


def heading(result: GateResult) -> list[str]:
    """The verdict, the run it judged, and why each deciding SLO decided it."""
    lines = [
        f"gate: {MARKERS[result.verdict]} (exit {result.exit_code}): {result.headline()}",
        f"evaluated at {result.evaluated_at}, run {result.run_id}, artifacts in {result.artifacts}",
    ]
    return lines + [f"{s.slo} ({MARKERS[s.verdict]}): {'; '.join(s.reasons)}" for s in result.deciding]


def _slo_json(verdict: SloVerdict) -> dict[str, Any]:
    return {
        "slo": verdict.slo,
        "verdict": verdict.verdict.value,
        "policy_state": verdict.policy,
        "alert_state": "no_data" if verdict.alert == "no data" else verdict.alert,  # the artifacts' word
        "budget_remaining_ratio": verdict.budget_remaining_ratio,
        "budget_exhausted": verdict.budget_exhausted,
        "slas": [sla_json(s) for s in verdict.slas],
        "reasons": verdict.reasons,
    }


def render_json(result: GateResult) -> str:
    """Numbers and states (shape: reliability/schemas/output-gate.schema.json)."""
    data = {
        "verdict": result.verdict.value,
        "exit_code": result.exit_code,
        "summary": result.headline(),
        "evaluated_at": result.evaluated_at,
        "run_id": result.run_id,
        "artifacts": result.artifacts,
        "deciding": [s.slo for s in result.deciding],
        "slos": [_slo_json(s) for s in result.slos],
    }
    return json.dumps(data, indent=2)


def render_markdown(result: GateResult) -> str:
    lines = [
        f"### Reliability gate: {MARKERS[result.verdict]}",
        "",
        f"{result.headline()}. Evaluated at `{result.evaluated_at}` (run `{result.run_id}`); "
        f"exit code {result.exit_code}.",
    ]
    if result.slos:
        lines += ["", markdown_table(table(result, with_reasons=True))]
    return "\n".join(lines)
