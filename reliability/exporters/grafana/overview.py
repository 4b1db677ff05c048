"""The overview dashboard: status counts, every SLO in a table, their trends, and the SLAs."""

from __future__ import annotations

from reliability.config.model import Config
from reliability.conventions import Metric
from reliability.exporters.grafana.catalog import STATUS_COUNTS, TRENDS
from reliability.exporters.grafana.envelope import dashboard
from reliability.exporters.grafana.panels import Item, Panel, Query, Row
from reliability.exporters.grafana.promql import has_team, named_series, series, variable_scope
from reliability.exporters.grafana.specs import count_panel, overview_facts, panel
from reliability.exporters.grafana.tables import sla_table, slo_table
from reliability.exporters.grafana.thresholds import PLAIN, Json

LAST_RUN = Panel(
    "last-run",
    "stat",
    "Data evaluated",
    "When the run behind these numbers evaluated its data: every value here is as of then.",
    (Query(f"max({series(Metric.LAST_RUN)}) * 1000", instant=True),),  # Grafana wants ms
    "dateTimeFromNow",
    4,
    4,
    steps=PLAIN,
)


def overview(config: Config) -> Json:
    named = named_series(config.slos, variable_scope(config.slos))
    items: list[Item] = [
        Row("row-status", "Status"),
        *(count_panel(s, named) for s in STATUS_COUNTS),
        LAST_RUN,
    ]
    items += [Row("row-slos", "SLOs"), slo_table(config, config.slos)]
    facts = overview_facts(config)
    items += [Row("row-trends", "Trends"), *(panel(s, config, None, named, facts) for s in TRENDS)]
    items += [Row("row-slas", "SLAs"), sla_table(config.slas)]
    return dashboard(
        "reliability-overview",
        "SLOs: overview",
        "Every SLO: its SLI against the objective, error budget, burn rate, alert state and SLA status.",
        items,
        current_service=None,
        team_variable=has_team(config.slos),
    )
