"""Run a hook's command: an argv list (never a shell), the event as JSON on stdin, a timeout."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.stages.hooks import PlannedAction

TAIL_CHARS = 2000


@dataclass(frozen=True)
class Outcome:
    status: str  # dry_run | succeeded | failed | timed_out | error
    exit_code: int | None = None
    duration_seconds: float | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    error: str | None = None


def _tail(data: bytes | str | None) -> str:
    if data is None:
        return ""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text[-TAIL_CHARS:]


def run_action(action: PlannedAction, *, execute: bool) -> Outcome:
    if not execute:
        return Outcome("dry_run")
    hook = action.hook
    base = Path(hook.origin.file).parent
    cwd = (base / hook.cwd) if hook.cwd else None
    env = os.environ | dict(hook.env)
    payload = json.dumps(action.event, sort_keys=True).encode()
    started = time.monotonic()
    try:
        done = subprocess.run(
            list(hook.command),
            input=payload,
            capture_output=True,
            cwd=cwd,
            env=env,
            timeout=hook.timeout_seconds,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        return Outcome(
            "timed_out",
            None,
            time.monotonic() - started,
            _tail(exc.stdout),
            _tail(exc.stderr),
            f"killed after {hook.timeout_seconds:g}s",
        )
    except OSError as exc:
        return Outcome("error", None, time.monotonic() - started, error=f"cannot start: {exc}")
    return Outcome(
        "succeeded" if done.returncode == 0 else "failed",
        done.returncode,
        time.monotonic() - started,
        _tail(done.stdout),
        _tail(done.stderr),
    )


def outcome_record(action: PlannedAction, outcome: Outcome) -> dict[str, Any]:
    return {
        "id": action.id,
        "hook": action.hook.name,
        "trigger": action.trigger.value,
        "subject": action.subject,
        "command": list(action.hook.command),
        "event": action.event,
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "duration_seconds": outcome.duration_seconds,
        "stdout_tail": outcome.stdout_tail,
        "stderr_tail": outcome.stderr_tail,
        "error": outcome.error,
    }
