"""Run a hook's command: an argv list (never a shell), the event as JSON on stdin, a timeout.

Also the Outcome of any action and its record in sla-compliance.json, shared with webhooks.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from reliability.artifacts.sla_compliance import ActionRecord, WebhookTarget
from reliability.stages.hooks import PlannedAction

TAIL_CHARS = 2000


@dataclass(frozen=True)
class Outcome:
    """How one action ended (a command's or a webhook's)."""

    status: str  # dry_run | pending | skipped | succeeded | failed | timed_out | error
    exit_code: int | None = None  # command
    duration_seconds: float | None = None
    stdout_tail: str = ""
    stderr_tail: str = ""
    error: str | None = None
    http_status: int | None = None  # webhook: status of the last response
    attempts: int = 0  # tries made; 0 when nothing ran
    response_tail: str = ""  # webhook: the end of the last response body


def tail(data: bytes | str | None) -> str:
    if data is None:
        return ""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    return text[-TAIL_CHARS:]


def event_bytes(action: PlannedAction) -> bytes:
    """The event as a hook receives it: a command on stdin, a webhook as its body."""
    return json.dumps(action.event.to_json(), sort_keys=True).encode()


def run_action(action: PlannedAction, *, execute: bool) -> Outcome:
    if not execute:
        return Outcome("dry_run")
    hook = action.hook
    if not hook.command:
        return Outcome("error", duration_seconds=0.0, error=f"hook {hook.name} has no command to run")
    base = Path(hook.origin.file).parent
    cwd = (base / hook.cwd) if hook.cwd else None
    env = os.environ | dict(hook.env)
    started = time.monotonic()
    try:
        done = subprocess.run(
            list(hook.command),
            input=event_bytes(action),
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
            tail(exc.stdout),
            tail(exc.stderr),
            f"killed after {hook.timeout_seconds:g}s",
            attempts=1,
        )
    except OSError as exc:
        return Outcome("error", None, time.monotonic() - started, error=f"cannot start: {exc}", attempts=1)
    return Outcome(
        "succeeded" if done.returncode == 0 else "failed",
        done.returncode,
        time.monotonic() - started,
        tail(done.stdout),
        tail(done.stderr),
        attempts=1,
    )


def webhook_target(url: str) -> str:
    """scheme://host[:port] of a webhook URL: paths and queries often carry tokens (Slack, Teams)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")


def outcome_record(
    action: PlannedAction, outcome: Outcome, reason: str | None = None, reason_detail: str | None = None
) -> ActionRecord:
    """One entry of sla-compliance.json's `actions`; reason: why it was skipped or is pending."""
    webhook = action.hook.webhook
    return ActionRecord(
        id=action.id,
        hook=action.hook.name,
        trigger=action.trigger.value,
        subject=action.subject,
        kind="command" if webhook is None else "webhook",
        command=action.hook.command if webhook is None else None,
        webhook=None if webhook is None else WebhookTarget(webhook_target(webhook.url), webhook.format.value),
        event=action.event,
        confidence=action.confidence.value,
        confidence_basis=action.confidence.basis,
        status=outcome.status,
        reason=reason,
        reason_detail=reason_detail,
        exit_code=outcome.exit_code,
        http_status=outcome.http_status,
        attempts=outcome.attempts,
        duration_seconds=outcome.duration_seconds,
        stdout_tail=outcome.stdout_tail,
        stderr_tail=outcome.stderr_tail,
        response_tail=outcome.response_tail,
        error=outcome.error,
    )
