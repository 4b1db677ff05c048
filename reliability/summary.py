"""The run summary: rows and notes derived from the artifacts, and the table of them with states."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reliability.conventions import Stage
from reliability.terminal.table import Cell, State, Table


@dataclass(frozen=True)
class SummaryRow:
    service: str
    slo: str
    sli: str
    objective: str
    budget_remaining: str
    burn_rate: str
    alert: str
    policy: str
    sla: str


NOTABLE_SHARE = 0.10  # a consumer worth naming under the table

HEADERS = ("SERVICE", "SLO", "SLI", "OBJECTIVE", "BUDGET LEFT", "BURN (1h)", "ALERT", "POLICY", "SLA")


def _percent(ratio: float | None, digits: int = 3) -> str:
    return "no data" if ratio is None else f"{ratio * 100:.{digits}f}%"


def _sla_cell(entry: dict[str, Any], sla: dict[str, Any]) -> str:
    for item in sla.get("slas", []):
        if (item["service"], item["component"], item["sli"]) != (
            entry["service"],
            entry["component"],
            entry["sli"],
        ):
            continue
        current = item["periods"][0]
        if item["status"] == "breached":
            credit = current["credit_percent"]
            return "BREACHED" + (f" ({credit:g}% credit)" if credit else "")
        return "no data" if item["status"] == "no_data" else "met"
    return "-"


def _row(entry: dict[str, Any], target: dict[str, Any], sla: dict[str, Any]) -> SummaryRow:
    slo_name = entry["slo"].split("/", 1)[1]
    objective = entry.get("objective_percent")
    objective_text = "none" if objective is None else f"{objective:g}%"
    if target.get("objective_source") == "auto":
        objective_text += " (auto)"
    if objective is None or entry["no_data"]:
        return SummaryRow(
            entry["service"],
            slo_name,
            "no data",
            objective_text,
            "no data",
            "no data",
            "NO DATA",
            entry.get("policy", {}).get("state", "no_data"),
            _sla_cell(entry, sla),
        )
    sli = _percent(entry["sli_ratio"])
    if entry["hours_with_data"] < entry["hours"]:
        sli += "*"
    budget = entry["budget"]
    remaining = _percent(budget["remaining_ratio"], 1)
    if budget["exhausted"]:
        remaining = f"EXHAUSTED ({remaining})"
    rate = entry["current_burn_rate"]
    burn = "no data" if rate is None else f"{rate:.2f}x"
    state = entry["alert"]["state"]
    alert = {"page": "PAGE", "ticket": "ticket", "ok": "ok", "no_data": "NO DATA"}[state]
    policy = entry["policy"]["state"]
    policy = policy.upper() if policy == "freeze" else policy
    return SummaryRow(
        entry["service"], slo_name, sli, objective_text, remaining, burn, alert, policy, _sla_cell(entry, sla)
    )


def _top_consumers(entry: dict[str, Any]) -> str:
    """The largest share in each dimension, for SLOs the policy does not call ok."""
    if entry.get("objective_percent") is None or entry["policy"]["state"] in ("ok", "no_data"):
        return ""
    if not entry["attribution"]:  # timeslice methods: nothing attributed
        return ""
    parts: list[str] = []
    for dimension in ("dependency", "component", "status", "day", "hour"):
        shares = entry["attribution"].get(dimension, {}).get("shares", [])
        top = [s for s in shares if s["key"] != "other hours" and s["share"] >= NOTABLE_SHARE][:1]
        parts.extend(f"{dimension} {s['key']} {s['share']:.0%}" for s in top)
    if not parts:
        return f"a steady burn: no day or hour took {NOTABLE_SHARE:.0%} or more of it"
    return "budget went to " + ", ".join(parts)


def rows(artifacts: dict[Stage, dict[str, Any]]) -> list[SummaryRow]:
    budgets = artifacts.get(Stage.BUDGETS)
    if budgets is None:
        return []
    targets = {t["slo"]: t for t in artifacts[Stage.TARGETS]["slos"]}
    sla = artifacts.get(Stage.SLA, {})
    return [_row(entry, targets[entry["slo"]], sla) for entry in budgets["slos"]]


def notes(artifacts: dict[Stage, dict[str, Any]]) -> list[str]:
    """Lines under the table: data gaps, what was read and skipped, hooks."""
    lines = []
    for entry in artifacts.get(Stage.BUDGETS, {}).get("slos", []):
        if entry.get("objective_percent") is not None and entry["hours_with_data"] < entry["hours"]:
            lines.append(
                f"* {entry['slo']}: data in {entry['hours_with_data']} of {entry['hours']} "
                f"hours of the {entry['window']} window"
            )
    for entry in artifacts.get(Stage.BUDGETS, {}).get("slos", []):
        consumers = _top_consumers(entry)
        if consumers:
            lines.append(f"{entry['slo']} ({entry['policy']['state']}): {consumers}")
    for source in artifacts[Stage.SLI]["inputs"]:
        if source.get("unavailable"):
            lines.append(f"{source['source']}: UNAVAILABLE, its SLOs are no data: {source['unavailable']}")
            continue
        text = f"{source['source']}: {source['records']:,} records, {source['used']:,} used"
        if source["filtered_out"]:
            text += f", {source['filtered_out']:,} filtered out"
        for key, label in (
            ("before_history", "before the history window"),
            ("after_evaluation_time", "after the evaluation time"),
        ):
            if source[key]:
                text += f", {source[key]:,} {label}"
        if source["skipped_total"]:
            reasons = ", ".join(f"{reason}: {n:,}" for reason, n in source["skipped"].items())
            text += f", {source['skipped_total']:,} skipped ({reasons})"
        lines.append(text)
        lines.extend(
            f"  {e['file']}:{e['line']}: {e['reason']}"
            + (f" in {e['field']}" if e["field"] else "")
            + f": {e['value']}"
            for e in source["skipped_examples"]
        )
    for action in artifacts.get(Stage.SLA, {}).get("actions", []):
        if action["status"] == "dry_run":
            lines.append(
                f"hook {action['hook']} would run for {action['subject']} "
                f"({action['trigger']}); add --execute to run it"
            )
        else:
            lines.append(
                f"hook {action['hook']} for {action['subject']} ({action['trigger']}): "
                f"{action['status']}"
                + (f" ({action['reason_detail'] or action['reason']})" if action.get("reason") else "")
                + (f", exit {action['exit_code']}" if action["exit_code"] is not None else "")
                + (f", HTTP {action['http_status']}" if action.get("http_status") is not None else "")
            )
    return lines


# The words _row writes, and the state each stands for (a terminal colours and marks them).
_ALERT_STATES = {"PAGE": State.PAGE, "ticket": State.TICKET, "ok": State.OK, "NO DATA": State.NO_DATA}
_POLICY_STATES = {"FREEZE": State.FREEZE, "warn": State.WARN, "ok": State.OK, "no_data": State.NO_DATA}


def _budget_state(text: str) -> State | None:
    if text.startswith("EXHAUSTED"):
        return State.EXHAUSTED
    return State.NO_DATA if text == "no data" else None


def _sla_state(text: str) -> State | None:
    if text.startswith("BREACHED"):
        return State.BREACHED
    return {"met": State.MET, "no data": State.NO_DATA}.get(text)


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
                Cell(r.alert, _ALERT_STATES.get(r.alert)),
                Cell(r.policy, _POLICY_STATES.get(r.policy)),
                Cell(r.sla, _sla_state(r.sla)),
            )
            for r in table_rows
        ],
    )


def as_json(table_rows: list[SummaryRow]) -> list[dict[str, str]]:
    return [asdict(r) for r in table_rows]
