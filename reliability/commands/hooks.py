"""`reliability hooks list | approve ID | reject ID`: the actions kept in the ledger, and human decisions.

An action held as `pending` (its hook has `approval: required` or `destructive: true`) runs only
when someone approves it here: the hook is taken from the current configuration and receives
the event that was recorded when the action was planned.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from reliability.actions.command import Outcome, outcome_record
from reliability.actions.run_hooks import RUNNING, run_one
from reliability.artifacts.codec import decode
from reliability.artifacts.sla_compliance import HookEvent
from reliability.commands.shared import reporting_errors
from reliability.config import load_config
from reliability.config.model import Trigger
from reliability.errors import ReliabilityError
from reliability.ledger import LEDGER_FILE, Ledger
from reliability.stages.hooks import Confidence, PlannedAction
from reliability.terminal.options import FormatOption
from reliability.terminal.output import OutputFormat, echo_json
from reliability.terminal.table import Table, render_markdown

DEFAULT_LEDGER = Path("generated") / LEDGER_FILE
LedgerOption = Annotated[Path, typer.Option("--ledger", help="The run ledger (SQLite).")]


def _open(path: Path) -> Ledger:
    if not path.exists():
        raise ReliabilityError(f"{path}: no ledger here (run `reliability run` first, or give --ledger)")
    return Ledger.open(path, create=False)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _line(action: dict[str, Any]) -> str:
    reason = f" ({action['reason']})" if action.get("reason") else ""
    return (
        f"{action['id']}  {action['status']:<9} {action['hook']} for {action['subject']} "
        f"({action['trigger']}) at {action['evaluated_at']}{reason}"
    )


def _markdown(actions: list[dict[str, Any]]) -> str:
    headers = ("ID", "STATUS", "HOOK", "SUBJECT", "TRIGGER", "EVALUATED AT", "REASON")
    fields = ("id", "status", "hook", "subject", "trigger", "evaluated_at", "reason")
    return render_markdown(Table(headers, [tuple(str(a.get(f) or "") for f in fields) for a in actions]))


def _replay(action: dict[str, Any], config_path: Path) -> PlannedAction:
    """The recorded action, with its hook as the configuration defines it now."""
    config = load_config(config_path)
    hook = config.index.hooks.get(action["hook"])
    if hook is None:
        raise ReliabilityError(f"hook {action['hook']!r} is no longer in {config_path}")
    outcome = action["outcome"]
    confidence = Confidence(outcome.get("confidence", 1.0), outcome.get("confidence_basis", "recorded"))
    event = decode(HookEvent, outcome["event"])
    return PlannedAction(action["id"], hook, Trigger(action["trigger"]), action["subject"], event, confidence)


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    """How the approved action ended: counts in _total, durations in _seconds."""
    found = asdict(outcome)
    found["attempts_total"] = found.pop("attempts")
    return found


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Hook actions in the ledger: list them, approve or reject pending ones.")

    @group.command("list")
    def list_actions(
        ledger: LedgerOption = DEFAULT_LEDGER,
        status: Annotated[str | None, typer.Option(help="Only actions with this status.")] = None,
        limit: Annotated[int, typer.Option(help="How many of the latest actions.")] = 50,
        output: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Pending, run, failed and skipped actions, newest first, with the reason."""
        with reporting_errors(False), _open(ledger) as book:
            found = [a for a in book.list_actions(limit) if status is None or a["status"] == status]
            if output is OutputFormat.JSON:
                echo_json(found)
                return
            if output is OutputFormat.MARKDOWN:
                typer.echo(_markdown(found) if found else "- no actions")
                return
            for action in found:
                typer.echo(_line(action))
            if not found:
                typer.echo("no actions")

    @group.command("approve")
    def approve(
        action_id: Annotated[str, typer.Argument(help="The id shown by `reliability hooks list`.")],
        config: Annotated[Path, typer.Option(help="Configuration defining the hook.")] = Path("config"),
        ledger: LedgerOption = DEFAULT_LEDGER,
        output: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Approve a pending action and run it now; exit 1 when the action fails."""
        with reporting_errors(False), _open(ledger) as book:
            pending = book.get_action(action_id)
            if pending is None or pending["status"] != "pending":
                state = "unknown" if pending is None else pending["status"]
                raise ReliabilityError(f"action {action_id} is not pending ({state})")
            planned = _replay(pending, config)
            book.decide_action(action_id, "approved", _now())
            book.record_action(pending["run_row"], outcome_record(planned, RUNNING, "approved").to_json())
            outcome = run_one(planned, execute=True)
            book.record_action(pending["run_row"], outcome_record(planned, outcome, "approved").to_json())
            if output is OutputFormat.JSON:
                echo_json({"action": action_id, "decision": "approved"} | _outcome_json(outcome))
            else:
                typer.echo(
                    f"approved {action_id}: {outcome.status}"
                    + (f" ({outcome.error})" if outcome.error else "")
                )
            if outcome.status != "succeeded":
                raise typer.Exit(1)

    @group.command("reject")
    def reject(
        action_id: Annotated[str, typer.Argument(help="The id shown by `reliability hooks list`.")],
        ledger: LedgerOption = DEFAULT_LEDGER,
        output: FormatOption = OutputFormat.TABLE,
    ) -> None:
        """Reject a pending action: it will not run."""
        with reporting_errors(False), _open(ledger) as book:
            book.decide_action(action_id, "rejected", _now())
            if output is OutputFormat.JSON:
                echo_json({"action": action_id, "decision": "rejected"})
            else:
                typer.echo(f"rejected {action_id}")

    app.add_typer(group, name="hooks")
