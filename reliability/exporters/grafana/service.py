"""A service's dashboard: its SLOs in a table, then a row per SLO, then its SLAs."""

from __future__ import annotations

from reliability.config.groups import slo_group_labels
from reliability.config.model import Config, Sla, Slo
from reliability.conventions import CURRENT_BURN_WINDOW, RULE_SLI_ERROR, Metric
from reliability.exporters.grafana.catalog import SLO_GRAPHS, SLO_STATS
from reliability.exporters.grafana.envelope import TAG, dashboard, dashboard_uid
from reliability.exporters.grafana.panels import Item, Panel, Query, Row, graph
from reliability.exporters.grafana.promql import SERVICE, SLA, has_team, is_, named_series, series, slo_scope
from reliability.exporters.grafana.specs import panel, slo_facts
from reliability.exporters.grafana.tables import slo_table
from reliability.exporters.grafana.thresholds import (
    BREACH_CODES,
    Json,
    error_ratio_steps,
    objective_text,
    sla_steps,
)
from reliability.exporters.grafana.user_series import user_series_panels
from reliability.exporters.rules import SloRuleSpec
from reliability.formulas import ERROR_RATIO, SLA_ATTAINMENT, SLA_BREACH
from reliability.render.numbers import configured_percent


def service_dashboard(config: Config, service: str, rules: dict[str, SloRuleSpec]) -> Json:
    """`rules`: the recording rules `reliability rules` writes, by SLO id (the other SLOs have none)."""
    slos = [s for s in config.slos if s.service == service]
    slas = [s for s in config.slas if s.service == service]
    items: list[Item] = [Row("row-summary", f"{service}: all SLOs"), slo_table(config, slos)]
    for slo in slos:
        title = f"{slo.name}: {objective_text(slo)} over {slo.window.describe()} ({slo.component})"
        items.append(Row(f"{slo.id}:row", title))
        items += _slo_panels(config, slo, rules.get(slo.id))
        items += user_series_panels(config, slo)
    if slas:
        items.append(Row("row-slas", "SLAs"))
        for sla in slas:
            items += _sla_stats(sla)
    return dashboard(
        dashboard_uid(f"{TAG}-{service}"),
        f"SLOs: {service}",
        f"The SLOs of {service}: for each, its SLI against the objective, the error budget and its "
        "burn-down over the window, burn rates, alert state, and its error and request series.",
        items,
        current_service=service,
        team_variable=has_team(slos),
        group_labels=tuple(dict.fromkeys(label for slo in slos for label in slo_group_labels(config, slo))),
    )


def _slo_panels(config: Config, slo: Slo, rules: SloRuleSpec | None) -> list[Item]:
    scope = slo_scope(slo, slo_group_labels(config, slo))
    named, facts = named_series([slo], scope), slo_facts(config, slo)
    panels: list[Item] = [
        panel(spec, config, slo, named, facts, with_rules=rules is not None)
        for spec in (*SLO_STATS, *SLO_GRAPHS)
    ]
    if rules is not None:
        period = rules.period.name
        windows = [*rules.windows(), *([] if period in rules.windows() else [period])]
        errors = [Query(series(RULE_SLI_ERROR.format(window=w), *scope.rules), w) for w in windows]
        panels.append(
            graph(
                f"{slo.id}:error-ratios",
                "Error ratio by window",
                f"{ERROR_RATIO.text}, over each alert window, the last {CURRENT_BURN_WINDOW} and the SLO "
                "period, from the recording rules. Above the dashed line (1 - objective) the budget burns "
                "faster than it lasts.",
                errors,
                "percentunit",
                steps=error_ratio_steps(slo),
                show_thresholds=True,
                decimals=3,
            )
        )
    return panels


def _sla_stats(sla: Sla) -> list[Item]:
    matchers = (is_(SERVICE, sla.service), is_(SLA, sla.name))
    tiers = ", ".join(
        f"below {configured_percent(t.below_percent)}: {configured_percent(t.credit_percent)} credit"
        for t in sla.credits
    )
    target = configured_percent(sla.target_percent)
    return [
        Panel(
            f"sla:{sla.id}:attained",
            "stat",
            f"{sla.name}: attained",
            f"{SLA_ATTAINMENT.text}, of {sla.component} ({sla.sli}), the current month so far, against the "
            f"target {target}. Credit tiers: {tiers or 'none'}.",
            (Query(series(Metric.SLA_ATTAINED, *matchers), instant=True),),
            "percentunit",
            6,
            4,
            steps=sla_steps(sla),
            decimals=3,
        ),
        Panel(
            f"sla:{sla.id}:breach",
            "stat",
            f"{sla.name}: status",
            f"BREACHED or met: {SLA_BREACH.text}, with the target {target}, for the current month so far.",
            (Query(series(Metric.SLA_BREACH, *matchers), instant=True),),
            "none",
            6,
            4,
            codes=BREACH_CODES,
        ),
    ]
