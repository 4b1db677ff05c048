"""Webhook actions against a real HTTP server on 127.0.0.1: the HMAC signature checks out with the
secret, 5xx and connection errors are retried with backoff and 4xx are not, a missing secret sends
nothing, a hanging receiver costs no more than the timeout, and Alertmanager's payload is complete."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from support.artifact_builders import slo_event, slo_event_details

from reliability import artifacts
from reliability.actions.command import event_bytes, outcome_record
from reliability.actions.webhook import Clocks, alertmanager_payload, fingerprint, send
from reliability.artifacts.sla_compliance import SloEventDetails
from reliability.config.model import Hook, Origin, Trigger, WebhookFormat, WebhookSpec
from reliability.stages.hooks import Confidence, PlannedAction

SECRET = "s3cret-for-tests"
SECRET_ENV = "RELIABILITY_TEST_WEBHOOK_SECRET"
SENT_AT = 1_793_880_000.0  # 2026-11-05T12:00:00Z, the injected wall clock
HANG_LIMIT_SECONDS = 30.0  # a hanging handler gives up by then, so the server can always stop


@dataclass
class Receiver:
    """What the server answers, in order (the last answer repeats), and what it received."""

    answers: list[int]
    hang: bool = False
    stall_body: bool = False  # send the status and part of the body, then stall
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    url: str = ""


@contextmanager
def receiver(answers: list[int], *, hang: bool = False, stall_body: bool = False) -> Iterator[Receiver]:
    state = Receiver(answers, hang, stall_body)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers.items()), body))
            if state.hang:
                state.release.wait(HANG_LIMIT_SECONDS)
                return
            status = state.answers[min(len(state.requests), len(state.answers)) - 1]
            reply = f"answer {len(state.requests)}: {status}".encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply) + 100 * state.stall_body))
            self.end_headers()
            self.wfile.write(reply)
            if state.stall_body:
                self.wfile.flush()
                state.release.wait(HANG_LIMIT_SECONDS)

        def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/reliability?team=sre"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class FakeClocks:
    """Real monotonic time (timeouts are real), a fixed wall clock, and sleeps that are only noted."""

    slept: list[float] = field(default_factory=list)

    def clocks(self) -> Clocks:
        return Clocks(wall=lambda: SENT_AT, sleep=self.slept.append)


def planned(
    url: str,
    *,
    trigger: Trigger = Trigger.PAGE,
    format: WebhookFormat = WebhookFormat.EVENT,
    retries: int = 3,
    timeout: float = 10.0,
    details: SloEventDetails | None = None,
) -> PlannedAction:
    spec = WebhookSpec(url, SECRET_ENV, format, retries, external_url="https://reliability.example")
    hook = Hook("notify", (trigger,), (), timeout, Origin("c.yaml", 1), webhook=spec)
    event = slo_event(
        trigger.value,
        details,
        hook="notify",
        service="orders",
        component="checkout",
        slo="orders/checkout-availability",
        action_id="0123456789ab",
    )
    return PlannedAction(
        "0123456789ab", hook, trigger, "orders/checkout-availability", event, Confidence(1.0, "t")
    )


@pytest.fixture(autouse=True)
def secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_ENV, SECRET)


def signature_checks_out(headers: dict[str, str], body: bytes) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(headers["X-Reliability-Signature"], expected)


def test_the_event_arrives_signed_with_the_secret() -> None:
    fake = FakeClocks()
    with receiver([200]) as server:
        action = planned(server.url)
        outcome = send(action, execute=True, clocks=fake.clocks())
    assert (outcome.status, outcome.http_status, outcome.attempts) == ("succeeded", 200, 1)
    assert outcome.response_tail == "answer 1: 200"
    [(headers, body)] = server.requests
    assert body == event_bytes(action)  # exactly what a command gets on stdin
    assert json.loads(body) == action.event.to_json()
    assert signature_checks_out(headers, body)
    assert not signature_checks_out(headers, body + b" ")
    assert headers["X-Reliability-Timestamp"] == str(int(SENT_AT))
    assert headers["Content-Type"] == "application/json"
    assert fake.slept == []


def test_5xx_is_retried_with_exponential_backoff() -> None:
    fake = FakeClocks()
    with receiver([503, 502, 200]) as server:
        outcome = send(planned(server.url), execute=True, clocks=fake.clocks())
    assert len(server.requests) == 3
    assert (outcome.status, outcome.http_status, outcome.attempts) == ("succeeded", 200, 3)
    assert fake.slept == [0.5, 1.0]
    assert all(signature_checks_out(headers, body) for headers, body in server.requests)


def test_4xx_is_not_retried() -> None:
    fake = FakeClocks()
    with receiver([404, 200]) as server:
        outcome = send(planned(server.url), execute=True, clocks=fake.clocks())
    assert len(server.requests) == 1
    assert (outcome.status, outcome.http_status, outcome.attempts) == ("failed", 404, 1)
    assert fake.slept == []


def test_retries_run_out_on_a_failing_receiver() -> None:
    fake = FakeClocks()
    with receiver([500]) as server:
        outcome = send(planned(server.url, retries=2), execute=True, clocks=fake.clocks())
    assert len(server.requests) == 3  # the first try and two retries
    assert (outcome.status, outcome.http_status, outcome.attempts) == ("failed", 500, 3)
    assert outcome.error == "3 attempt(s): HTTP 500, HTTP 500, HTTP 500"
    assert fake.slept == [0.5, 1.0]


def test_connection_errors_are_retried() -> None:
    with socket.socket() as probe:  # a port nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fake = FakeClocks()
    outcome = send(planned(f"http://127.0.0.1:{port}/", retries=2), execute=True, clocks=fake.clocks())
    assert (outcome.status, outcome.http_status, outcome.attempts) == ("error", None, 3)
    assert "ConnectionRefusedError" in (outcome.error or "")
    assert fake.slept == [0.5, 1.0]


def test_missing_secret_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_ENV)
    with receiver([200]) as server:
        outcome = send(planned(server.url), execute=True, clocks=FakeClocks().clocks())
    assert server.requests == []
    assert outcome.status == "error" and outcome.attempts == 0
    assert f"environment variable {SECRET_ENV}" in (outcome.error or "")
    assert "nothing sent unsigned" in (outcome.error or "")


def test_a_hanging_receiver_costs_no_more_than_the_timeout() -> None:
    with receiver([200], hang=True) as server:
        outcome = send(planned(server.url, timeout=0.5), execute=True, clocks=FakeClocks().clocks())
        assert len(server.requests) == 1  # the wait for the first answer used the whole timeout
    assert (outcome.status, outcome.attempts) == ("timed_out", 1)  # no time was left for a retry
    assert outcome.duration_seconds is not None and outcome.duration_seconds < 5
    assert outcome.error == "no answer within the timeout; 1 attempt(s): TimeoutError: timed out"


def test_an_answer_with_a_stalled_body_is_not_sent_twice() -> None:
    with receiver([200], stall_body=True) as server:
        outcome = send(planned(server.url, timeout=0.5), execute=True, clocks=FakeClocks().clocks())
        assert len(server.requests) == 1
    assert (outcome.status, outcome.http_status, outcome.attempts) == ("succeeded", 200, 1)
    assert outcome.response_tail == "answer 1: 200"
    assert outcome.duration_seconds is not None and outcome.duration_seconds < 5


def test_dry_run_sends_nothing() -> None:
    with receiver([200]) as server:
        outcome = send(planned(server.url), execute=False)
    assert outcome.status == "dry_run" and server.requests == []


# --- Alertmanager's payload

ALERTMANAGER_KEYS = {
    "version",
    "groupKey",
    "truncatedAlerts",
    "status",
    "receiver",
    "groupLabels",
    "commonLabels",
    "commonAnnotations",
    "externalURL",
    "alerts",
}
ALERT_KEYS = {"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}


def test_alertmanager_format_is_sent_signed_and_complete() -> None:
    with receiver([200]) as server:
        action = planned(server.url, format=WebhookFormat.ALERTMANAGER)
        outcome = send(action, execute=True, clocks=FakeClocks().clocks())
    assert outcome.status == "succeeded"
    [(headers, body)] = server.requests
    assert signature_checks_out(headers, body)
    payload = json.loads(body)
    assert set(payload) == ALERTMANAGER_KEYS
    assert (payload["version"], payload["status"], payload["receiver"]) == ("4", "firing", "notify")
    assert payload["externalURL"] == "https://reliability.example"
    [alert] = payload["alerts"]
    assert set(alert) == ALERT_KEYS
    assert alert["labels"] == {
        "alertname": "SLOErrorBudgetBurnPage",
        "severity": "page",
        "reliability_tier": "page",
        "service": "orders",
        "component": "checkout",
        "slo": "orders/checkout-availability",
    }
    assert payload["commonLabels"] == alert["labels"]
    assert payload["groupLabels"] == {
        "alertname": "SLOErrorBudgetBurnPage",
        "service": "orders",
        "component": "checkout",
    }
    assert (
        payload["groupKey"]
        == '{}:{alertname="SLOErrorBudgetBurnPage", component="checkout", service="orders"}'
    )
    assert (alert["startsAt"], alert["endsAt"]) == ("2026-11-05T12:00:00Z", "0001-01-01T00:00:00Z")
    assert "142.09x" in alert["annotations"]["summary"]
    assert alert["fingerprint"] == fingerprint(alert["labels"])


def test_a_recovery_resolves_the_alert_it_ends() -> None:
    details = slo_event_details("ok", "ticket", budget_remaining_ratio=0.5, current_burn_rate=0.2)
    action = planned("http://127.0.0.1:1/", trigger=Trigger.RECOVERY, details=details)
    spec = action.hook.webhook
    assert spec is not None
    payload = alertmanager_payload(action, spec)
    [alert] = payload["alerts"]
    assert payload["status"] == alert["status"] == "resolved"
    assert alert["labels"]["alertname"] == "SLOErrorBudgetBurnTicket"
    assert alert["endsAt"] == "2026-11-05T12:00:00Z"


def test_fingerprint_is_prometheus_label_set_fingerprint() -> None:
    # The value of prometheus/common's TestMetricToFingerprint for the same label set.
    labels = {"name": "garland, briggs", "fear": "love is not enough"}
    assert fingerprint(labels) == f"{5799056148416392346:016x}"


# --- the record of a webhook action is a valid part of sla-compliance.json


def test_webhook_records_validate() -> None:
    with receiver([503, 200]) as server:
        action = planned(server.url)
        succeeded = send(action, execute=True, clocks=FakeClocks().clocks())
        origin = server.url.removesuffix("/hooks/reliability?team=sre")  # the path and query may hold tokens
    with receiver([400]) as server:
        failed = send(planned(server.url), execute=True, clocks=FakeClocks().clocks())
    records = [outcome_record(action, succeeded).to_json(), outcome_record(action, failed).to_json()]
    assert records[0]["webhook"] == {"target": origin, "format": "event"}
    assert origin.startswith("http://127.0.0.1:")
    assert records[0]["command"] is None and records[0]["kind"] == "webhook"
    sla = {
        "kind": "sla-compliance",
        "schema_version": 1,
        "run_id": "0123456789abcdef",
        "requested_now": "2026-11-05T12:00:00Z",
        "evaluated_at": "2026-11-05T12:00:00Z",
        "config_files": ["c.yaml"],
        "calendar": "UTC months",
        "slas": [],
        "actions": records,
        "actions_mode": "executed",
    }
    assert artifacts.problems("sla-compliance", sla) == []
    records[1]["http_status"] = 200  # a failure cannot carry a success status
    assert artifacts.problems("sla-compliance", sla)
