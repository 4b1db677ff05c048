"""The summary tables: one row per SLO, and one per SLA."""

from __future__ import annotations

from collections.abc import Sequence

from reliability.config.model import Config, Sla, Slo
from reliability.conventions import CURRENT_BURN_WINDOW, Metric
from reliability.exporters.grafana.panels import GRID_WIDTH, Panel, Query, column
from reliability.exporters.grafana.promql import BY_SLA, VARIABLE_SCOPE, named_series, per_slo, series
from reliability.exporters.grafana.thresholds import (
    ALERT_CODES,
    BREACH_CODES,
    BURN_STEPS,
    FREEZE_CODES,
    MARGIN_STEPS,
    budget_steps,
    policy,
)


def slo_table(config: Config, slos: Sequence[Slo]) -> Panel:
    plain = named_series(slos, VARIABLE_SCOPE)
    named = {name: per_slo(expr) for name, expr in plain.items()}
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
        "One row per SLO. SLI: good / total over the SLO's own window. Margin: SLI minus objective, red "
        "when the SLO is missed. Budget left: the share of the error budget still unspent, coloured by "
        f"the budget policy. Burn ({CURRENT_BURN_WINDOW}): error ratio / (1 - objective); 1 spends the "
        "budget exactly over the window. Alert: the multiwindow burn-rate state. Policy: the error "
        f"budget policy on releases. Budget gone in: at the {CURRENT_BURN_WINDOW} burn rate; empty when "
        "nothing burns.",
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
        "One row per SLA. Attained: good / total over the current calendar month (UTC) so far. Status: "
        "BREACHED when attainment is below the contracted target; the credit owed is in "
        "sla-compliance.json.",
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
