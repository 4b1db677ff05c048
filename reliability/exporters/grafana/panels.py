"""The panel model: queries, panels and rows, their Grafana JSON, ids and the grid layout."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from reliability.errors import ReliabilityError
from reliability.exporters.grafana.thresholds import GREEN, Code, Json, Step, thresholds, value_mapping

GRID_WIDTH = 24
DATASOURCE_VARIABLE = "datasource"
DATASOURCE: Json = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""
    instant: bool = False  # one value per series at the end of the range, as a stat or table wants

    def target(self, ref_id: str) -> Json:
        return {
            "datasource": DATASOURCE,
            "refId": ref_id,
            "expr": self.expr,
            "legendFormat": self.legend or "__auto",
            "instant": self.instant,
            "range": not self.instant,
            "format": "table" if self.instant else "time_series",
            "editorMode": "code",
        }


@dataclass(frozen=True)
class Panel:
    key: str  # identity within the dashboard: the panel id is derived from it
    kind: str  # stat | timeseries | table | state-timeline
    title: str
    description: str
    queries: tuple[Query, ...]
    unit: str
    width: int = 12
    height: int = 8
    steps: tuple[Step, ...] = GREEN
    codes: tuple[Code, ...] = ()
    show_thresholds: bool = False  # draw the thresholds on a graph as dashed lines
    decimals: int | None = None
    time_from: str | None = None  # the panel's own time range, e.g. the SLO window
    overrides: tuple[Json, ...] = ()
    options: Json = field(default_factory=dict)

    def to_json(self, panel_id: int, x: int, y: int) -> Json:
        defaults: Json = {
            "unit": self.unit,
            "thresholds": thresholds(self.steps),
            "color": {"mode": "palette-classic" if self.kind == "timeseries" else "thresholds"},
            "mappings": [value_mapping(self.codes)] if self.codes else [],
        }
        if self.decimals is not None:
            defaults["decimals"] = self.decimals
        if self.kind == "timeseries":
            style = "dashed" if self.show_thresholds else "off"
            defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "thresholdsStyle": {"mode": style}}
        panel: Json = {
            "id": panel_id,
            "type": self.kind,
            "title": self.title,
            "description": self.description,
            "datasource": DATASOURCE,
            "gridPos": {"x": x, "y": y, "w": self.width, "h": self.height},
            "targets": [q.target(chr(ord("A") + i)) for i, q in enumerate(self.queries)],
            "fieldConfig": {"defaults": defaults, "overrides": list(self.overrides)},
            "options": _default_options(self.kind) | self.options,
        }
        if self.time_from is not None:
            panel["timeFrom"] = self.time_from
        if self.kind == "table":
            merge = {"id": "merge", "options": {}}
            panel["transformations"] = [
                merge,
                {"id": "organize", "options": {"excludeByName": {"Time": True}}},
            ]
        return panel


@dataclass(frozen=True)
class Row:
    key: str
    title: str


Item = Panel | Row


def graph(key: str, title: str, description: str, queries: Sequence[Query], unit: str, **extra: Any) -> Panel:
    return Panel(key, "timeseries", title, description, tuple(queries), unit, **extra)


def _default_options(kind: str) -> Json:
    if kind == "stat":
        reduce = {"calcs": ["lastNotNull"], "fields": "", "values": False}
        return {"reduceOptions": reduce, "colorMode": "value", "graphMode": "none", "textMode": "auto"}
    if kind == "table":
        return {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}}
    if kind == "state-timeline":
        return {"legend": {"showLegend": True, "displayMode": "list", "placement": "bottom"}}
    legend = {"showLegend": True, "displayMode": "table", "placement": "right", "calcs": ["lastNotNull"]}
    return {"legend": legend, "tooltip": {"mode": "multi", "sort": "desc"}}


def column(ref_id: str, name: str, unit: str, steps: Sequence[Step] = (), codes: Sequence[Code] = ()) -> Json:
    """A table column from query `ref_id`: its header and unit, and its cells coloured if asked."""
    properties: list[Json] = [{"id": "displayName", "value": name}, {"id": "unit", "value": unit}]
    if steps or codes:
        properties.append({"id": "custom.cellOptions", "value": {"type": "color-text"}})
    if steps:
        properties.append({"id": "thresholds", "value": thresholds(steps)})
    if codes:
        properties.append({"id": "mappings", "value": [value_mapping(codes)]})
    return {"matcher": {"id": "byName", "options": f"Value #{ref_id}"}, "properties": properties}


def panel_id(key: str) -> int:
    # From the panel's identity, not its position: adding an SLO does not renumber the other
    # panels, so links to one (viewPanel=...) keep working.
    return zlib.crc32(key.encode()) % 2**31 or 1


def layout(items: Sequence[Item]) -> list[Json]:
    """Left to right, wrapping at the grid's width; a row starts a new line."""
    panels: list[Json] = []
    keys: dict[int, str] = {}
    x = y = line_height = 0
    for item in items:
        item_id = panel_id(item.key)
        if item_id in keys:
            raise ReliabilityError(f"dashboard panels {keys[item_id]!r} and {item.key!r} share an id")
        keys[item_id] = item.key
        if isinstance(item, Row) or x + item.width > GRID_WIDTH:
            x, y, line_height = 0, y + line_height, 0
        if isinstance(item, Row):
            grid = {"x": 0, "y": y, "w": GRID_WIDTH, "h": 1}
            row = {"id": item_id, "type": "row", "title": item.title, "collapsed": False, "panels": []}
            panels.append(row | {"datasource": DATASOURCE, "gridPos": grid})
            y += 1
        else:
            panels.append(item.to_json(item_id, x, y))
            x += item.width
            line_height = max(line_height, item.height)
    return panels
