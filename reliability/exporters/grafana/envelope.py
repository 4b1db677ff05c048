"""The dashboard around the panels: uid, time, links, and the data source, service and SLO variables."""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from reliability.conventions import Metric
from reliability.exporters.grafana.panels import DATASOURCE, DATASOURCE_VARIABLE, Item, layout
from reliability.exporters.grafana.promql import SERVICE, SLO, TEAM, matches, series
from reliability.exporters.grafana.thresholds import Json

# Grafana 10.4 and later load schema 39 as it is; newer versions migrate it on load.
SCHEMA_VERSION = 39
TAG = "reliability"


def dashboard_uid(text: str) -> str:
    """Grafana uids hold at most 40 characters: a long name keeps a checksum to stay unique."""
    return text if len(text) <= 40 else f"{text[:31]}-{zlib.crc32(text.encode()):08x}"


def _variables(
    current_service: str | None, team_variable: bool, group_labels: Sequence[str] = ()
) -> list[Json]:
    datasource = {
        "type": "datasource",
        "name": DATASOURCE_VARIABLE,
        "label": "Data source",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
    }
    every = {"selected": True, "text": ["All"], "value": ["$__all"]}
    chosen = (
        every
        if current_service is None
        else {"selected": True, "text": [current_service], "value": [current_service]}
    )
    of_services: tuple[str, ...] = (matches(SERVICE, "$service"),)
    teams = [_label_variable(TEAM, "Team", series(Metric.SLO_OBJECTIVE, *of_services), every)]
    if team_variable:
        of_services += (matches(TEAM, "$team"),)
    return [
        datasource,
        _label_variable(SERVICE, "Service", series(Metric.SLO_OBJECTIVE), chosen),
        *(teams if team_variable else []),
        _label_variable(SLO, "SLO", series(Metric.SLO_OBJECTIVE, *of_services), every),
        # A grouped SLO's keys, each a label of its series: pick the groups shown.
        *(
            _label_variable(label, label, series(Metric.SLO_OBJECTIVE, *of_services), every)
            for label in group_labels
        ),
    ]


def _label_variable(label: str, title: str, selector: str, current: Json) -> Json:
    query = f"label_values({selector}, {label})"
    return {
        "type": "query",
        "name": label,
        "label": title,
        "datasource": DATASOURCE,
        "query": query,
        "definition": query,
        "current": current,
        "hide": 0,
        "includeAll": True,
        "allValue": ".*",
        "multi": True,
        "options": [],
        "refresh": 2,  # on every time range change: SLOs come and go with the config
        "regex": "",
        "sort": 1,
        "skipUrlSync": False,
    }


def dashboard(
    uid: str,
    title: str,
    description: str,
    items: Sequence[Item],
    current_service: str | None,
    team_variable: bool = False,
    group_labels: Sequence[str] = (),
) -> Json:
    builtin_annotations = {
        "builtIn": 1,
        "datasource": {"type": "grafana", "uid": "-- Grafana --"},
        "enable": True,
        "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)",
        "name": "Annotations & Alerts",
        "type": "dashboard",
    }
    others = {"title": "SLO dashboards", "type": "dashboards", "tags": [TAG], "asDropdown": True}
    return {
        "id": None,
        "uid": uid,
        "title": title,
        "description": description,
        "tags": [TAG, "slo"],
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "graphTooltip": 1,  # a shared crosshair lines the windows up across panels
        "timezone": "utc",  # as the artifacts and SLA months
        "weekStart": "monday",  # ISO weeks, as calendar-week SLO windows
        "fiscalYearStartMonth": 0,  # so `now/fQ` is the calendar quarter
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "templating": {"list": _variables(current_service, team_variable, group_labels)},
        "annotations": {"list": [builtin_annotations]},
        "links": [others | {"includeVars": False, "keepTime": True, "icon": "external link"}],
        "panels": layout(items),
    }
