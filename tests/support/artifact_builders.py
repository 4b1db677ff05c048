"""Typed artifact records built by hand for the tests of what reads them (hook planning, safety).

Only the figures a test speaks of are parameters; the rest are plausible fillers.
"""

from __future__ import annotations

from datetime import UTC, datetime

from reliability.artifacts.error_budgets import (
    Alert,
    AlertPair,
    BudgetFigures,
    BurnRateEntry,
    ErrorBudgets,
    Exhaustion,
    NoForecast,
    Policy,
    SloBudget,
)
from reliability.artifacts.figures import Budgeting, CountFigures, SloWindow
from reliability.artifacts.header import Header
from reliability.artifacts.sla_compliance import (
    AffectedSlo,
    SlaCompliance,
    SlaEntry,
    SlaPeriod,
    SloEvent,
    SloEventDetails,
)
from reliability.artifacts.sli_metrics import (
    ComponentSlis,
    History,
    Latency,
    Sli,
    SliMetrics,
    SliWindow,
)
from reliability.conventions import SCHEMA_VERSION

AT = datetime(2026, 11, 5, 12, tzinfo=UTC)
WINDOW_SECONDS = {"5m": 300, "30m": 1800, "1h": 3600, "2h": 7200, "6h": 21600, "1d": 86400, "30d": 2_592_000}


def header(kind: str) -> Header:
    return Header(kind, SCHEMA_VERSION, "0123456789abcdef", AT, AT, ())


def alert_pair(
    long: str,
    short: str,
    status: str,
    severity: str = "page",
    *,
    budget_share: float = 0.02,
    factor: float = 14.4,
    long_burn_rate: float | None = 20.0,
    short_burn_rate: float | None = 30.0,
) -> AlertPair:
    return AlertPair(
        severity=severity,
        long_window=long,
        short_window=short,
        budget_share=budget_share,
        factor=factor,
        long_burn_rate=long_burn_rate,
        long_burn_unbounded=False,
        short_burn_rate=short_burn_rate,
        short_burn_unbounded=False,
        status=status,
        low_confidence=False,
    )


def burn_rate(window: str, events: int) -> BurnRateEntry:
    return BurnRateEntry(
        window, WINDOW_SECONDS[window], events, events, events == 0, events, False, 20.0, False
    )


def slo_budget(
    service: str,
    state: str,
    *,
    exhausted: bool = False,
    remaining: float | None = 0.5,
    pairs: tuple[AlertPair, ...] = (),
    events: dict[str, int] | None = None,
    sli_ratio: float = 0.99,
) -> SloBudget:
    """An SLO of error-budgets.json with an objective of 99.9 % over 30 days."""
    events = events or {"5m": 35, "30m": 187, "1h": 373, "6h": 2000, "30d": 100_000}
    window = SloWindow("30d", "rolling 30d", AT, AT, 2_592_000, AT, False, 720, 720)
    return SloBudget(
        slo=f"{service}/api",
        service=service,
        component="api",
        sli="availability",
        window="30d",
        window_seconds=2_592_000,
        window_detail=window,
        budgeting=Budgeting("occurrences", "1m", None),
        objective_percent=99.9,
        no_data=False,
        sli_ratio=sli_ratio,
        good=events["30d"],
        total=events["30d"],
        events=events["30d"],
        hours_with_data=720,
        hours=720,
        budget_fraction=0.001,
        budget=BudgetFigures(100, 50, 50, 0.5, remaining, 43.2, 21.6, 21.6, exhausted, "allowed = ..."),
        burn_rates=tuple(burn_rate(w, n) for w, n in events.items()),
        current_burn_window="1h",
        current_burn_rate=20.0,
        current_burn_unbounded=False,
        alert=Alert(state, "sre-workbook", pairs),
        exhaustion=Exhaustion(None, None, "remaining budget at the 1h burn rate"),
        forecast=NoForecast(False, "no complete day of history to draw from"),
        policy=Policy("normal", 0, "budget left"),
        attribution={},
    )


def error_budgets(*slos: SloBudget) -> ErrorBudgets:
    return ErrorBudgets(header("error-budgets"), {}, "budget_share x SLO window / long window", slos)


def sla_entry(good: int, total: int, target: float = 99.9) -> SlaEntry:
    """web/contract on web/api availability, this month so far."""
    attained = 100 * good / total
    current = SlaPeriod(
        "current_month",
        "2026-11",
        AT,
        AT,
        False,
        30,
        5,
        good,
        total,
        attained,
        False,
        attained < target,
        None,
    )
    return SlaEntry(
        "web/contract",
        "web",
        "api",
        "availability",
        target,
        (),
        "breached" if attained < target else "met",
        (current,),
    )


def sla_compliance(*slas: SlaEntry) -> SlaCompliance:
    return SlaCompliance(header("sla-compliance"), "UTC months", slas, ())


def sli_window(name: str, total: int, bad: int) -> SliWindow:
    count = CountFigures(total - bad, total, bad, None, bad / total if total else None, total == 0)
    return SliWindow(name, WINDOW_SECONDS[name], AT, AT, True, count, 0, 0)


def sli_metrics(*windows: SliWindow) -> SliMetrics:
    """web/api's availability over the given windows."""
    sli = Sli("availability", "availability", "status < 500", windows, ())
    latency = Latency("nearest rank over raw events", (), (), "30d", (), ())
    api = ComponentSlis("web/api", "web", "api", "events", (sli,), latency)
    return SliMetrics(header("sli-metrics"), History(AT, AT), (), (api,), ())


def slo_event_details(
    alert_state: str = "page",
    previous_alert_state: str | None = "ok",
    *,
    budget_remaining_ratio: float = 0.54,
    current_burn_rate: float = 142.09,
) -> SloEventDetails:
    """What an SLO trigger tells its hook about an SLO of 99.9 % at 0.9995, no pair listed."""
    return SloEventDetails(
        alert_state=alert_state,
        previous_alert_state=previous_alert_state,
        sli_ratio=0.9995,
        objective_percent=99.9,
        budget_remaining_ratio=budget_remaining_ratio,
        current_burn_rate=current_burn_rate,
        current_burn_unbounded=False,
        fired_pairs=(),
    )


def slo_event(
    trigger: str = "page",
    details: SloEventDetails | None = None,
    *,
    hook: str = "h",
    service: str = "web",
    component: str = "api",
    slo: str = "web/api",
    action_id: str = "x",
) -> SloEvent:
    """The event of an SLO trigger, evaluated at AT."""
    details = details or slo_event_details()
    return SloEvent(
        trigger, hook, service, component, slo, AT, details, action_id, (AffectedSlo(slo, details),)
    )
