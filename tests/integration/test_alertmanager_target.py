"""An incident's alerts POSTed to a real Alertmanager's v2 API, and read back from it."""

from __future__ import annotations

import json
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from conftest import require_binary
from support.artifact_builders import error_budgets, sla_compliance
from support.incidents import CHECKOUT_SLOS, RESTART, SLOS, config_of, paging
from support.polling import poll
from support.real_servers import free_port, running

from reliability.actions.alertmanager import postable_alerts, send
from reliability.actions.command import outcome_record
from reliability.config.model import AlertmanagerSpec, Settings, SeverityNames, Trigger
from reliability.stages.hooks import PlannedAction, plan
from reliability.timefmt import format_rfc3339

ALERTMANAGER_CONFIG = "route:\n  receiver: nowhere\nreceivers:\n  - name: nowhere\n"
# The README's inhibit rule: a page silences the ticket of the same SLO, whatever the severities are named.
PAGE_INHIBITS_TICKET = """inhibit_rules:
  - source_matchers: ['reliability_tier="page"']
    target_matchers: ['reliability_tier="ticket"']
    equal: [service, slo]
"""


def checkout_incident(url: str, now: str, **spec: Any) -> PlannedAction:
    hook = replace(RESTART, command=(), alertmanager=AlertmanagerSpec(url, **spec), timeout_seconds=10)
    budgets = error_budgets(*(paging(s, "checkout") for s in CHECKOUT_SLOS))
    (action,) = plan(config_of((hook,), SLOS), budgets, sla_compliance(), now)
    return action


def test_alerts_carry_labels_annotations_and_times() -> None:
    spec = AlertmanagerSpec("http://127.0.0.1:1", generator_url="https://slo.example/report")
    action = checkout_incident(spec.url, "2026-11-05T12:00:00Z", generator_url=spec.generator_url)
    alerts = postable_alerts(action, spec)
    assert [a["labels"]["slo"] for a in alerts] == list(CHECKOUT_SLOS)
    first = alerts[0]
    assert first["labels"] == {
        "alertname": "SLOErrorBudgetBurnPage",
        "severity": "page",
        "reliability_tier": "page",
        "service": "orders",
        "component": "checkout",
        "slo": CHECKOUT_SLOS[0],
    }
    # firing until the hook's 1h cooldown lets it send again
    assert (first["startsAt"], first["endsAt"]) == ("2026-11-05T12:00:00Z", "2026-11-05T13:00:00Z")
    assert first["generatorURL"] == "https://slo.example/report"
    assert "burns its error budget fast" in first["annotations"]["summary"]


def test_a_credential_missing_from_the_environment_sends_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AM_TOKEN", raising=False)
    action = checkout_incident("http://127.0.0.1:1", "2026-11-05T12:00:00Z", bearer_token_env="AM_TOKEN")
    outcome = send(action, execute=True)
    assert (outcome.status, outcome.attempts) == ("error", 0)
    assert "AM_TOKEN" in (outcome.error or "")


def alertmanager_argv(tmp_path: Path, config_text: str) -> tuple[list[str], str]:
    """The command line of an Alertmanager on a free local port, and its base URL."""
    binary = require_binary("prometheus-alertmanager")
    config = tmp_path / "alertmanager.yml"
    config.write_text(config_text)
    port = free_port()
    argv = [
        binary,
        f"--config.file={config}",
        f"--storage.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    return argv, f"http://127.0.0.1:{port}"


def stored_alerts(base: str) -> list[dict[str, Any]]:
    with urllib.request.urlopen(f"{base}/api/v2/alerts", timeout=10) as response:
        found: list[dict[str, Any]] = json.load(response)
    return found


@pytest.mark.real
def test_a_real_alertmanager_receives_one_alert_per_affected_slo(tmp_path: Path) -> None:
    argv, base = alertmanager_argv(tmp_path, ALERTMANAGER_CONFIG)
    now = format_rfc3339(datetime.now(UTC).replace(microsecond=0))  # active alerts end in the future
    with running(argv, f"{base}/-/ready", tmp_path / "alertmanager.log"):
        action = checkout_incident(base, now)
        outcome = send(action, execute=True)
        assert (outcome.status, outcome.http_status) == ("succeeded", 200), outcome.error
        stored = stored_alerts(base)
    assert sorted(a["labels"]["slo"] for a in stored) == sorted(CHECKOUT_SLOS)
    assert {a["labels"]["alertname"] for a in stored} == {"SLOErrorBudgetBurnPage"}
    assert all(a["status"]["state"] == "active" for a in stored)
    record = outcome_record(action, outcome).to_json()
    assert (record["kind"], record["webhook"]) == (
        "alertmanager",
        {"target": base, "format": "alertmanager_api"},
    )


def labelled_incident(url: str, now: str, trigger: Trigger, slos: dict[str, str]) -> PlannedAction:
    """An incident of `trigger` on the SLOs (id -> component), severities named critical and warning."""
    hook = replace(
        RESTART, triggers=(trigger,), command=(), alertmanager=AlertmanagerSpec(url), timeout_seconds=10
    )
    budgets = error_budgets(*(paging(s, component, trigger.value) for s, component in slos.items()))
    config = replace(
        config_of((hook,), SLOS), settings=Settings(severity_names=SeverityNames("critical", "warning"))
    )
    (action,) = plan(config, budgets, sla_compliance(), now)
    return action


@pytest.mark.real
def test_a_page_inhibits_the_ticket_of_the_same_slo_in_a_real_alertmanager(tmp_path: Path) -> None:
    argv, base = alertmanager_argv(tmp_path, ALERTMANAGER_CONFIG + PAGE_INHIBITS_TICKET)
    now = format_rfc3339(datetime.now(UTC).replace(microsecond=0))
    checkout, cart = CHECKOUT_SLOS[0], "orders/cart-availability"
    with running(argv, f"{base}/-/ready", tmp_path / "alertmanager.log"):
        ticket = labelled_incident(base, now, Trigger.TICKET, {checkout: "checkout"})
        cart_ticket = labelled_incident(base, now, Trigger.TICKET, {cart: "cart"})
        page = labelled_incident(base, now, Trigger.PAGE, {checkout: "checkout"})
        for action in (ticket, cart_ticket, page):
            outcome = send(action, execute=True)
            assert (outcome.status, outcome.http_status) == ("succeeded", 200), outcome.error

        def states() -> dict[tuple[str, str], str] | None:
            found = {
                (a["labels"]["slo"], a["labels"]["severity"]): a["status"]["state"]
                for a in stored_alerts(base)
            }
            return found if len(found) == 3 else None

        assert poll("three alerts stored", states) == {
            (checkout, "critical"): "active",
            (checkout, "warning"): "suppressed",  # inhibited by the page of the same SLO
            (cart, "warning"): "active",  # no page for the cart: its ticket stands
        }
