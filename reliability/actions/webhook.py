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
from reliability.actions.alerts import alerts
from reliability.actions.command import Outcome, event_bytes, tail
from reliability.config.model import Trigger, WebhookFormat, WebhookSpec
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


ZERO_TIME = "0001-01-01T00:00:00Z"  # Alertmanager's endsAt of an alert still firing


def fingerprint(labels: dict[str, str]) -> str:
    """Prometheus' label set fingerprint: FNV-1a 64 over sorted names and values, 0xff-separated."""
    value = 0xCBF29CE484222325
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in (*part.encode(), 0xFF):
                value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{value:016x}"


def alertmanager_payload(action: PlannedAction, spec: WebhookSpec) -> dict[str, Any]:
    """Alertmanager's webhook payload (version 4) with one alert per SLO of the incident (or the SLA)."""
    evaluated_at = format_rfc3339(action.event.evaluated_at)
    found = alerts(action)
    first = found[0]
    common_labels = {k: v for k, v in first.labels.items() if all(a.labels.get(k) == v for a in found)}
    common_annotations = {
        k: v for k, v in first.annotations.items() if all(a.annotations.get(k) == v for a in found)
    }
    grouped_by = ("alertname", "sla") if "sla" in first.labels else ("alertname", "service", "component")
    group_labels = {name: first.labels[name] for name in grouped_by}
    group_key = "{}:{" + ", ".join(f"{k}={json.dumps(v)}" for k, v in sorted(group_labels.items())) + "}"
    resolved = action.trigger is Trigger.RECOVERY
    status = "resolved" if resolved else "firing"
    return {
        "version": "4",
        "groupKey": group_key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": spec.receiver or action.hook.name,
        "groupLabels": group_labels,
        "commonLabels": common_labels,
        "commonAnnotations": common_annotations,
        "externalURL": spec.external_url,
        "alerts": [
            {
                "status": status,
                "labels": alert.labels,
                "annotations": alert.annotations,
                "startsAt": evaluated_at,
                "endsAt": evaluated_at if resolved else ZERO_TIME,
                "generatorURL": spec.external_url,
                "fingerprint": fingerprint(alert.labels),
            }
            for alert in found
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


def json_headers(action: PlannedAction) -> dict[str, str]:
    """The headers of every POST of an action (webhook or Alertmanager)."""
    return {
        "Content-Type": "application/json",
        "User-Agent": f"reliability/{__version__}",
        ACTION_ID_HEADER: action.id,
    }


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
    headers = json_headers(action) | {SIGNATURE_HEADER: sign(secret, body)}
    return post_with_retries(
        spec.url, body, headers, action.hook.timeout_seconds, spec.retries, clocks, started
    )


def post_with_retries(
    url: str,
    body: bytes,
    headers: dict[str, str],
    timeout_seconds: float,
    retries: int,
    clocks: Clocks,
    started: float,
) -> Outcome:
    """POST body to url, retried after a 5xx or an I/O error, all of it within timeout_seconds."""
    deadline = _Deadline(timeout_seconds, clocks)
    tries: list[str] = []  # what each attempt got: "HTTP 503", "ConnectionRefusedError: ..."
    status: int | None = None
    response = b""
    for attempt in range(retries + 1):
        if attempt:
            wait = FIRST_BACKOFF_SECONDS * 2 ** (attempt - 1)
            if wait >= deadline.remaining():
                break  # no time left for another try
            clocks.sleep(wait)
        try:
            stamped = headers | {TIMESTAMP_HEADER: str(int(clocks.wall()))}
            status, response = _post_once(url, body, stamped, deadline)
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
