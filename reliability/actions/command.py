"""Run a hook's command: an argv list (never a shell), the event as JSON on stdin, a timeout, only
the environment it is given plus RELIABILITY_SUBJECT and RELIABILITY_SLOS (every affected SLO).

Also the Outcome of any action and its record in sla-compliance.json, shared with webhooks.
"""

from __future__ import annotations

import json
import os
import time
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from reliability.actions.process import TailBuffer, run_bounded
from reliability.artifacts.sla_compliance import ActionRecord, SloEvent, WebhookTarget
from reliability.config.model import Hook
from reliability.stages.hooks import PlannedAction

TAIL_CHARS = 2000  # of each output stream, in the record
# What a command gets of reliability's own environment besides its `env` and `pass_env`: enough to
# find programs and read text, nothing that could hold a secret.
BASE_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "TZ")
# set by incident_environment
INCIDENT_ENVIRONMENT = ("RELIABILITY_SUBJECT", "RELIABILITY_SLOS", "RELIABILITY_SEVERITY")
LABEL_PREFIX = "RELIABILITY_LABEL_"  # + a label name as configured: the first SLO's labels


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


def output_tail(captured: TailBuffer, limit: int = TAIL_CHARS) -> str:
    """The end of a command's output in at most `limit` characters; when earlier output was left
    out, a first line says how many bytes."""
    text = captured.kept.decode("utf-8", errors="surrogateescape")  # one character per bad byte
    if not captured.dropped_bytes and len(text) <= limit:
        return _readable(text)
    total = captured.dropped_bytes + len(captured.kept)
    room = limit - len(_dropped_note(total))  # the note is never longer than with every byte dropped
    shown = text[-room:]
    dropped = total - len(shown.encode("utf-8", errors="surrogateescape"))
    return _dropped_note(dropped) + _readable(shown)


def _dropped_note(dropped_bytes: int) -> str:
    return f"[{dropped_bytes} earlier bytes left out]\n"


def _readable(text: str) -> str:
    return text.encode("utf-8", errors="surrogateescape").decode("utf-8", errors="replace")


def event_bytes(action: PlannedAction) -> bytes:
    """The event as a hook receives it: a command on stdin, a webhook as its body."""
    return json.dumps(action.event.to_json(), sort_keys=True).encode()


def command_environment(hook: Hook, parent: Mapping[str, str]) -> dict[str, str]:
    """BASE_ENVIRONMENT and the hook's pass_env taken from `parent` where set, then the hook's env."""
    passed = {name: parent[name] for name in (*BASE_ENVIRONMENT, *hook.pass_env) if name in parent}
    return passed | dict(hook.env)


def incident_environment(action: PlannedAction) -> dict[str, str]:
    """RELIABILITY_SUBJECT (component or SLA id), RELIABILITY_SEVERITY (the event's severity name) and,
    for an SLO incident, RELIABILITY_SLOS: the ids of every affected SLO, comma-separated, and
    RELIABILITY_LABEL_<name> for each label of the first; they override the hook's env of the same name."""
    subject, slos, severity = INCIDENT_ENVIRONMENT
    variables = {subject: action.subject}
    if action.event.severity:
        variables[severity] = action.event.severity
    if isinstance(action.event, SloEvent):
        variables[slos] = ",".join(item.slo for item in action.event.slos)
        variables |= {LABEL_PREFIX + name: value for name, value in (action.event.labels or {}).items()}
    return variables


def config_folder(hook: Hook) -> Path:
    return Path(hook.origin.file).parent.absolute()


def resolved_argv(hook: Hook) -> list[str]:
    """A relative program path (./restart.sh, scripts/restart) is taken from the config file's folder,
    as `cwd` is; a bare name is looked up on PATH."""
    program, *arguments = hook.command
    if "/" in program and not Path(program).is_absolute():
        program = str(config_folder(hook) / program)
    return [program, *arguments]


def run_action(action: PlannedAction, *, execute: bool) -> Outcome:
    if not execute:
        return Outcome("dry_run")
    hook = action.hook
    if not hook.command:
        return Outcome("error", duration_seconds=0.0, error=f"hook {hook.name} has no command to run")
    started = time.monotonic()
    try:
        finished = run_bounded(
            resolved_argv(hook),
            event_bytes(action),
            cwd=(config_folder(hook) / hook.cwd) if hook.cwd else None,
            env=command_environment(hook, os.environ) | incident_environment(action),
            timeout_seconds=hook.timeout_seconds,
        )
    except OSError as exc:
        return Outcome("error", None, time.monotonic() - started, error=f"cannot start: {exc}", attempts=1)
    elapsed = time.monotonic() - started
    stdout, stderr = output_tail(finished.stdout), output_tail(finished.stderr)
    if finished.timed_out:
        error = f"killed after {hook.timeout_seconds:g}s, with every process it started"
        return Outcome("timed_out", None, elapsed, stdout, stderr, error, attempts=1)
    status = "succeeded" if finished.exit_code == 0 else "failed"
    return Outcome(status, finished.exit_code, elapsed, stdout, stderr, attempts=1)


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
    webhook, alertmanager = action.hook.webhook, action.hook.alertmanager
    kind, target = "command", None
    if webhook is not None:
        kind, target = "webhook", WebhookTarget(webhook_target(webhook.url), webhook.format.value)
    elif alertmanager is not None:
        kind, target = "alertmanager", WebhookTarget(webhook_target(alertmanager.url), "alertmanager_api")
    return ActionRecord(
        id=action.id,
        hook=action.hook.name,
        trigger=action.trigger.value,
        subject=action.subject,
        kind=kind,
        command=action.hook.command if kind == "command" else None,
        webhook=target,
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
