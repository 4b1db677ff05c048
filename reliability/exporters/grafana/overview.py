"""The overview dashboard: status counts, every SLO in a table, their trends, and the SLAs."""

from __future__ import annotations

from collections.abc import Sequence

from reliability.config.model import Config, Slo
from reliability.conventions import CURRENT_BURN_WINDOW, Metric
from reliability.core.alerts import AlertState
from reliability.exporters.grafana.envelope import dashboard
from reliability.exporters.grafana.panels import Item, Panel, Query, Row, graph
from reliability.exporters.grafana.promql import (
    SERVICE,
    SLO,
    VARIABLE_SCOPE,
    alert_state,
    by_service_and_slo,
    is_,
    series,
    window_sli,
)
from reliability.exporters.grafana.tables import sla_table, slo_table
from reliability.exporters.grafana.thresholds import (
    ALERT_CODES,
    BURN_STEPS,
    MARGIN_STEPS,
    PLAIN,
    Json,
    budget_steps,
    policy,
)
from reliability.exporters.metrics import SEVERITY, WINDOW

SLO_LEGEND = f"{{{{{SERVICE}}}}}/{{{{{SLO}}}}}"


def _status_counts() -> list[Item]:
    scope = VARIABLE_SCOPE

    def count(key: str, title: str, description: str, selector: str, condition: str, colour: str) -> Panel:
        expr = f"count({selector} {condition}) or vector(0)"
        return Panel(
            key,
            "stat",
            title,
            description,
            (Query(expr, instant=True),),
            "none",
            4,
            4,
            steps=(("green", None), (colour, 1.0)),
        )

    page = series(Metric.ALERT, *scope.exported, is_(SEVERITY, AlertState.PAGE))
    ticket = series(Metric.ALERT, *scope.exported, is_(SEVERITY, AlertState.TICKET))
    return [
        count(
            "count-page",
            "SLOs paging",
            "SLOs whose multiwindow burn-rate alert state is page: the budget burns fast enough to wake "
            "someone up.",
            page,
            "== 1",
            "red",
        ),
        count(
            "count-ticket",
            "SLOs with a ticket",
            "SLOs whose alert state is ticket: a slower, steady burn that needs attention within days.",
            ticket,
            "== 1",
            "orange",
        ),
        count(
            "count-exhausted",
            "Budgets exhausted",
            "SLOs with no error budget left over their window (remaining at or below 0).",
            series(Metric.BUDGET_REMAINING, *scope.exported),
            "<= 0",
            "red",
        ),
        count(
            "count-no-data",
            "SLOs without data",
            "SLOs whose window holds no events: no SLI, no budget. Silence is never counted as good.",
            series(Metric.NO_DATA, *scope.exported),
            "== 1",
            "purple",
        ),
        count(
            "count-sla-breach",
            "SLAs breached",
            "SLAs whose attainment this calendar month (UTC) so far is below the contracted target.",
            series(Metric.SLA_BREACH, *scope.slas),
            "== 1",
            "red",
        ),
        Panel(
            "last-run",
            "stat",
            "Data evaluated",
            "When the run behind these numbers evaluated its data: every value here is as of then.",
            (Query(f"max({series(Metric.LAST_RUN)}) * 1000", instant=True),),  # Grafana wants ms
            "dateTimeFromNow",
            4,
            4,
            steps=PLAIN,
        ),
    ]


def _trends(config: Config, slos: Sequence[Slo]) -> list[Item]:
    scope = VARIABLE_SCOPE

    by_slo = by_service_and_slo
    margin = f"{by_slo(window_sli(slos, scope))} - {by_slo(series(Metric.SLO_OBJECTIVE, *scope.exported))}"
    burn = series(Metric.BURN_RATE, *scope.exported, is_(WINDOW, CURRENT_BURN_WINDOW))
    return [
        graph(
            "trend-margin",
            "SLI minus objective",
            "Each SLO's SLI over its own window minus its objective: above the dashed line at 0 the "
            "SLO is met, below it missed.",
            [Query(margin, SLO_LEGEND)],
            "percentunit",
            height=9,
            steps=MARGIN_STEPS,
            show_thresholds=True,
            decimals=3,
        ),
        graph(
            "trend-budget",
            "Error budget remaining",
            "The share of each SLO's error budget still unspent over its window; negative when "
            "overspent. Dashed lines: the budget policy's levels.",
            [Query(by_slo(series(Metric.BUDGET_REMAINING, *scope.exported)), SLO_LEGEND)],
            "percentunit",
            height=9,
            steps=budget_steps(policy(config, None)),
            show_thresholds=True,
        ),
        graph(
            "trend-burn",
            f"Burn rate ({CURRENT_BURN_WINDOW})",
            f"Error ratio over the last {CURRENT_BURN_WINDOW} / (1 - objective). At 1 (dashed) the budget "
            "lasts exactly the SLO window; a 30d SLO pages from 14.4 (with the 5m window agreeing).",
            [Query(by_slo(burn), SLO_LEGEND)],
            "suffix:x",
            height=9,
            steps=BURN_STEPS,
            show_thresholds=True,
            decimals=2,
        ),
        Panel(
            "trend-alert",
            "state-timeline",
            "Alert state",
            "Each SLO's multiwindow burn-rate alert state over time: ok, no data (a window without "
            "events), ticket or PAGE.",
            (Query(alert_state(scope), SLO_LEGEND),),
            "none",
            height=9,
            codes=ALERT_CODES,
        ),
    ]


def overview(config: Config) -> Json:
    items: list[Item] = [Row("row-status", "Status"), *_status_counts()]
    items += [Row("row-slos", "SLOs"), slo_table(config, config.slos)]
    items += [Row("row-trends", "Trends"), *_trends(config, config.slos)]
    items += [Row("row-slas", "SLAs"), sla_table(config.slas)]
    return dashboard(
        "reliability-overview",
        "SLOs: overview",
        "Every SLO: its SLI against the objective, error budget, burn rate, alert state and SLA status.",
        items,
        current_service=None,
    )
