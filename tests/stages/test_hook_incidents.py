"""One action per hook per incident: the SLOs of one component in the same state in one run."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

from support.artifact_builders import error_budgets, sla_compliance
from support.incidents import CHECKOUT_SLOS, EVALUATED_AT, ORIGIN, RESTART, SLOS, config_of, paging

from reliability.actions.command import run_action
from reliability.actions.safety import Reason, Verdict, decide
from reliability.actions.webhook import alertmanager_payload
from reliability.artifacts.error_budgets import SloBudget
from reliability.artifacts.sla_compliance import SloEvent
from reliability.config.model import (
    Hook,
    Trigger,
    WebhookFormat,
    WebhookSpec,
)
from reliability.stages.hooks import PlannedAction, plan


def planned(*entries: SloBudget, hooks: tuple[Hook, ...] = (RESTART,)) -> list[PlannedAction]:
    return plan(config_of(hooks, SLOS), error_budgets(*entries), sla_compliance(), EVALUATED_AT)


def affected(action: PlannedAction) -> list[str]:
    assert isinstance(action.event, SloEvent)
    return [item.slo for item in action.event.slos]


def test_three_slos_of_one_component_paging_make_one_action() -> None:
    actions = planned(*(paging(s, "checkout") for s in CHECKOUT_SLOS))
    assert len(actions) == 1
    (action,) = actions
    assert action.subject == "orders/checkout"
    assert affected(action) == list(CHECKOUT_SLOS)
    assert action.event.to_json()["slos"][2]["details"]["alert_state"] == "page"


def test_two_components_make_two_actions() -> None:
    actions = planned(
        *(paging(s, "checkout") for s in CHECKOUT_SLOS), paging("orders/cart-availability", "cart")
    )
    assert [(a.subject, len(affected(a))) for a in actions] == [("orders/checkout", 3), ("orders/cart", 1)]
    assert len({a.id for a in actions}) == 2


def test_different_states_and_hooks_are_different_incidents() -> None:
    silence = Hook("silence", (Trigger.NO_DATA,), ("true",), 1, ORIGIN)
    pager = Hook("pager", (Trigger.PAGE,), ("true",), 1, ORIGIN)
    entries = (
        paging(CHECKOUT_SLOS[0], "checkout"),
        paging(CHECKOUT_SLOS[1], "checkout", "no_data"),
        paging(CHECKOUT_SLOS[2], "checkout", "no_data"),
    )
    actions = planned(*entries, hooks=(RESTART, silence, pager))
    assert [(a.hook.name, a.trigger.value, affected(a)) for a in actions] == [
        ("restart-checkout", "page", [CHECKOUT_SLOS[0]]),
        ("pager", "page", [CHECKOUT_SLOS[0]]),
        ("silence", "no_data", list(CHECKOUT_SLOS[1:])),
    ]


class FiredAt:
    """A ledger that remembers one fire of one hook, trigger and subject."""

    def __init__(self, key: tuple[str, str, str], at: str) -> None:
        self.key, self.at = key, at

    def last_fired(self, hook: str, trigger: str, subject: str) -> str | None:
        return self.at if (hook, trigger, subject) == self.key else None


def test_cooldown_holds_per_hook_and_incident_whatever_slos_it_has_now() -> None:
    """Checkout paged with one SLO ten minutes ago; now three page: still the same incident."""
    ledger = FiredAt(("restart-checkout", "page", "orders/checkout"), "2026-11-05T11:50:00Z")
    actions = planned(
        *(paging(s, "checkout") for s in CHECKOUT_SLOS), paging("orders/cart-availability", "cart")
    )
    decisions = decide(actions, config_of((RESTART,), SLOS), ledger, EVALUATED_AT)
    assert [(d.action.subject, d.verdict, d.reason) for d in decisions] == [
        ("orders/checkout", Verdict.SKIP, Reason.COOLDOWN),
        ("orders/cart", Verdict.RUN, None),
    ]


def test_the_command_gets_every_affected_slo_on_stdin_and_in_its_environment(tmp_path: Path) -> None:
    received = tmp_path / "received.json"
    script = (
        "import json, os, sys; event = json.load(sys.stdin); "
        f"open({str(received)!r}, 'w').write(json.dumps("
        "[os.environ['RELIABILITY_SUBJECT'], os.environ['RELIABILITY_SLOS'], "
        "[s['slo'] for s in event['slos']]]))"
    )
    hook = replace(RESTART, command=(sys.executable, "-c", script), timeout_seconds=10)
    (action,) = planned(*(paging(s, "checkout") for s in CHECKOUT_SLOS), hooks=(hook,))
    outcome = run_action(action, execute=True)
    assert outcome.status == "succeeded", outcome.stderr_tail
    subject, listed, in_event = json.loads(received.read_text())
    assert (subject, listed.split(","), in_event) == (
        "orders/checkout",
        list(CHECKOUT_SLOS),
        list(CHECKOUT_SLOS),
    )


def test_the_alertmanager_payload_has_one_alert_per_affected_slo() -> None:
    spec = WebhookSpec("http://127.0.0.1:1/", "SECRET", WebhookFormat.ALERTMANAGER)
    hook = replace(RESTART, command=(), webhook=spec)
    (action,) = planned(*(paging(s, "checkout") for s in CHECKOUT_SLOS), hooks=(hook,))
    payload = alertmanager_payload(action, spec)
    assert [a["labels"]["slo"] for a in payload["alerts"]] == list(CHECKOUT_SLOS)
    assert payload["groupLabels"] == {
        "alertname": "SLOErrorBudgetBurnPage",
        "service": "orders",
        "component": "checkout",
    }
    assert "slo" not in payload["commonLabels"]
