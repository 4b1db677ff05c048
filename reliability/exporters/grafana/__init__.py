"""Grafana dashboards from the configuration: an overview of every SLO and one dashboard per service.

Pure: config in, JSON-ready dicts out. Queries read only what `reliability serve` exports
(conventions.Metric), what `reliability rules` records (conventions.RULE_*, for the SLOs it writes
rules for), and, for components on a Prometheus source, the user's metrics named in the selectors.
Every panel queries the `datasource` variable. The `service` and `slo` variables filter the
overview and a service dashboard's summary table; the per-SLO rows below that are fixed to the
configured SLOs, because their thresholds come from each SLO's objective and policy and their raw
series from each component's selectors.

Modules: `panels` (the panel model, ids, layout), `promql` (queries), `thresholds` (colours),
`catalog` (the uniform panels as data), `tables`, `user_series`, `overview`, `service`, `envelope`.
"""

from __future__ import annotations

from reliability.config.model import Config
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.exporters.grafana.overview import overview
from reliability.exporters.grafana.service import service_dashboard
from reliability.exporters.grafana.thresholds import Json
from reliability.exporters.rule_sources import from_config as rule_specs

OVERVIEW_FILE = "overview.json"

__all__ = ["OVERVIEW_FILE", "dashboards", "overview", "service_dashboard"]


def dashboards(config: Config) -> dict[str, Json]:
    """File name -> dashboard: `overview.json`, and `<service>.json` for each service with SLOs or SLAs."""
    services = sorted({s.service for s in config.slos} | {s.service for s in config.slas})
    if OVERVIEW_FILE.removesuffix(".json") in services:
        raise ReliabilityError(
            f"a service named 'overview' would overwrite {OVERVIEW_FILE}: rename the service",
            EXIT_INVALID_CONFIG,
        )
    rules = {spec.slo_id: spec for spec in rule_specs(config).specs}
    built = {OVERVIEW_FILE: overview(config)}
    return built | {f"{service}.json": service_dashboard(config, service, rules) for service in services}
