"""Stage 5 (planning): match alerts, silent telemetry, spent budgets and SLA breaches against hooks.

Pure: it decides what would run and with which event. Running it is the job of
reliability.actions, and only with --execute.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from reliability.config.model import Config, Hook, Trigger


@dataclass(frozen=True)
class PlannedAction:
    id: str
    hook: Hook
    trigger: Trigger
    subject: str  # SLO or SLA id
    event: dict[str, Any]  # what the command receives on stdin, as JSON


def _triggers_of_slo(entry: dict[str, Any]) -> Iterator[tuple[Trigger, dict[str, Any]]]:
    if entry.get("objective_percent") is None:
        return
    state = entry["alert"]["state"]
    fired = [p for p in entry["alert"]["pairs"] if p["status"] == "firing"]
    details = {
        "alert_state": state,
        "sli_ratio": entry["sli_ratio"],
        "objective_percent": entry["objective_percent"],
        "budget_remaining_ratio": entry["budget"]["remaining_ratio"],
        "current_burn_rate": entry["current_burn_rate"],
        "current_burn_unbounded": entry["current_burn_unbounded"],
        "fired_pairs": fired,
    }
    if state in (Trigger.PAGE, Trigger.TICKET, Trigger.NO_DATA):
        yield Trigger(state), details
    if entry["budget"]["exhausted"]:
        yield Trigger.BUDGET_EXHAUSTED, details


def _matches(hook: Hook, trigger: Trigger, service: str, slo: str | None) -> bool:
    if trigger not in hook.triggers:
        return False
    if hook.services and service not in hook.services:
        return False
    return not hook.slos or slo in hook.slos


def _action(hook: Hook, trigger: Trigger, subject: str, event: dict[str, Any]) -> PlannedAction:
    key = f"{hook.name}|{trigger}|{subject}|{event['evaluated_at']}"
    action_id = hashlib.sha256(key.encode()).hexdigest()[:12]
    return PlannedAction(action_id, hook, trigger, subject, event | {"action_id": action_id})


def plan(
    config: Config, budgets: dict[str, Any], sla: dict[str, Any], evaluated_at: str
) -> list[PlannedAction]:
    actions = []
    for entry in budgets["slos"]:
        for trigger, details in _triggers_of_slo(entry):
            for hook in config.hooks:
                if _matches(hook, trigger, entry["service"], entry["slo"]):
                    event = {
                        "trigger": trigger.value,
                        "hook": hook.name,
                        "service": entry["service"],
                        "component": entry["component"],
                        "slo": entry["slo"],
                        "evaluated_at": evaluated_at,
                        "details": details,
                    }
                    actions.append(_action(hook, trigger, entry["slo"], event))
    for item in sla["slas"]:
        if item["status"] != "breached":
            continue
        current = item["periods"][0]
        for hook in config.hooks:
            if _matches(hook, Trigger.SLA_BREACH, item["service"], None):
                event = {
                    "trigger": Trigger.SLA_BREACH.value,
                    "hook": hook.name,
                    "service": item["service"],
                    "component": item["component"],
                    "sla": item["sla"],
                    "evaluated_at": evaluated_at,
                    "details": {
                        "target_percent": item["target_percent"],
                        "attained_percent": current["attained_percent"],
                        "credit_percent": current["credit_percent"],
                        "month": current["month"],
                    },
                }
                actions.append(_action(hook, Trigger.SLA_BREACH, item["sla"], event))
    return actions
