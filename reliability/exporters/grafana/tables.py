"""The summary tables: one row per SLO, and one per SLA."""

from __future__ import annotations

from collections.abc import Sequence

from reliability.config.model import Config, Sla, Slo
from reliability.conventions import CURRENT_BURN_WINDOW, Metric
from reliability.exporters.grafana.panels import GRID_WIDTH, Panel, Query, column
from reliability.exporters.grafana.promql import (
    BY_SLA,
    VARIABLE_SCOPE,
    named_series,
    per_slo,
    series,
    slo_grouping,
    variable_scope,
)
from reliability.exporters.grafana.thresholds import (
    ALERT_CODES,
    BREACH_CODES,
    BURN_STEPS,
    FREEZE_CODES,
    MARGIN_STEPS,
    budget_steps,
    policy,
)
from reliability.formulas import (
    BUDGET_REMAINING,
    BURN_RATE,
    CURRENT_BURN,
    EXHAUSTION,
    SLA_ATTAINMENT,
    SLA_BREACH,
    SLA_CREDIT,
    SLI,
)


def slo_table(config: Config, slos: Sequence[Slo]) -> Panel:
    plain = named_series(slos, variable_scope(slos))
    named = {name: per_slo(expr, slo_grouping(slos)) for name, expr in plain.items()}
    exprs = (
        named["sli"],
        named["objective"],
        f"{named['sli']} - {named['objective']}",
        named["budget_remaining"],
        named["current_burn"],
        plain["alert_state"],  # grouped by SLO already
        named["freeze"],
        named["exhaustion"],
    )
    columns = (
        column("A", "SLI", "percentunit"),
        column("B", "Objective", "percentunit"),
        column("C", "Margin", "percentunit", MARGIN_STEPS),
        column("D", "Budget left", "percentunit", budget_steps(policy(config, None))),
        column("E", f"Burn ({CURRENT_BURN_WINDOW})", "suffix:x", BURN_STEPS),
        column("F", "Alert", "none", codes=ALERT_CODES),
        column("G", "Policy", "none", codes=FREEZE_CODES),
        column("H", "Budget gone in", "s"),
    )
    return Panel(
        "slo-table",
        "table",
        "SLOs",
        f"One row per SLO. {SLI.text}, over the SLO's own window. Margin: SLI minus objective, red "
        f"when the SLO is missed. Budget left: {BUDGET_REMAINING.text}, coloured by the budget policy. "
        f"Burn ({CURRENT_BURN_WINDOW}): {CURRENT_BURN.text}; {BURN_RATE.text}; 1 spends the budget "
        "exactly over the window. Alert: the multiwindow burn-rate state. Policy: the error budget policy "
        f"on releases. Budget gone in: {EXHAUSTION.text}; empty when nothing burns.",
        tuple(Query(expr, instant=True) for expr in exprs),
        "none",
        GRID_WIDTH,
        min(4 + len(slos), 20),
        decimals=3,
        overrides=columns,
        options={"sortBy": [{"displayName": "Budget left", "desc": False}]},
    )


def sla_table(slas: Sequence[Sla]) -> Panel:
    selectors = (series(m, *VARIABLE_SCOPE.slas) for m in (Metric.SLA_ATTAINED, Metric.SLA_BREACH))
    return Panel(
        "sla-table",
        "table",
        "SLAs",
        f"One row per SLA. Attained: {SLA_ATTAINMENT.text}, the current month so far. Status: BREACHED or "
        f"met: {SLA_BREACH.text}. {SLA_CREDIT.text}, in sla-compliance.json.",
        tuple(Query(f"max by ({BY_SLA}) ({selector})", instant=True) for selector in selectors),
        "none",
        GRID_WIDTH,
        min(4 + len(slas), 12),
        decimals=3,
        overrides=(
            column("A", "Attained this month", "percentunit"),
            column("B", "Status", "none", codes=BREACH_CODES),
        ),
    )
