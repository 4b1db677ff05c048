"""Send an action's alerts to Alertmanager's v2 API (POST /api/v2/alerts), so routing, grouping,
deduplication and silences are Alertmanager's.

One alert per affected SLO of the incident (or one for an SLA), labelled as actions.alerts says;
startsAt is the evaluation time. A firing alert's endsAt is the evaluation time plus the hook's
cooldown (at least RESEND_FLOOR_SECONDS): the hook will not send it again sooner, so Alertmanager
keeps it firing until then and resolves it by itself when it is no longer sent. A recovery sends
endsAt = the evaluation time, which resolves it. Credentials come from the environment only.
"""

from __future__ import annotations

import base64
import json
import os
from datetime import timedelta
from typing import Any

from reliability.actions.alerts import alerts
from reliability.actions.command import Outcome
from reliability.actions.webhook import Clocks, json_headers, post_with_retries
from reliability.config.model import AlertmanagerSpec, Trigger
from reliability.stages.hooks import PlannedAction
from reliability.timefmt import format_rfc3339

API_PATH = "/api/v2/alerts"
RESEND_FLOOR_SECONDS = 300.0  # a firing alert outlives its send by at least this, cooldown or not


def alerts_url(spec: AlertmanagerSpec) -> str:
    return spec.url.rstrip("/") + API_PATH


def postable_alerts(action: PlannedAction, spec: AlertmanagerSpec) -> list[dict[str, Any]]:
    """The body of POST /api/v2/alerts for this action."""
    at = action.event.evaluated_at
    if action.trigger is Trigger.RECOVERY:
        ends = at
    else:
        ends = at + timedelta(seconds=max(action.hook.cooldown_seconds, RESEND_FLOOR_SECONDS))
    extra = {"generatorURL": spec.generator_url} if spec.generator_url else {}
    return [
        {
            "labels": alert.labels,
            "annotations": alert.annotations,
            "startsAt": format_rfc3339(at),
            "endsAt": format_rfc3339(ends),
            **extra,
        }
        for alert in alerts(action)
    ]


def _credentials(spec: AlertmanagerSpec) -> tuple[dict[str, str], str | None]:
    """The Authorization header from the environment, or why it cannot be made."""
    if spec.bearer_token_env:
        token = os.environ.get(spec.bearer_token_env, "")
        if not token:
            return {}, f"environment variable {spec.bearer_token_env} (bearer_token_env) is not set"
        return {"Authorization": f"Bearer {token}"}, None
    if spec.username_env:
        user, password = os.environ.get(spec.username_env), os.environ.get(spec.password_env, "")
        if user is None:
            return {}, f"environment variable {spec.username_env} (username_env) is not set"
        pair = base64.b64encode(f"{user}:{password}".encode()).decode()
        return {"Authorization": f"Basic {pair}"}, None
    return {}, None


def send(action: PlannedAction, *, execute: bool, clocks: Clocks | None = None) -> Outcome:
    """POST the action's alerts to its hook's Alertmanager; dry_run unless execute."""
    spec = action.hook.alertmanager
    assert spec is not None, f"hook {action.hook.name} has no alertmanager"
    if not execute:
        return Outcome("dry_run")
    clocks = clocks or Clocks()
    started = clocks.monotonic()
    authorization, problem = _credentials(spec)
    if problem is not None:
        return Outcome("error", duration_seconds=0.0, error=f"{problem}: nothing sent")
    body = json.dumps(postable_alerts(action, spec), sort_keys=True).encode()
    return post_with_retries(
        alerts_url(spec),
        body,
        json_headers(action) | authorization,
        action.hook.timeout_seconds,
        spec.retries,
        clocks,
        started,
    )
