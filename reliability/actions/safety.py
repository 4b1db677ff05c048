"""Which planned actions may run: a pure decision over the plan, the config and the ledger's memory.

Each action runs, is skipped with a reason, or is left pending for a person. The checks, in order:
- low_confidence: the trigger's confidence is below the hook's min_confidence;
- cooldown: the same hook, trigger and subject fired less than the hook's cooldown ago, counted in
  evaluation time across runs (a fire at or after this evaluation time, a rerun, holds it back too);
- pending: the hook has `approval: required` or `destructive: true`, so it never runs by itself;
- max_actions: more than settings.max_actions_per_run would run; the first ones in plan order run.
A skipped action does not ask for approval, and pending ones do not count toward the cap.

The ledger view's `last_fired` should give the evaluation time of the latest action of that hook,
trigger and subject that ran (succeeded, failed, timed_out, error) or went pending: a failed
restart must not be retried every minute, and a dry run or a skip fired nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from reliability.config.model import Config
from reliability.stages.hooks import PlannedAction
from reliability.timefmt import parse_rfc3339


class LedgerView(Protocol):
    """What safety needs to remember of earlier runs; the run ledger provides it."""

    def last_fired(self, hook: str, trigger: str, subject: str) -> str | None:
        """RFC 3339 evaluation time of the latest fire of this hook, trigger and subject; None if never."""
        ...


class Verdict(StrEnum):
    RUN = "run"
    SKIP = "skip"
    PENDING = "pending"


class Reason(StrEnum):
    LOW_CONFIDENCE = "low_confidence"
    COOLDOWN = "cooldown"
    MAX_ACTIONS = "max_actions"
    APPROVAL_REQUIRED = "approval_required"
    DESTRUCTIVE = "destructive"


@dataclass(frozen=True)
class Decision:
    action: PlannedAction
    verdict: Verdict
    reason: Reason | None = None
    detail: str | None = None


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g}m"


def _cooldown(action: PlannedAction, ledger: LedgerView, now: float) -> Decision | None:
    hook = action.hook
    if hook.cooldown_seconds <= 0:
        return None
    last = ledger.last_fired(hook.name, action.trigger.value, action.subject)
    if last is None:
        return None
    elapsed = now - parse_rfc3339(last).timestamp()
    if elapsed >= hook.cooldown_seconds:
        return None
    detail = f"fired at {last}, within the {_minutes(hook.cooldown_seconds)} cooldown"
    return Decision(action, Verdict.SKIP, Reason.COOLDOWN, detail)


def _hold_back(action: PlannedAction, ledger: LedgerView, now: float) -> Decision | None:
    """Skip or pending for one action on its own, before the per-run cap."""
    hook = action.hook
    if action.confidence.value < hook.min_confidence:
        confidence = action.confidence
        detail = f"confidence {confidence.value:.2f} < {hook.min_confidence:g} ({confidence.basis})"
        return Decision(action, Verdict.SKIP, Reason.LOW_CONFIDENCE, detail)
    cooling = _cooldown(action, ledger, now)
    if cooling is not None:
        return cooling
    if hook.approval_required:
        return Decision(
            action, Verdict.PENDING, Reason.APPROVAL_REQUIRED, "approval: required; waits for a person"
        )
    if hook.destructive:
        return Decision(action, Verdict.PENDING, Reason.DESTRUCTIVE, "destructive: true; waits for a person")
    return None


def decide(
    actions: Sequence[PlannedAction], config: Config, ledger: LedgerView, evaluated_at: str
) -> list[Decision]:
    """One decision per planned action, in the same order."""
    now = parse_rfc3339(evaluated_at).timestamp()
    cap = config.settings.max_actions_per_run
    decisions = []
    running = 0
    for action in actions:
        held = _hold_back(action, ledger, now)
        if held is not None:
            decisions.append(held)
        elif running >= cap:
            detail = f"{cap} actions already run in this evaluation (settings.max_actions_per_run)"
            decisions.append(Decision(action, Verdict.SKIP, Reason.MAX_ACTIONS, detail))
        else:
            running += 1
            decisions.append(Decision(action, Verdict.RUN))
    return decisions


class NoHistory:
    """The ledger view of a run without a ledger: nothing fired before, so no cooldown holds."""

    def last_fired(self, hook: str, trigger: str, subject: str) -> str | None:
        return None
