"""A component with three SLOs and one with one, and a hook that restarts the first: incident fixtures."""

from __future__ import annotations

from dataclasses import replace

from reliability.artifacts.error_budgets import SloBudget
from reliability.config.model import Config, Hook, Origin, Settings, Slo, SloWindow, Trigger
from reliability.vocabulary import Window
from support.artifact_builders import slo_budget

EVALUATED_AT = "2026-11-05T12:00:00Z"
ORIGIN = Origin("c.yaml", 1)
CHECKOUT_SLOS = ("orders/checkout-availability", "orders/checkout-latency", "orders/checkout-errors")


def slo(slo_id: str, component: str) -> Slo:
    service, name = slo_id.split("/")
    return Slo(service, name, (component,), "availability", 99.9, SloWindow(Window.of(30 * 86400)), ORIGIN)


def paging(slo_id: str, component: str, state: str = "page") -> SloBudget:
    service = slo_id.split("/")[0]
    return replace(slo_budget(service, state), slo=slo_id, component=component)


def config_of(hooks: tuple[Hook, ...], slos: tuple[Slo, ...]) -> Config:
    return Config(files=(), settings=Settings(), sources=(), components=(), slos=slos, slas=(), hooks=hooks)


RESTART = Hook("restart-checkout", (Trigger.PAGE,), ("true",), 1, ORIGIN)
SLOS = (*(slo(s, "checkout") for s in CHECKOUT_SLOS), slo("orders/cart-availability", "cart"))
