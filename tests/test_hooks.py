"""Hook commands: argv lists, the event as JSON on stdin, timeouts, and dry run by default."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from reliability.actions.command import run_action
from reliability.config.model import Hook, Origin, Trigger
from reliability.stages.hooks import PlannedAction, plan


def action(command: list[str], timeout: float = 10, tmp: Path | None = None) -> PlannedAction:
    hook = Hook("h", (Trigger.PAGE,), tuple(command), timeout, Origin(str(tmp or Path.cwd()) + "/c.yaml", 1))
    event = {"trigger": "page", "slo": "web/api", "evaluated_at": "2026-11-05T12:00:00Z", "action_id": "x"}
    return PlannedAction("x", hook, Trigger.PAGE, "web/api", event)


def test_dry_run_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    outcome = run_action(action([sys.executable, "-c", f"open({str(marker)!r}, 'w')"]), execute=False)
    assert outcome.status == "dry_run"
    assert not marker.exists()


def test_command_receives_exactly_the_event_json(tmp_path: Path) -> None:
    received = tmp_path / "event.json"
    script = f"import sys; open({str(received)!r}, 'w').write(sys.stdin.read())"
    planned = action([sys.executable, "-c", script])
    outcome = run_action(planned, execute=True)
    assert outcome.status == "succeeded" and outcome.exit_code == 0
    assert json.loads(received.read_text()) == planned.event


def test_arguments_are_not_interpreted_by_a_shell(tmp_path: Path) -> None:
    outcome = run_action(
        action([sys.executable, "-c", "import sys; print(sys.argv[1])", "$(id); `id`"]), execute=True
    )
    assert outcome.stdout_tail.strip() == "$(id); `id`"


def test_failure_timeout_and_missing_program() -> None:
    failed = run_action(
        action([sys.executable, "-c", "import sys; sys.stderr.write('bad'); sys.exit(3)"]), execute=True
    )
    assert (failed.status, failed.exit_code, failed.stderr_tail) == ("failed", 3, "bad")
    slow = run_action(
        action([sys.executable, "-c", "import threading; threading.Event().wait()"], timeout=0.5), execute=True
    )
    assert slow.status == "timed_out"
    assert slow.duration_seconds is not None and slow.duration_seconds < 10
    missing = run_action(action(["/nonexistent/program"]), execute=True)
    assert missing.status == "error" and "cannot start" in (missing.error or "")


def budget_entry(state: str, exhausted: bool, service: str = "web") -> dict[str, Any]:
    return {
        "slo": f"{service}/api",
        "service": service,
        "component": "api",
        "objective_percent": 99.9,
        "sli_ratio": 0.99,
        "current_burn_rate": 20.0,
        "current_burn_unbounded": False,
        "budget": {"remaining_ratio": -1.0, "exhausted": exhausted},
        "alert": {"state": state, "pairs": []},
    }


def test_plan_matches_triggers_services_and_slos() -> None:
    from reliability.config.model import Config, Settings

    def hook(name: str, triggers: tuple[Trigger, ...], **kw: Any) -> Hook:
        return Hook(name, triggers, ("true",), 1, Origin("c.yaml", 1), **kw)

    config = Config(
        files=(),
        settings=Settings(),
        sources=(),
        components=(),
        slos=(),
        slas=(),
        hooks=(
            hook("pager", (Trigger.PAGE,)),
            hook("web-only", (Trigger.BUDGET_EXHAUSTED,), services=("web",)),
            hook("other-slo", (Trigger.PAGE,), slos=("db/api",)),
            hook("silence", (Trigger.NO_DATA,)),
        ),
    )
    budgets = {
        "slos": [
            budget_entry("page", True),
            budget_entry("ok", True, service="db"),
            budget_entry("no_data", False, service="cache"),
        ]
    }
    sla = {"slas": []}
    planned = plan(config, budgets, sla, "2026-11-05T12:00:00Z")
    assert sorted((a.hook.name, a.subject, a.trigger.value) for a in planned) == [
        ("pager", "web/api", "page"),
        ("silence", "cache/api", "no_data"),
        ("web-only", "web/api", "budget_exhausted"),
    ]
    assert len({a.id for a in planned}) == 3
