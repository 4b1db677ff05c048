"""`reliability gate`: a CI gate on the last run's error budget policy.

Exit 0 when every selected SLO's policy says ok or warn, 1 when the policy says stop (freeze, a spent
budget or a page), 2 when it cannot tell (no data, bad artifacts, an unknown selection). Stop wins over
no data: a known reason to stop stands whatever the silent SLOs would have said.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from reliability import pipeline
from reliability.commands.shared import evaluation_time, reporting_errors
from reliability.config import load_config
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.ledger import LEDGER_FILE
from reliability.render.numbers import exact, percent
from reliability.terminal import progress
from reliability.terminal.options import FormatOption, QuietOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_table
from reliability.terminal.table import Cell, State, Table, render_plain
from reliability.terminal.table import render_markdown as markdown_table
from reliability.trace.run import Run, matching_slas, read_run, unknown

DEFAULT_ARTIFACTS = Path("generated")
PASSING_STATES = ("ok", "warn")
STOPPING_STATE = "freeze"


class Verdict(StrEnum):
    PASS = "pass"
    STOP = "stop"
    UNDECIDED = "undecided"


EXIT_CODES = {Verdict.PASS: 0, Verdict.STOP: 1, Verdict.UNDECIDED: 2}
MARKERS = {Verdict.PASS: "PASS", Verdict.STOP: "STOP", Verdict.UNDECIDED: "NO DECISION"}
COUNTED = {Verdict.PASS: "pass", Verdict.STOP: "stop", Verdict.UNDECIDED: "cannot be decided"}


@dataclass(frozen=True)
class SloVerdict:
    slo: str
    verdict: Verdict
    policy: str
    budget_left: str
    alert: str
    sla: str
    reasons: list[str]


@dataclass(frozen=True)
class GateResult:
    verdict: Verdict
    evaluated_at: str
    run_id: str
    artifacts: str
    slos: list[SloVerdict]

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.verdict]

    @property
    def deciding(self) -> list[SloVerdict]:
        """The SLOs that made the verdict: all of them when it passes."""
        return [s for s in self.slos if s.verdict is self.verdict]

    def headline(self) -> str:
        if not self.slos:
            return "no SLO to judge: an empty gate never passes"
        counts = {v: sum(s.verdict is v for s in self.slos) for v in Verdict}
        parts = [
            f"{counts[v]} {COUNTED[v]}" for v in (Verdict.STOP, Verdict.UNDECIDED, Verdict.PASS) if counts[v]
        ]
        return f"{len(self.slos)} SLO(s): {', '.join(parts)}"


# --- the decision ----------------------------------------------------------------------------------


def _page_reason(alert: dict[str, Any]) -> str:
    firing = [
        f"{p['long_window']}/{p['short_window']} burn {exact(p['long_burn_rate'])}x and "
        f"{exact(p['short_burn_rate'])}x above {exact(p['factor'])}x"
        for p in alert["pairs"]
        if p["severity"] == "page" and p["status"] == "firing" and not p["low_confidence"]
    ]
    return "page alert" + (f": {'; '.join(firing)}" if firing else "")


def _policy_reason(policy: dict[str, Any]) -> str:
    rule = f" by rules[{policy['rule']}]" if policy["rule"] is not None else ""
    return f"policy {policy['state']}{rule}: {policy['reason']}"


def _judge(entry: dict[str, Any]) -> tuple[Verdict, list[str]]:
    if entry["objective_percent"] is None:
        return Verdict.UNDECIDED, [f"no objective: {entry['reason']}"]
    policy, budget, alert = entry["policy"], entry["budget"], entry["alert"]
    stops = []
    if policy["state"] == STOPPING_STATE:
        stops.append(_policy_reason(policy))
    if budget["exhausted"]:
        consumed = budget["consumed_ratio"]
        spent = f"{percent(consumed, 1)} of it spent" if consumed is not None else "a zero budget overspent"
        stops.append(f"budget exhausted: {spent}")
    if alert["state"] == "page":
        stops.append(_page_reason(alert))
    if stops:
        return Verdict.STOP, stops
    if policy["state"] in PASSING_STATES:
        return Verdict.PASS, [_policy_reason(policy)]
    if policy["state"] == "no_data":
        return Verdict.UNDECIDED, [_policy_reason(policy)]
    return Verdict.UNDECIDED, [
        f"{_policy_reason(policy)}; the gate passes {' and '.join(PASSING_STATES)} and stops on "
        f"{STOPPING_STATE}, and knows no other state"
    ]


def _sla_text(entry: dict[str, Any], sla_artifact: dict[str, Any]) -> str:
    texts = []
    for sla in matching_slas(entry, sla_artifact):
        credit = sla["periods"][0]["credit_percent"]
        status = sla["status"].upper() if sla["status"] == "breached" else sla["status"]
        texts.append(status + (f" ({exact(credit)}% credit)" if credit else ""))
    return ", ".join(texts) or "-"


def _marker(state: str) -> str:
    """Plain-text markers that stand out where they matter: ok stays quiet, the rest shout."""
    return "ok" if state == "ok" else state.replace("_", " ").upper()


def _slo_verdict(entry: dict[str, Any], sla_artifact: dict[str, Any]) -> SloVerdict:
    verdict, reasons = _judge(entry)
    if entry["objective_percent"] is None:
        return SloVerdict(entry["slo"], verdict, _marker("no_data"), "no data", "no data", "-", reasons)
    budget = entry["budget"]
    left = percent(budget["remaining_ratio"], 1)
    return SloVerdict(
        slo=entry["slo"],
        verdict=verdict,
        policy=_marker(entry["policy"]["state"]),
        budget_left=f"EXHAUSTED ({left})" if budget["exhausted"] else left,
        alert=_marker(entry["alert"]["state"]),
        sla=_sla_text(entry, sla_artifact),
        reasons=reasons,
    )


def _selected(
    entries: list[dict[str, Any]], services: list[str], slos: list[str], where: str
) -> list[dict[str, Any]]:
    """The entries of the given services and SLOs (either selects; none given: all)."""
    known_services = {e["service"] for e in entries}
    known_slos = {e["slo"] for e in entries}
    for service in services:
        if service not in known_services:
            raise unknown("service", service, known_services, where)
    for slo in slos:
        if slo not in known_slos:
            raise unknown("SLO", slo, known_slos, where)
    if not services and not slos:
        return entries
    return [e for e in entries if e["service"] in services or e["slo"] in slos]


def decide(run: Run, services: list[str], slos: list[str]) -> GateResult:
    budgets = run.artifacts[Stage.BUDGETS]
    where = str(run.folder / ARTIFACT_FILES[Stage.BUDGETS])
    chosen = [
        _slo_verdict(e, run.artifacts[Stage.SLA]) for e in _selected(budgets["slos"], services, slos, where)
    ]
    found = {s.verdict for s in chosen}
    verdict = next((v for v in (Verdict.STOP, Verdict.UNDECIDED) if v in found), Verdict.PASS)
    if not chosen:
        verdict = Verdict.UNDECIDED
    return GateResult(verdict, run.evaluated_at, run.run_id, str(run.folder), chosen)


# --- output ----------------------------------------------------------------------------------------

COLUMNS = ("SLO", "VERDICT", "POLICY", "BUDGET LEFT", "ALERT", "SLA")
VERDICT_STATES = {Verdict.PASS: State.PASS, Verdict.STOP: State.STOP, Verdict.UNDECIDED: State.UNDECIDED}
# The markers _marker and _sla_text write, and the state each stands for.
MARKER_STATES = {
    "ok": State.OK,
    "WARN": State.WARN,
    "FREEZE": State.FREEZE,
    "PAGE": State.PAGE,
    "TICKET": State.TICKET,
    "NO DATA": State.NO_DATA,
    "met": State.MET,
    "no_data": State.NO_DATA,
    "no data": State.NO_DATA,
}


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


def render_table(result: GateResult) -> str:
    lines = heading(result)
    if result.slos:
        lines += ["", render_plain(table(result))]
    return "\n".join(lines)


def render_json(result: GateResult) -> str:
    data = asdict(result) | {
        "exit_code": result.exit_code,
        "summary": result.headline(),
        "deciding": [s.slo for s in result.deciding],
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


def show(result: GateResult, output: OutputFormat) -> None:
    """The verdict in the asked format; on a terminal the table's states are coloured."""
    if output is OutputFormat.JSON:
        typer.echo(render_json(result))
    elif output is OutputFormat.MARKDOWN:
        typer.echo(render_markdown(result))
    else:
        typer.echo("\n".join(heading(result)))
        if result.slos:
            typer.echo("")
            echo_table(table(result))


# --- the command -----------------------------------------------------------------------------------


@contextmanager
def _undecided_on_error(verbose: bool) -> Iterator[None]:
    """One clear line for any failure, and exit 2 whatever it was: to a gate, exit 1 means "stop"."""
    try:
        with reporting_errors(verbose):
            yield
    except typer.Exit as exc:
        raise typer.Exit(EXIT_CODES[Verdict.UNDECIDED] if exc.exit_code else 0) from None
    except BrokenPipeError:  # the reader left before the verdict was out: not a decision to stop
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        raise typer.Exit(EXIT_CODES[Verdict.UNDECIDED]) from None


def _run_pipeline(config_path: Path, out: Path, quiet: bool) -> None:
    config = load_config(config_path)
    options = pipeline.RunOptions(  # hooks: a dry run; recorded like `reliability run`, for history
        now=evaluation_time(None, config),
        out_dir=out,
        progress=progress.for_cli(quiet),
        ledger_path=out / LEDGER_FILE,
    )
    written = pipeline.run(config, options).written
    typer.echo(f"ran the pipeline on {config_path}: wrote {', '.join(map(str, written))}", err=True)


def gate(
    artifacts: Annotated[
        Path, typer.Option("--artifacts", help="The folder of the run's artifacts.")
    ] = DEFAULT_ARTIFACTS,
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Judge this service's SLOs (repeatable).")
    ] = None,
    slo: Annotated[
        list[str] | None, typer.Option("--slo", help="Judge this SLO, as service/name (repeatable).")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    run: Annotated[
        Path | None,
        typer.Option(
            "--run",
            metavar="CONFIG",
            help="First run the pipeline on this configuration into --artifacts (hooks only planned).",
        ),
    ] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Pass or stop a release on the error budget policy of the last run.

    Exit 0 when every selected SLO's policy state is ok or warn; 1 when the policy says stop (freeze,
    budget exhausted or a page); 2 when it cannot decide (SLOs without data, missing or broken artifacts,
    an unknown --slo or --service). --service and --slo each add SLOs; none given: every SLO.
    """
    with _undecided_on_error(verbose):
        if run is not None:
            _run_pipeline(run, artifacts, quiet)
        result = decide(read_run(artifacts, (Stage.BUDGETS, Stage.SLA)), service or [], slo or [])
        show(result, output)
    if result.exit_code:
        raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    """Add the `gate` command to the CLI."""
    app.command("gate")(gate)
