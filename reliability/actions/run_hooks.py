"""One evaluation's hook actions: plan them, let safety decide, run (with execute) those allowed.

A failing, hanging or crashing action never stops the pipeline: each is bounded by its hook's
timeout and anything it raises is recorded as that action's error. Each record goes to the journal
(the run ledger) as soon as it is decided, and a command's as `running` before it starts: a run
that fails or dies afterwards cannot make the action run again within its cooldown.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from reliability.actions import command
from reliability.actions.command import Outcome, outcome_record
from reliability.actions.safety import Decision, LedgerView, Verdict, decide
from reliability.artifacts.error_budgets import ErrorBudgets
from reliability.artifacts.sla_compliance import ActionRecord, SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.config.model import Config
from reliability.stages import hooks
from reliability.stages.hooks import PlannedAction

_NOT_RUN = {Verdict.SKIP: "skipped", Verdict.PENDING: "pending"}
RUNNING = Outcome("running")  # in the ledger only, while a command runs: never in an artifact

Journal = Callable[[ActionRecord], None]  # keeps a record for good, before the caller goes on


def keep_nothing(record: ActionRecord) -> None:
    """The journal of a run without a ledger."""


def run_one(action: PlannedAction, *, execute: bool) -> Outcome:
    """Run one action its hook's way (dry_run unless execute); never raises."""
    started = time.monotonic()
    try:
        # The HTTP senders load http.client and ssl: only a run with such a hook to carry out needs them.
        if action.hook.webhook is not None:
            from reliability.actions import webhook

            return webhook.send(action, execute=execute)
        if action.hook.alertmanager is not None:
            from reliability.actions import alertmanager

            return alertmanager.send(action, execute=execute)
        return command.run_action(action, execute=execute)
    except Exception as exc:  # a bug in one action must not cost the run or the other actions
        problem = f"internal error: {type(exc).__name__}: {exc}"
        return Outcome("error", duration_seconds=time.monotonic() - started, error=problem)


def record(decision: Decision, *, execute: bool, journal: Journal = keep_nothing) -> ActionRecord:
    """Carry out one decision and describe it as an entry of sla-compliance.json's `actions`."""
    reason = None if decision.reason is None else decision.reason.value
    if decision.verdict is Verdict.RUN:
        if execute:
            journal(outcome_record(decision.action, RUNNING, reason, decision.detail))
        outcome = run_one(decision.action, execute=execute)
    else:
        outcome = Outcome(_NOT_RUN[decision.verdict])
    done = outcome_record(decision.action, outcome, reason, decision.detail)
    journal(done)
    return done


def plan_and_run(
    config: Config,
    budgets: ErrorBudgets,
    sla: SlaCompliance,
    evaluated_at: str,
    previous_alert_states: Mapping[str, str],
    ledger_view: LedgerView,
    execute: bool,
    *,
    sli_metrics: SliMetrics | None,
    journal: Journal = keep_nothing,
) -> list[ActionRecord]:
    """The action records of this evaluation, in plan order (SLOs, then SLAs), one at a time.

    previous_alert_states: SLO id -> its alert state in the previous run (recovery needs it).
    ledger_view: what earlier runs fired (cooldown needs it). sli_metrics: the SLI artifact
    (sla_breach_projected needs the SLA's SLI over the last 1h and 1d). journal: told each record
    as it is made.
    """
    planned = hooks.plan(config, budgets, sla, evaluated_at, previous_alert_states, sli_metrics)
    decisions = decide(planned, config, ledger_view, evaluated_at)
    return [record(decision, execute=execute, journal=journal) for decision in decisions]
