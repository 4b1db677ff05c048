"""The run summary: rows and notes derived from the artifacts, and the table of them with states."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reliability.artifacts.error_budgets import ErrorBudgets, Share, SloBudget, UnjudgedBudget
from reliability.artifacts.models import Artifact, stage_artifact
from reliability.artifacts.sla_compliance import ActionRecord, SlaCompliance, SloEvent
from reliability.artifacts.sli_metrics import InputReport, SliMetrics
from reliability.artifacts.slo_targets import SloTarget, SloTargets
from reliability.conventions import CURRENT_BURN_WINDOW, Stage
from reliability.errors import file_line, printable
from reliability.render import outlook
from reliability.render.numbers import percent
from reliability.stages.sla_compliance import slas_covering
from reliability.terminal.table import Cell, State, Table
from reliability.vocabulary import item_name


@dataclass(frozen=True)
class SummaryRow:
    service: str
    slo: str
    sli: str
    objective: str
    budget_remaining: str
    burn_rate: str
    exhausts_in: str
    forecast: str
    alert: str
    policy: str
    sla: str


NOTABLE_SHARE = 0.10  # a consumer worth naming under the table

BURN = f"BURN ({CURRENT_BURN_WINDOW})"
HEADERS = (
    "SERVICE",
    "SLO",
    "SLI",
    "OBJECTIVE",
    "BUDGET LEFT",
    BURN,
    "EXHAUSTS IN",
    "FORECAST",
    "ALERT",
    "POLICY",
    "SLA",
)


def _sla_cell(entry: SloBudget | UnjudgedBudget, sla: SlaCompliance | None) -> str:
    for item in slas_covering(sla, entry.service, entry.component, entry.sli)[:1]:
        if item.status == "breached":
            credit = item.current.credit_percent
            return "BREACHED" + (f" ({credit:g}% credit)" if credit else "")
        return item.status if item.status == "no_data" else "met"
    return "-"


def _row(entry: SloBudget | UnjudgedBudget, target: SloTarget, sla: SlaCompliance | None) -> SummaryRow:
    slo_name = item_name(entry.slo)
    objective = entry.objective_percent
    objective_text = "none" if objective is None else f"{objective:g}%"
    if target.objective_source == "auto":
        objective_text += " (auto)"
    if not isinstance(entry, SloBudget) or entry.no_data:
        return SummaryRow(
            entry.service,
            slo_name,
            "no data",
            objective_text,
            "no data",
            "no data",
            "no data",
            "none",
            "no_data",
            entry.policy.state if isinstance(entry, SloBudget) else "no_data",
            _sla_cell(entry, sla),
        )
    sli = percent(entry.sli_ratio, 3)
    if entry.hours_with_data < entry.hours:
        sli += "*"
    budget = entry.budget
    remaining = percent(budget.remaining_ratio, 1)
    if budget.exhausted:
        remaining = f"EXHAUSTED ({remaining})"
    rate = entry.current_burn_rate
    burn = "no data" if rate is None else f"{rate:.2f}x"
    # Alert and policy states are printed as the artifacts, the ledger and hook triggers name them.
    alert = entry.alert.state
    policy = entry.policy.state
    return SummaryRow(
        entry.service,
        slo_name,
        sli,
        objective_text,
        remaining,
        burn,
        outlook.time_to_exhaustion(entry),
        outlook.forecast_text(entry),
        alert,
        policy,
        _sla_cell(entry, sla),
    )


def notable_shares(entry: SloBudget) -> list[tuple[str, Share]]:
    """(dimension, share): the largest share of NOTABLE_SHARE or more in each dimension."""
    found: list[tuple[str, Share]] = []
    for dimension in ("dependency", "component", "status", "day", "hour"):
        attributed = entry.attribution.get(dimension)
        shares = attributed.shares if attributed else ()
        top = [s for s in shares if s.key != "other hours" and s.share >= NOTABLE_SHARE][:1]
        found.extend((dimension, s) for s in top)
    return found


def _top_consumers(entry: SloBudget) -> str:
    """The largest share in each dimension, for SLOs the policy does not call ok."""
    if entry.policy.state in ("ok", "no_data"):
        return ""
    if not entry.attribution:  # timeslice methods: nothing attributed
        return ""
    parts = [f"{dimension} {s.key} {s.share:.0%}" for dimension, s in notable_shares(entry)]
    if not parts:
        return f"a steady burn: no day or hour took {NOTABLE_SHARE:.0%} or more of it"
    return "budget went to " + ", ".join(parts)


def rows(artifacts: Mapping[Stage, Artifact]) -> list[SummaryRow]:
    budgets = stage_artifact(artifacts, Stage.BUDGETS, ErrorBudgets)
    targets = stage_artifact(artifacts, Stage.TARGETS, SloTargets)
    if budgets is None or targets is None:
        return []
    sla = stage_artifact(artifacts, Stage.SLA, SlaCompliance)
    by_slo = {t.slo: t for t in targets.slos}
    return [_row(entry, by_slo[entry.slo], sla) for entry in budgets.slos]


def _judged(artifacts: Mapping[Stage, Artifact]) -> list[SloBudget]:
    budgets = stage_artifact(artifacts, Stage.BUDGETS, ErrorBudgets)
    return [e for e in budgets.slos if isinstance(e, SloBudget)] if budgets else []


def _input_lines(source: InputReport) -> list[str]:
    if source.unavailable:
        return [f"{source.source}: UNAVAILABLE, its SLOs are no data: {source.unavailable}"]
    text = f"{source.source}: {source.records:,} records, {source.used:,} used"
    if source.filtered_out:
        text += f", {source.filtered_out:,} filtered out"
    for count, label in (
        (source.before_history, "before the history window"),
        (source.after_evaluation_time, "after the evaluation time"),
    ):
        if count:
            text += f", {count:,} {label}"
    if source.skipped_total:
        reasons = ", ".join(f"{reason}: {n:,}" for reason, n in source.skipped.items())
        text += f", {source.skipped_total:,} skipped ({reasons})"
    return [text] + [
        printable(
            f"  {file_line(e.file, e.line)}: {e.reason}"
            + (f" in {e.field}" if e.field else "")
            + f": {e.value}"
        )
        for e in source.skipped_examples
    ]


def _action_subject(action: ActionRecord) -> str:
    """The subject, with the SLOs of an incident when they are not just the subject itself."""
    event = action.event
    slos = [item.slo for item in event.slos] if isinstance(event, SloEvent) else []
    if slos in ([], [action.subject]):
        return action.subject
    return f"{action.subject} [{', '.join(slos)}]"


def _action_line(action: ActionRecord) -> str:
    subject = _action_subject(action)
    if action.status == "dry_run":
        return f"hook {action.hook} would run for {subject} ({action.trigger}); add --execute to run it"
    return (
        f"hook {action.hook} for {subject} ({action.trigger}): "
        f"{action.status}"
        + (f" ({action.reason_detail or action.reason})" if action.reason else "")
        + (f", exit {action.exit_code}" if action.exit_code is not None else "")
        + (f", HTTP {action.http_status}" if action.http_status is not None else "")
    )


def _outlook_lines(artifacts: Mapping[Stage, Artifact], sli: SliMetrics | None) -> list[str]:
    """Latency SLIs' threshold and p99, and why a near exhaustion sits beside a calm forecast."""
    lines: list[str] = []
    judged = [e for e in _judged(artifacts) if not e.no_data]
    for entry in judged:
        lines.extend(f"{entry.slo}: {line}" for line in (outlook.latency_lines(entry, sli) if sli else ()))
    if any(outlook.disagree(e) for e in judged):
        lines.append(outlook.WHY_THEY_DIFFER)
    return lines


def notes(artifacts: Mapping[Stage, Artifact]) -> list[str]:
    """Lines under the table: data gaps, what was read and skipped, hooks."""
    lines = []
    for entry in _judged(artifacts):
        if entry.hours_with_data < entry.hours:
            lines.append(
                f"* {entry.slo}: data in {entry.hours_with_data} of {entry.hours} "
                f"hours of the {entry.window} window"
            )
    for entry in _judged(artifacts):
        consumers = _top_consumers(entry)
        if consumers:
            lines.append(f"{entry.slo} ({entry.policy.state}): {consumers}")
    sli = stage_artifact(artifacts, Stage.SLI, SliMetrics)
    lines.extend(_outlook_lines(artifacts, sli))
    for source in sli.inputs if sli else ():
        lines.extend(_input_lines(source))
    sla = stage_artifact(artifacts, Stage.SLA, SlaCompliance)
    lines.extend(_action_line(action) for action in (sla.actions if sla else ()))
    return lines


# The state names _row writes, and the state each stands for (a terminal colours and marks them).
_ALERT_STATES = {s.value: s for s in (State.PAGE, State.TICKET, State.OK, State.NO_DATA)}
_POLICY_STATES = {s.value: s for s in (State.FREEZE, State.WARN, State.OK, State.NO_DATA)}


def _budget_state(text: str) -> State | None:
    if text.startswith("EXHAUSTED"):
        return State.EXHAUSTED
    return State.NO_DATA if text == "no data" else None


def _sla_state(text: str) -> State | None:
    if text.startswith("BREACHED"):
        return State.BREACHED
    return {"met": State.MET, "no_data": State.NO_DATA}.get(text)


def table(table_rows: list[SummaryRow]) -> Table:
    """The summary table, with the state of each budget, alert, policy and SLA cell."""
    return Table(
        HEADERS,
        [
            (
                r.service,
                r.slo,
                r.sli,
                r.objective,
                Cell(r.budget_remaining, _budget_state(r.budget_remaining)),
                r.burn_rate,
                r.exhausts_in,
                r.forecast,
                Cell(r.alert, _ALERT_STATES.get(r.alert)),
                Cell(r.policy, _POLICY_STATES.get(r.policy)),
                Cell(r.sla, _sla_state(r.sla)),
            )
            for r in table_rows
        ],
    )
