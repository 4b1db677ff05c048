"""POST a hook's event to a webhook: signed, bounded by the hook's timeout, retried on 5xx and I/O errors.

The body is the event JSON (exactly what a command gets on stdin) or, with `format: alertmanager`,
Alertmanager's webhook payload (version 4) so existing receivers work. Every request carries
`X-Reliability-Signature: sha256=<hex>`, the HMAC-SHA256 of the exact body bytes under the secret
in the environment variable `secret_env` (unset: the action errors and nothing is sent unsigned),
and `X-Reliability-Timestamp` (Unix seconds of the send). The signature covers the body only: a
receiver that wants replay protection checks the body's action_id and evaluated_at.

Retries: after a 5xx or a connection error, waiting 0.5s, 1s, 2s, ...; never after a 4xx (the
request itself is wrong) nor a redirect (the signed body is meant for this URL only). The hook's
timeout bounds the whole action, retries and waits included.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import os
import socket
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reliability import __version__
from reliability.actions.command import Outcome, event_bytes, tail
from reliability.artifacts.sla_compliance import ProjectedSlaEventDetails, SlaEvent, SloEvent
from reliability.config.model import Trigger, WebhookFormat, WebhookSpec
from reliability.render.numbers import percent
from reliability.stages.hooks import PlannedAction
from reliability.timefmt import format_rfc3339

SIGNATURE_HEADER = "X-Reliability-Signature"
TIMESTAMP_HEADER = "X-Reliability-Timestamp"
ACTION_ID_HEADER = "X-Reliability-Action-Id"
FIRST_BACKOFF_SECONDS = 0.5
RESPONSE_READ_LIMIT = 64 * 1024  # only the tail of a response is kept
READ_CHUNK = 8192
MIN_SOCKET_TIMEOUT = 0.001  # a socket timeout of 0 would mean non-blocking, not "no time left"


@dataclass(frozen=True)
class Clocks:
    """Time as the webhook sees it; injected so tests neither wait nor depend on the clock."""

    monotonic: Callable[[], float] = time.monotonic
    wall: Callable[[], float] = time.time
    sleep: Callable[[float], None] = time.sleep


def sign(secret: bytes, body: bytes) -> str:
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


# --- Alertmanager's webhook payload


_ALERT_NAMES = {
    Trigger.PAGE: "SLOErrorBudgetBurnPage",
    Trigger.TICKET: "SLOErrorBudgetBurnTicket",
    Trigger.BUDGET_EXHAUSTED: "SLOErrorBudgetExhausted",
    Trigger.BUDGET_BELOW: "SLOErrorBudgetLow",
    Trigger.NO_DATA: "SLONoData",
    Trigger.SLA_BREACH: "SLABreach",
    Trigger.SLA_BREACH_PROJECTED: "SLABreachProjected",
}
UNKNOWN = "unknown"  # a budget an alert message cannot state
ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of an alert still firing


def fingerprint(labels: dict[str, str]) -> str:
    """Prometheus' label set fingerprint: FNV-1a 64 over sorted names and values, 0xff-separated."""
    value = 0xCBF29CE484222325
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in (*part.encode(), 0xFF):
                value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def _alert_identity(action: PlannedAction) -> tuple[str, str]:
    """Alert name and severity; a recovery resolves the alert of the state it left."""
    trigger, event = action.trigger, action.event
    if trigger is Trigger.RECOVERY:
        # planning fires recovery only on an SLO that left page or ticket
        assert isinstance(event, SloEvent) and event.details.previous_alert_state is not None
        trigger = Trigger(event.details.previous_alert_state)
    return _ALERT_NAMES[trigger], "page" if trigger is Trigger.PAGE else "ticket"


def _slo_summary(trigger: Trigger, subject: str, event: SloEvent) -> str:
    details = event.details
    match trigger:
        case Trigger.PAGE | Trigger.TICKET:
            rate = details.current_burn_rate
            pace = "unbounded" if details.current_burn_unbounded else f"{rate or 0:.2f}x"
            return f"{subject} burns its error budget fast ({trigger}, 1h burn rate {pace})"
        case Trigger.BUDGET_EXHAUSTED:
            left = percent(details.budget_remaining_ratio, 1, UNKNOWN)
            return f"{subject} has spent its error budget ({left} left)"
        case Trigger.BUDGET_BELOW:
            left = percent(details.budget_remaining_ratio, 1, UNKNOWN)
            threshold = percent(details.budget_below, 1, UNKNOWN)
            return f"{subject} has {left} of its error budget left, below {threshold}"
        case Trigger.NO_DATA:
            return f"{subject} has no data: its telemetry went silent"
    return f"{subject} recovered: {details.previous_alert_state} -> ok"


def _sla_summary(subject: str, event: SlaEvent) -> str:
    details = event.details
    if isinstance(details, ProjectedSlaEventDetails):  # sla_breach_projected
        projected, target = details.projected_percent, details.target_percent
        return f"{subject} would end the month at {projected:.3f}% < {target}%"
    attained, target = details.attained_percent, details.target_percent
    return f"{subject} is breached this month: {attained:.3f}% < {target}%"


def _summary(action: PlannedAction) -> str:
    event = action.event
    if isinstance(event, SlaEvent):
        return _sla_summary(action.subject, event)
    return _slo_summary(action.trigger, action.subject, event)


def alertmanager_payload(action: PlannedAction, spec: WebhookSpec) -> dict[str, Any]:
    """Alertmanager's webhook payload (version 4) with one alert for this action."""
    event = action.event
    evaluated_at = format_rfc3339(event.evaluated_at)
    name, severity = _alert_identity(action)
    subject_label = "sla" if isinstance(event, SlaEvent) else "slo"
    labels = {
        "alertname": name,
        "severity": severity,
        "service": event.service,
        "component": event.component,
        subject_label: action.subject,
    }
    annotations = {
        "summary": _summary(action),
        "description": f"hook {action.hook.name}, trigger {action.trigger.value}, "
        f"evaluated at {evaluated_at}; confidence {action.confidence.value:.2f} "
        f"({action.confidence.basis})",
        "action_id": action.id,
    }
    resolved = action.trigger is Trigger.RECOVERY
    status = "resolved" if resolved else "firing"
    group_labels = {"alertname": name, subject_label: action.subject}
    group_key = "{}:{" + ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(group_labels.items())) + "}"
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": spec.receiver or action.hook.name,
        "groupLabels": group_labels,
        "commonLabels": labels,
        "commonAnnotations": annotations,
        "externalURL": spec.external_url,
        "alerts": [
            {
                "status": status,
                "labels": labels,
                "annotations": annotations,
                "startsAt": evaluated_at,
                "endsAt": evaluated_at if resolved else ZERO_TIME,
                "generatorURL": spec.external_url,
                "fingerprint": fingerprint(labels),
            }
        ],
    }


def request_body(action: PlannedAction, spec: WebhookSpec) -> bytes:
    if spec.format is WebhookFormat.ALERTMANAGER:
        return json.dumps(alertmanager_payload(action, spec), sort_keys=True).encode()
    return event_bytes(action)


# --- sending


class _Deadline:
    def __init__(self, seconds: float, clocks: Clocks) -> None:
        self.clocks = clocks
        self.at = clocks.monotonic() + seconds

    def remaining(self) -> float:
        return self.at - self.clocks.monotonic()


def _read_body(response: http.client.HTTPResponse, sock: socket.socket, deadline: _Deadline) -> bytes:
    """Up to RESPONSE_READ_LIMIT bytes, each read bounded by what is left of the deadline.

    A body cut short by the deadline is kept as it is: the status has arrived, and retrying a
    delivered request would deliver it twice.
    """
    data = b""
    while len(data) < RESPONSE_READ_LIMIT and deadline.remaining() > 0:
        sock.settimeout(max(deadline.remaining(), MIN_SOCKET_TIMEOUT))
        try:
            chunk = response.read1(READ_CHUNK)
        except (OSError, http.client.HTTPException):
            break
        if not chunk:
            break
        data += chunk
    return data


def _post_once(url: str, body: bytes, headers: dict[str, str], deadline: _Deadline) -> tuple[int, bytes]:
    parts = urllib.parse.urlsplit(url)
    connection_type = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = connection_type(
        parts.hostname or "", parts.port, timeout=max(deadline.remaining(), MIN_SOCKET_TIMEOUT)
    )
    try:
        connection.connect()
        sock = connection.sock
        assert sock is not None
        path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        connection.request("POST", path, body=body, headers=headers)
        sock.settimeout(max(deadline.remaining(), MIN_SOCKET_TIMEOUT))
        response = connection.getresponse()
        return response.status, _read_body(response, sock, deadline)
    finally:
        connection.close()


def send(action: PlannedAction, *, execute: bool, clocks: Clocks | None = None) -> Outcome:
    """POST the action's body to its hook's webhook; dry_run unless execute."""
    spec = action.hook.webhook
    assert spec is not None, f"hook {action.hook.name} has no webhook"
    if not execute:
        return Outcome("dry_run")
    clocks = clocks or Clocks()
    started = clocks.monotonic()
    secret = os.environ.get(spec.secret_env, "").encode()
    if not secret:
        problem = f"environment variable {spec.secret_env} (secret_env) is not set: nothing sent unsigned"
        return Outcome("error", duration_seconds=clocks.monotonic() - started, error=problem)
    body = request_body(action, spec)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"reliability/{__version__}",
        SIGNATURE_HEADER: sign(secret, body),
        ACTION_ID_HEADER: action.id,
    }
    deadline = _Deadline(action.hook.timeout_seconds, clocks)
    tries: list[str] = []  # what each attempt got: "HTTP 503", "ConnectionRefusedError: ..."
    status: int | None = None
    response = b""
    for attempt in range(spec.retries + 1):
        if attempt:
            wait = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
            if wait >= deadline.remaining():
                break  # no time left for another try
            clocks.sleep(wait)
        try:
            stamped = headers | {TIMESTAMP_HEADER: str(int(clocks.wall()))}
            status, response = _post_once(spec.url, body, stamped, deadline)
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, timed out, malformed
            status, response = None, b""
            tries.append(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
            continue
        tries.append(f"HTTP {status}")
        if status < 500:
            break  # success, or an answer that retrying will not change
    duration = clocks.monotonic() - started
    return _outcome(status, response, tries, deadline.remaining() <= 0, duration)


def _outcome(
    status: int | None, response: bytes, tries: list[str], out_of_time: bool, duration: float
) -> Outcome:
    history = f"{len(tries)} attempt(s): {', '.join(tries)}"
    if status is not None and 200 <= status < 300:
        state, error = "succeeded", None
    elif status is not None:
        state, error = "failed", history
    elif out_of_time:
        state, error = "timed_out", f"no answer within the timeout; {history}"
    else:
        state, error = "error", history
    return Outcome(
        state,
        duration_seconds=duration,
        error=error,
        http_status=status,
        attempts=len(tries),
        response_tail=tail(response),
    )
