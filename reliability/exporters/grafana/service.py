"""A service's dashboard: its SLOs in a table, then a row per SLO, then its SLAs."""

from __future__ import annotations

from reliability.config.model import Config, Sla, Slo
from reliability.conventions import (
    CURRENT_BURN_WINDOW,
    RULE_CURRENT_BURN,
    RULE_PERIOD_BURN,
    RULE_PERIOD_REMAINING,
    RULE_SLI_ERROR,
    Metric,
)
from reliability.exporters.grafana.envelope import TAG, dashboard, dashboard_uid
from reliability.exporters.grafana.panels import Item, Panel, Query, Row, graph, stat
from reliability.exporters.grafana.promql import (
    SERVICE,
    SLA,
    Scope,
    alert_state,
    is_,
    series,
    slo_scope,
    window_sli,
)
from reliability.exporters.grafana.tables import slo_table
from reliability.exporters.grafana.thresholds import (
    ALERT_CODES,
    BREACH_CODES,
    FREEZE_CODES,
    PLAIN,
    TIME_LEFT_STEPS,
    Json,
    budget_steps,
    burn_steps,
    error_ratio_steps,
    objective_steps,
    objective_text,
    percent_text,
    policy,
    sla_steps,
)
from reliability.exporters.grafana.user_series import user_series_panels
from reliability.exporters.metrics import KIND, WINDOW
from reliability.exporters.rules import SloRuleSpec

CALENDAR_TIME_FROM = {"week": "now/w", "month": "now/M", "quarter": "now/fQ"}


def service_dashboard(config: Config, service: str, rules: dict[str, SloRuleSpec]) -> Json:
    """`rules`: the recording rules `reliability rules` writes, by SLO id (the other SLOs have none)."""
    slos = [s for s in config.slos if s.service == service]
    slas = [s for s in config.slas if s.service == service]
    items: list[Item] = [Row("row-summary", f"{service}: all SLOs"), slo_table(config, slos)]
    for slo in slos:
        title = f"{slo.name}: {objective_text(slo)} over {slo.window.describe()} ({slo.component})"
        items.append(Row(f"{slo.id}:row", title))
        scope = slo_scope(slo)
        items += _slo_stats(config, slo, scope)
        items += _slo_graphs(config, slo, scope, rules.get(slo.id))
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
    )


def _slo_stats(config: Config, slo: Slo, scope: Scope) -> list[Item]:
    window = slo.window.describe()
    key = slo.id
    burn = series(Metric.BURN_RATE, *scope.exported, is_(WINDOW, CURRENT_BURN_WINDOW))
    bad = f"sum({series(Metric.EVENTS, *scope.exported, is_(KIND, 'bad'))})"
    return [
        stat(
            f"{key}:sli",
            "SLI",
            f"Good / total over the SLO window ({window}). Green at or above the objective "
            f"({objective_text(slo)}), red below it.",
            window_sli([slo], scope),
            "percentunit",
            steps=objective_steps(slo),
            decimals=3,
        ),
        stat(
            f"{key}:objective",
            "Objective",
            "The objective in force as a ratio; for `auto`, the one derived from history.",
            series(Metric.SLO_OBJECTIVE, *scope.exported),
            "percentunit",
            steps=PLAIN,
        ),
        stat(
            f"{key}:budget",
            "Budget remaining",
            f"The share of the error budget still unspent over the window ({window}); negative when "
            "overspent. Coloured by this SLO's budget policy.",
            series(Metric.BUDGET_REMAINING, *scope.exported),
            "percentunit",
            steps=budget_steps(policy(config, slo)),
            decimals=1,
        ),
        stat(
            f"{key}:burn",
            f"Burn rate ({CURRENT_BURN_WINDOW})",
            f"Error ratio over the last {CURRENT_BURN_WINDOW} / (1 - objective): 1 spends exactly the "
            f"budget over the window. Red from the page factor of the {CURRENT_BURN_WINDOW} alert pair.",
            burn,
            "suffix:x",
            steps=burn_steps(config, slo),
            decimals=2,
        ),
        stat(
            f"{key}:alert",
            "Alert state",
            f"The multiwindow burn-rate alert state ({slo.alert_windows} windows): PAGE, ticket, no data "
            "(a window without events) or ok.",
            alert_state(scope),
            "none",
            codes=ALERT_CODES,
        ),
        stat(
            f"{key}:policy",
            "Policy",
            "The error budget policy's verdict: FREEZE stops releases until the budget recovers.",
            series(Metric.POLICY_FREEZE, *scope.exported),
            "none",
            codes=FREEZE_CODES,
        ),
        stat(
            f"{key}:exhaustion",
            "Budget gone in",
            f"Time until the budget is spent at the {CURRENT_BURN_WINDOW} burn rate; 0 when spent, empty "
            "when nothing burns. Red within a day, orange within the 7-day forecast horizon.",
            series(Metric.EXHAUSTION, *scope.exported),
            "s",
            steps=TIME_LEFT_STEPS,
        ),
        stat(
            f"{key}:bad-events",
            "Bad events",
            f"Bad events in the SLO window ({window}); slices for a time-slice SLO.",
            bad,
            "short",
            steps=PLAIN,
        ),
    ]


def _slo_graphs(config: Config, slo: Slo, scope: Scope, rules: SloRuleSpec | None) -> list[Item]:
    window = slo.window.describe()
    key = slo.id
    remaining = [Query(series(Metric.BUDGET_REMAINING, *scope.exported), "reliability")]
    burns = [Query(series(Metric.BURN_RATE, *scope.exported), f"{{{{{WINDOW}}}}}")]
    if rules is not None:
        remaining.append(Query(series(RULE_PERIOD_REMAINING, *scope.rules), "recording rule"))
        burns.append(Query(series(RULE_CURRENT_BURN, *scope.rules), "current (rule)"))
        burns.append(Query(series(RULE_PERIOD_BURN, *scope.rules), "period (rule)"))
    sli_vs_objective = [
        Query(window_sli([slo], scope), f"SLI ({slo.window.name})"),
        Query(series(Metric.SLO_OBJECTIVE, *scope.exported), "objective"),
    ]
    graphs: list[Item] = [
        graph(
            f"{key}:sli-vs-objective",
            "SLI vs objective",
            f"The SLI over the SLO window ({window}) and the objective; below the dashed line the SLO "
            "is missed.",
            sli_vs_objective,
            "percentunit",
            steps=objective_steps(slo),
            show_thresholds=True,
            decimals=3,
        ),
        graph(
            f"{key}:burn-down",
            "Error budget burn-down",
            f"The share of the error budget left over the SLO window ({window}), shown over that window. "
            "`reliability`: as the pipeline computes it; `recording rule`: Prometheus' estimate over "
            "the rolling period. Dashed lines: the budget policy's levels.",
            remaining,
            "percentunit",
            steps=budget_steps(policy(config, slo)),
            show_thresholds=True,
            time_from=window_time_from(slo),
        ),
        graph(
            f"{key}:burn-rates",
            "Burn rate by window",
            "Error ratio / (1 - objective) over each alert window and the SLO window; `current` and "
            "`period` are the recording rules'. At 1 (dashed) the budget lasts exactly the window.",
            burns,
            "suffix:x",
            steps=burn_steps(config, slo),
            show_thresholds=True,
            decimals=2,
        ),
        graph(
            f"{key}:sli-by-window",
            "SLI by window",
            "Good / total over each alert window and the SLO window, as the pipeline exports them.",
            [Query(series(Metric.SLI, *scope.exported), f"{{{{{WINDOW}}}}}")],
            "percentunit",
            steps=objective_steps(slo),
            show_thresholds=True,
            decimals=3,
        ),
        graph(
            f"{key}:events",
            "Events in the SLO window",
            f"Good and bad events counted over the SLO window ({window}); slices for a time-slice SLO.",
            [Query(series(Metric.EVENTS, *scope.exported), f"{{{{{KIND}}}}}")],
            "short",
        ),
    ]
    if rules is not None:
        windows = [*rules.windows(), *([] if rules.period in rules.windows() else [rules.period])]
        errors = [Query(series(RULE_SLI_ERROR.format(window=w), *scope.rules), w) for w in windows]
        graphs.append(
            graph(
                f"{key}:error-ratios",
                "Error ratio by window",
                "Bad / total requests over each alert window and the SLO period, from the recording "
                "rules. Above the dashed line (1 - objective) the budget burns faster than it lasts.",
                errors,
                "percentunit",
                steps=error_ratio_steps(slo),
                show_thresholds=True,
                decimals=3,
            )
        )
    return graphs


def _sla_stats(sla: Sla) -> list[Item]:
    matchers = (is_(SERVICE, sla.service), is_(SLA, sla.name))
    tiers = ", ".join(
        f"below {percent_text(t.below_percent)}: {t.credit_percent:g}% credit" for t in sla.credits
    )
    target = percent_text(sla.target_percent)
    return [
        Panel(
            f"sla:{sla.id}:attained",
            "stat",
            f"{sla.name}: attained",
            f"Good / total of {sla.component} ({sla.sli}) over the current calendar month (UTC) so far, "
            f"against the target {target}. Credit tiers: {tiers or 'none'}.",
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
            f"BREACHED when this month's attainment is below the target {target}.",
            (Query(series(Metric.SLA_BREACH, *matchers), instant=True),),
            "none",
            6,
            4,
            codes=BREACH_CODES,
        ),
    ]


def window_time_from(slo: Slo) -> str:
    # Grafana's range for the calendar period so far; `now/fQ` is the calendar quarter while the
    # fiscal year starts in January, as the dashboards set it.
    if slo.window.calendar is not None:
        return CALENDAR_TIME_FROM[slo.window.calendar.value]
    return slo.window.name
