"""Declared panels: what a stat or graph of the catalog states, and how it becomes a panel.

Titles, descriptions and legends are `str.format` templates over a panel's facts (`{window}`,
`{objective}`, `{burn_window}`...); expressions are templates over the series `promql.named_series`
names (`{sli}`, `{current_burn}`...), so a query reads as the sum of its parts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from reliability.config.model import Config, Slo
from reliability.conventions import CURRENT_BURN_WINDOW
from reliability.core.alerts import AlertState
from reliability.exporters.grafana.panels import Panel, Query
from reliability.exporters.grafana.promql import SERVICE, SLO, by_service_and_slo
from reliability.exporters.grafana.thresholds import (
    Colouring,
    colours,
    current_burn_thresholds,
    objective_text,
)
from reliability.exporters.metrics import KIND, WINDOW
from reliability.exporters.rules import number

# Grafana's range for the calendar period so far; `now/fQ` is the calendar quarter while the
# fiscal year starts in January, as the dashboards set it.
CALENDAR_TIME_FROM = {"week": "now/w", "month": "now/M", "quarter": "now/fQ"}
STAT_SIZE, GRAPH_SIZE, COUNT_SIZE = (3, 4), (12, 8), (4, 4)  # width, height


@dataclass(frozen=True)
class QuerySpec:
    expr: str  # a template over the named series
    legend: str = ""  # a template over the facts
    needs_rules: bool = False  # reads a recording rule: only for SLOs `reliability rules` writes rules for


@dataclass(frozen=True)
class PanelSpec:
    key: str  # the panel's identity, after the SLO id on a service dashboard
    title: str
    description: str
    queries: tuple[QuerySpec, ...]
    unit: str
    kind: str = "timeseries"  # | stat | state-timeline
    colouring: Colouring = Colouring.GREEN
    decimals: int | None = None
    height: int | None = None  # the kind's height when None
    show_thresholds: bool = False
    over_slo_window: bool = False  # the panel's time range is the SLO window
    one_line_per_slo: bool = False  # each named series grouped by service and SLO


@dataclass(frozen=True)
class CountSpec:
    """A stat counting the SLOs (or SLAs) in a state: green at 0, `colour` from 1."""

    key: str
    title: str
    description: str
    condition: str  # a template over the named series, true for the SLOs counted
    colour: str


def _label(name: str) -> str:
    return f"{{{{{name}}}}}"  # Grafana's legend placeholder for a label's value


# Facts every panel may name: the current burn window and the per-series legends.
COMMON_FACTS = {
    "burn_window": CURRENT_BURN_WINDOW,
    "by_window": _label(WINDOW),
    "by_kind": _label(KIND),
    "by_slo": f"{_label(SERVICE)}/{_label(SLO)}",
}


def _burn_colours(config: Config, slo: Slo) -> str:
    """'; red from 14.4, where the 1h/5m page pair fires': each pair on the current burn window."""
    return "".join(
        f"; {t.colour} from {number(t.factor)}, where the {t.pair.label} {t.pair.severity} pair fires"
        for t in current_burn_thresholds(config, slo)
    )


def _pages_from(config: Config, slos: Sequence[Slo]) -> str:
    """' The 1h/5m page pair fires from 14.4 for a 30d SLO, 13.44 for a 28d SLO.': the current burn
    rates that page the SLOs shown, from their alert windows; empty when no page pair uses that window."""
    factors: dict[str, list[str]] = {}  # by pair, longest SLO window first
    for slo in sorted(slos, key=lambda slo: -(slo.window.rolling.seconds if slo.window.rolling else 0)):
        for t in current_burn_thresholds(config, slo):
            if t.pair.severity != AlertState.PAGE:
                continue
            said = f"{number(t.factor)} for a {slo.window.name} SLO"
            listed = factors.setdefault(t.pair.label, [])
            if said not in listed:
                listed.append(said)
    return "".join(f" The {pair} page pair fires from {', '.join(said)}." for pair, said in factors.items())


def slo_facts(config: Config, slo: Slo) -> dict[str, str]:
    return COMMON_FACTS | {
        "window": slo.window.describe(),
        "window_name": slo.window.name,
        "objective": objective_text(slo),
        "alert_windows": slo.alert_windows,
        "burn_colours": _burn_colours(config, slo),
    }


def overview_facts(config: Config) -> dict[str, str]:
    return COMMON_FACTS | {"pages_from": _pages_from(config, config.slos)}


def window_time_from(slo: Slo) -> str:
    if slo.window.calendar is not None:
        return CALENDAR_TIME_FROM[slo.window.calendar.value]
    return slo.window.name


def panel(
    spec: PanelSpec,
    config: Config,
    slo: Slo | None,
    named: Mapping[str, str],
    facts: Mapping[str, str],
    with_rules: bool = False,
) -> Panel:
    """The panel `spec` declares, for one SLO (keyed under its id) or for every SLO when `slo` is None."""
    if spec.one_line_per_slo:
        named = {name: by_service_and_slo(expr) for name, expr in named.items()}
    instant = spec.kind == "stat"
    queries = tuple(
        Query(q.expr.format_map(named), q.legend.format_map(facts), instant=instant)
        for q in spec.queries
        if with_rules or not q.needs_rules
    )
    steps, codes = colours(spec.colouring, config, slo)
    width, height = STAT_SIZE if instant else GRAPH_SIZE
    return Panel(
        spec.key if slo is None else f"{slo.id}:{spec.key}",
        spec.kind,
        spec.title.format_map(facts),
        spec.description.format_map(facts),
        queries,
        spec.unit,
        width,
        spec.height or height,
        steps=steps,
        codes=codes,
        show_thresholds=spec.show_thresholds,
        decimals=spec.decimals,
        time_from=window_time_from(slo) if spec.over_slo_window and slo is not None else None,
    )


def count_panel(spec: CountSpec, named: Mapping[str, str]) -> Panel:
    expr = f"count({spec.condition.format_map(named)}) or vector(0)"
    steps = (("green", None), (spec.colour, 1.0))
    return Panel(
        spec.key,
        "stat",
        spec.title,
        spec.description,
        (Query(expr, instant=True),),
        "none",
        *COUNT_SIZE,
        steps,
    )
