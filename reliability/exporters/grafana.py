"""Grafana dashboards from the configuration: an overview of every SLO and one dashboard per service.

Pure: config in, JSON-ready dicts out. Queries read only what `reliability serve` exports
(conventions.Metric), what `reliability rules` records (conventions.RULE_*, for the SLOs it writes
rules for), and, for components on a Prometheus source, the user's metrics named in the selectors.
Every panel queries the `datasource` variable. The `service` and `slo` variables filter the
overview and a service dashboard's summary table; the per-SLO rows below that are fixed to the
configured SLOs, because their thresholds come from each SLO's objective and policy and their raw
series from each component's selectors.
"""

from __future__ import annotations

import itertools
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reliability.config.defaults import DEFAULT_POLICY
from reliability.config.model import (
    Config,
    OpenMetricsSource,
    PolicyRule,
    PrometheusSource,
    Selector,
    Sla,
    Sli,
    SliKind,
    Slo,
)
from reliability.conventions import (
    CURRENT_BURN_WINDOW,
    FORECAST_HORIZON_SECONDS,
    LABEL_SERVICE,
    LABEL_SLO,
    RULE_CURRENT_BURN,
    RULE_PERIOD_BURN,
    RULE_PERIOD_REMAINING,
    RULE_SLI_ERROR,
    SLA_LABELS,
    SLO_LABELS,
    Metric,
)
from reliability.core.alerts import AlertState
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.exporters.metrics import KIND, SEVERITY, WINDOW
from reliability.exporters.rule_sources import from_config as rule_specs
from reliability.exporters.rules import SloRuleSpec, quoted

Json = dict[str, Any]
Code = tuple[int, str, str]  # a state's number -> its word and colour
Step = tuple[str, float | None]  # a colour from this value up; None for the base colour

# Grafana 10.4 and later load schema 39 as it is; newer versions migrate it on load.
SCHEMA_VERSION = 39
GRID_WIDTH = 24
OVERVIEW_FILE = "overview.json"
TAG = "reliability"
DATASOURCE_VARIABLE = "datasource"
DATASOURCE: Json = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}
SERVICE, SLO = SLO_LABELS[0], SLO_LABELS[2]
SLA = SLA_LABELS[2]
BY_SLO, BY_SLA = ", ".join(SLO_LABELS), ", ".join(SLA_LABELS)
SLO_LEGEND = f"{{{{{SERVICE}}}}}/{{{{{SLO}}}}}"
LATENCY_QUANTILES = (0.5, 0.9, 0.99)
DAY_SECONDS = 86400
# Grafana's ranges for the calendar period so far; `now/fQ` is the calendar quarter while the
# fiscal year starts in January (set below).
CALENDAR_TIME_FROM = {"week": "now/w", "month": "now/M", "quarter": "now/fQ"}

# The alert state as one number, so a stat or a table maps it to a word and a colour. The highest
# applies, as in the pipeline: page over ticket over no data over ok.
ALERT_CODES: tuple[Code, ...] = (
    (0, "ok", "green"),
    (1, "no data", "purple"),
    (2, "ticket", "orange"),
    (3, "PAGE", "red"),
)
FREEZE_CODES: tuple[Code, ...] = ((0, "ok", "green"), (1, "FREEZE", "red"))
BREACH_CODES: tuple[Code, ...] = ((0, "met", "green"), (1, "BREACHED", "red"))
POLICY_COLOURS = {"freeze": "red", "warn": "orange"}
BURN_STEPS: tuple[Step, ...] = (("green", None), ("yellow", 1.0))  # 1 spends the budget exactly
MARGIN_STEPS: tuple[Step, ...] = (("red", None), ("green", 0.0))
PLAIN: tuple[Step, ...] = (("text", None),)
_REGEX_OPERATOR = re.compile(r"[.^$*+?()\[\]{}|\\]")


# ---------------------------------------------------------------- PromQL


def _is(label: str, value: str) -> str:
    return f"{label}={quoted(value)}"


def _matches(label: str, regex: str) -> str:
    return f"{label}=~{quoted(regex)}"


def _any_of(values: Iterable[str]) -> str:
    # Only the regex operators are escaped: names keep their '-', which re.escape would clutter.
    return "|".join(_REGEX_OPERATOR.sub(r"\\\g<0>", v) for v in sorted(set(values)))


def _series(name: str, *matchers: str) -> str:
    return f"{name}{{{', '.join(matchers)}}}"


@dataclass(frozen=True)
class Scope:
    """Label matchers that pick the SLOs a panel shows: in the exported metrics and in the rules."""

    exported: tuple[str, ...]
    rules: tuple[str, ...]
    slas: tuple[str, ...]


VARIABLE_SCOPE = Scope(
    exported=(_matches(SERVICE, "$service"), _matches(SLO, "$slo")),
    rules=(_matches(LABEL_SERVICE, "$service"), _matches(LABEL_SLO, "$slo")),
    slas=(_matches(SERVICE, "$service"),),
)


def _slo_scope(slo: Slo) -> Scope:
    return Scope(
        exported=(_is(SERVICE, slo.service), _is(SLO, slo.name)),
        rules=(_is(LABEL_SERVICE, slo.service), _is(LABEL_SLO, slo.name)),
        slas=(_is(SERVICE, slo.service),),
    )


def _window_sli(slos: Sequence[Slo], scope: Scope) -> str:
    """The SLI over each SLO's own window (the exported SLI also holds the alert windows)."""
    by_window: dict[str, list[str]] = {}
    for slo in slos:
        by_window.setdefault(slo.window.name, []).append(slo.name)
    if len(by_window) <= 1:
        return _series(Metric.SLI, *scope.exported, *(_is(WINDOW, w) for w in by_window))
    return " or ".join(
        _series(Metric.SLI, *scope.exported, _is(WINDOW, window), _matches(SLO, _any_of(names)))
        for window, names in sorted(by_window.items())
    )


def _alert_state(scope: Scope) -> str:
    page = _series(Metric.ALERT, *scope.exported, _is(SEVERITY, AlertState.PAGE))
    ticket = _series(Metric.ALERT, *scope.exported, _is(SEVERITY, AlertState.TICKET))
    return f"max by ({BY_SLO}) ({page} * 3 or {ticket} * 2 or {_series(Metric.NO_DATA, *scope.exported)})"


def _per_slo(expr: str) -> str:
    # One series per SLO whatever scraped it (job, instance), so table queries merge row by row.
    return f"max by ({BY_SLO}) ({expr})"


def _rate(selector: Selector, suffix: str = "") -> str:
    return f"sum(rate({selector.promql(selector.metric + suffix)}[$__rate_interval]))"


# ---------------------------------------------------------------- panels


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
    steps: tuple[Step, ...] = (("green", None),)
    codes: tuple[Code, ...] = ()
    show_thresholds: bool = False  # draw the thresholds on a graph as dashed lines
    decimals: int | None = None
    time_from: str | None = None  # the panel's own time range, e.g. the SLO window
    overrides: tuple[Json, ...] = ()
    options: Json = field(default_factory=dict)

    def to_json(self, panel_id: int, x: int, y: int) -> Json:
        defaults: Json = {
            "unit": self.unit,
            "thresholds": _thresholds(self.steps),
            "color": {"mode": "palette-classic" if self.kind == "timeseries" else "thresholds"},
            "mappings": [_value_mapping(self.codes)] if self.codes else [],
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


def _stat(key: str, title: str, description: str, expr: str, unit: str, **extra: Any) -> Panel:
    return Panel(key, "stat", title, description, (Query(expr, instant=True),), unit, 3, 4, **extra)


def _graph(
    key: str, title: str, description: str, queries: Sequence[Query], unit: str, **extra: Any
) -> Panel:
    return Panel(key, "timeseries", title, description, tuple(queries), unit, **extra)


def _thresholds(steps: Sequence[Step]) -> Json:
    return {"mode": "absolute", "steps": [{"color": colour, "value": value} for colour, value in steps]}


def _value_mapping(codes: Sequence[Code]) -> Json:
    options = {
        str(n): {"text": text, "color": colour, "index": i} for i, (n, text, colour) in enumerate(codes)
    }
    return {"type": "value", "options": options}


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


def _column(
    ref_id: str, name: str, unit: str, steps: Sequence[Step] = (), codes: Sequence[Code] = ()
) -> Json:
    """A table column from query `ref_id`: its header and unit, and its cells coloured if asked."""
    properties: list[Json] = [{"id": "displayName", "value": name}, {"id": "unit", "value": unit}]
    if steps or codes:
        properties.append({"id": "custom.cellOptions", "value": {"type": "color-text"}})
    if steps:
        properties.append({"id": "thresholds", "value": _thresholds(steps)})
    if codes:
        properties.append({"id": "mappings", "value": [_value_mapping(codes)]})
    return {"matcher": {"id": "byName", "options": f"Value #{ref_id}"}, "properties": properties}


# ---------------------------------------------------------------- thresholds from the config


def _percent(value: float) -> str:
    return f"{value:g}%"


def _ratio(percent: float) -> float:
    return round(percent / 100, 12)  # 99.9 / 100 is 0.9990000000000001 in floats


def _objective_text(slo: Slo) -> str:
    return "auto" if slo.objective_percent is None else _percent(slo.objective_percent)


def _objective_steps(slo: Slo) -> tuple[Step, ...]:
    if slo.objective_percent is None:  # `auto`: the objective is only known after a run
        return PLAIN
    return (("red", None), ("green", _ratio(slo.objective_percent)))


def _error_ratio_steps(slo: Slo) -> tuple[Step, ...]:
    if slo.objective_percent is None:
        return PLAIN
    return (("green", None), ("red", round(1 - _ratio(slo.objective_percent), 12)))


def _policy(config: Config, slo: Slo | None) -> tuple[PolicyRule, ...]:
    if slo is not None and slo.policy:
        return slo.policy
    return config.settings.policy or DEFAULT_POLICY


def _budget_steps(rules: Sequence[PolicyRule]) -> tuple[Step, ...]:
    """Coloured as the budget policy judges the budget: the first rule for each level decides."""
    levels: dict[float, str] = {}
    for rule in rules:
        if rule.budget_remaining_below is not None and not rule.alert_states:
            levels.setdefault(rule.budget_remaining_below, POLICY_COLOURS.get(rule.state, "yellow"))
    levels.setdefault(0.0, "red")  # a spent budget is red whatever the policy calls it
    bounds = sorted(levels)
    steps: list[Step] = [(levels[bounds[0]], None)]
    steps += [(levels[upper], lower) for lower, upper in itertools.pairwise(bounds)]
    return (*steps, ("green", bounds[-1]))


def _burn_steps(config: Config, slo: Slo) -> tuple[Step, ...]:
    """Yellow from 1; red (page) or orange (ticket) from the factor of the alert pair whose long
    window is the current burn window. Rolling windows only: a calendar period's factor changes
    with the period's length."""
    steps = list(BURN_STEPS)
    if slo.window.rolling_seconds is not None:
        for pair in config.alert_window_sets.get(slo.alert_windows, ()):
            if pair.long == CURRENT_BURN_WINDOW:
                colour = "red" if pair.severity == AlertState.PAGE else "orange"
                steps.append((colour, round(pair.factor(slo.window.rolling_seconds), 6)))
    return tuple(sorted(steps, key=lambda step: -1.0 if step[1] is None else step[1]))


def _sla_steps(sla: Sla) -> tuple[Step, ...]:
    """Red in the worst credit tier, orange in a milder one, green at or above the target."""
    bounds = sorted({t.below_percent for t in sla.credits} | {sla.target_percent})
    return (("red", None), *(("green" if b >= sla.target_percent else "orange", _ratio(b)) for b in bounds))


def _window_time_from(slo: Slo) -> str:
    if slo.window.calendar is not None:
        return CALENDAR_TIME_FROM[slo.window.calendar.value]
    return slo.window.name


# ---------------------------------------------------------------- tables and trends over many SLOs


def _slo_table(config: Config, slos: Sequence[Slo]) -> Panel:
    scope = VARIABLE_SCOPE
    sli = _per_slo(_window_sli(slos, scope))
    objective = _per_slo(_series(Metric.SLO_OBJECTIVE, *scope.exported))
    burn = _series(Metric.BURN_RATE, *scope.exported, _is(WINDOW, CURRENT_BURN_WINDOW))
    exprs = (
        sli,
        objective,
        f"{sli} - {objective}",
        _per_slo(_series(Metric.BUDGET_REMAINING, *scope.exported)),
        _per_slo(burn),
        _alert_state(scope),
        _per_slo(_series(Metric.POLICY_FREEZE, *scope.exported)),
        _per_slo(_series(Metric.EXHAUSTION, *scope.exported)),
    )
    columns = (
        _column("A", "SLI", "percentunit"),
        _column("B", "Objective", "percentunit"),
        _column("C", "Margin", "percentunit", MARGIN_STEPS),
        _column("D", "Budget left", "percentunit", _budget_steps(_policy(config, None))),
        _column("E", f"Burn ({CURRENT_BURN_WINDOW})", "suffix:x", BURN_STEPS),
        _column("F", "Alert", "none", codes=ALERT_CODES),
        _column("G", "Policy", "none", codes=FREEZE_CODES),
        _column("H", "Budget gone in", "s"),
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


def _sla_table(slas: Sequence[Sla]) -> Panel:
    selectors = (_series(m, *VARIABLE_SCOPE.slas) for m in (Metric.SLA_ATTAINED, Metric.SLA_BREACH))
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
            _column("A", "Attained this month", "percentunit"),
            _column("B", "Status", "none", codes=BREACH_CODES),
        ),
    )


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

    page = _series(Metric.ALERT, *scope.exported, _is(SEVERITY, AlertState.PAGE))
    ticket = _series(Metric.ALERT, *scope.exported, _is(SEVERITY, AlertState.TICKET))
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
            _series(Metric.BUDGET_REMAINING, *scope.exported),
            "<= 0",
            "red",
        ),
        count(
            "count-no-data",
            "SLOs without data",
            "SLOs whose window holds no events: no SLI, no budget. Silence is never counted as good.",
            _series(Metric.NO_DATA, *scope.exported),
            "== 1",
            "purple",
        ),
        count(
            "count-sla-breach",
            "SLAs breached",
            "SLAs whose attainment this calendar month (UTC) so far is below the contracted target.",
            _series(Metric.SLA_BREACH, *scope.slas),
            "== 1",
            "red",
        ),
        Panel(
            "last-run",
            "stat",
            "Data evaluated",
            "When the run behind these numbers evaluated its data: every value here is as of then.",
            (Query(f"max({_series(Metric.LAST_RUN)}) * 1000", instant=True),),  # Grafana wants ms
            "dateTimeFromNow",
            4,
            4,
            steps=PLAIN,
        ),
    ]


def _trends(config: Config, slos: Sequence[Slo]) -> list[Item]:
    scope = VARIABLE_SCOPE

    def by_slo(expr: str) -> str:
        return f"max by ({SERVICE}, {SLO}) ({expr})"

    margin = f"{by_slo(_window_sli(slos, scope))} - {by_slo(_series(Metric.SLO_OBJECTIVE, *scope.exported))}"
    burn = _series(Metric.BURN_RATE, *scope.exported, _is(WINDOW, CURRENT_BURN_WINDOW))
    return [
        _graph(
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
        _graph(
            "trend-budget",
            "Error budget remaining",
            "The share of each SLO's error budget still unspent over its window; negative when "
            "overspent. Dashed lines: the budget policy's levels.",
            [Query(by_slo(_series(Metric.BUDGET_REMAINING, *scope.exported)), SLO_LEGEND)],
            "percentunit",
            height=9,
            steps=_budget_steps(_policy(config, None)),
            show_thresholds=True,
        ),
        _graph(
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
            (Query(_alert_state(scope), SLO_LEGEND),),
            "none",
            height=9,
            codes=ALERT_CODES,
        ),
    ]


def overview(config: Config) -> Json:
    items: list[Item] = [Row("row-status", "Status"), *_status_counts()]
    items += [Row("row-slos", "SLOs"), _slo_table(config, config.slos)]
    items += [Row("row-trends", "Trends"), *_trends(config, config.slos)]
    items += [Row("row-slas", "SLAs"), _sla_table(config.slas)]
    return _dashboard(
        "reliability-overview",
        "SLOs: overview",
        "Every SLO: its SLI against the objective, error budget, burn rate, alert state and SLA status.",
        items,
        current_service=None,
    )


# ---------------------------------------------------------------- one SLO


def _slo_stats(config: Config, slo: Slo, scope: Scope) -> list[Item]:
    window = slo.window.describe()
    key = slo.id
    burn = _series(Metric.BURN_RATE, *scope.exported, _is(WINDOW, CURRENT_BURN_WINDOW))
    bad = f"sum({_series(Metric.EVENTS, *scope.exported, _is(KIND, 'bad'))})"
    gone_steps = (("red", None), ("orange", float(DAY_SECONDS)), ("green", float(FORECAST_HORIZON_SECONDS)))
    return [
        _stat(
            f"{key}:sli",
            "SLI",
            f"Good / total over the SLO window ({window}). Green at or above the objective "
            f"({_objective_text(slo)}), red below it.",
            _window_sli([slo], scope),
            "percentunit",
            steps=_objective_steps(slo),
            decimals=3,
        ),
        _stat(
            f"{key}:objective",
            "Objective",
            "The objective in force as a ratio; for `auto`, the one derived from history.",
            _series(Metric.SLO_OBJECTIVE, *scope.exported),
            "percentunit",
            steps=PLAIN,
        ),
        _stat(
            f"{key}:budget",
            "Budget remaining",
            f"The share of the error budget still unspent over the window ({window}); negative when "
            "overspent. Coloured by this SLO's budget policy.",
            _series(Metric.BUDGET_REMAINING, *scope.exported),
            "percentunit",
            steps=_budget_steps(_policy(config, slo)),
            decimals=1,
        ),
        _stat(
            f"{key}:burn",
            f"Burn rate ({CURRENT_BURN_WINDOW})",
            f"Error ratio over the last {CURRENT_BURN_WINDOW} / (1 - objective): 1 spends exactly the "
            f"budget over the window. Red from the page factor of the {CURRENT_BURN_WINDOW} alert pair.",
            burn,
            "suffix:x",
            steps=_burn_steps(config, slo),
            decimals=2,
        ),
        _stat(
            f"{key}:alert",
            "Alert state",
            f"The multiwindow burn-rate alert state ({slo.alert_windows} windows): PAGE, ticket, no data "
            "(a window without events) or ok.",
            _alert_state(scope),
            "none",
            codes=ALERT_CODES,
        ),
        _stat(
            f"{key}:policy",
            "Policy",
            "The error budget policy's verdict: FREEZE stops releases until the budget recovers.",
            _series(Metric.POLICY_FREEZE, *scope.exported),
            "none",
            codes=FREEZE_CODES,
        ),
        _stat(
            f"{key}:exhaustion",
            "Budget gone in",
            f"Time until the budget is spent at the {CURRENT_BURN_WINDOW} burn rate; 0 when spent, empty "
            "when nothing burns. Red within a day, orange within the 7-day forecast horizon.",
            _series(Metric.EXHAUSTION, *scope.exported),
            "s",
            steps=gone_steps,
        ),
        _stat(
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
    remaining = [Query(_series(Metric.BUDGET_REMAINING, *scope.exported), "reliability")]
    burns = [Query(_series(Metric.BURN_RATE, *scope.exported), f"{{{{{WINDOW}}}}}")]
    if rules is not None:
        remaining.append(Query(_series(RULE_PERIOD_REMAINING, *scope.rules), "recording rule"))
        burns.append(Query(_series(RULE_CURRENT_BURN, *scope.rules), "current (rule)"))
        burns.append(Query(_series(RULE_PERIOD_BURN, *scope.rules), "period (rule)"))
    sli_vs_objective = [
        Query(_window_sli([slo], scope), f"SLI ({slo.window.name})"),
        Query(_series(Metric.SLO_OBJECTIVE, *scope.exported), "objective"),
    ]
    graphs: list[Item] = [
        _graph(
            f"{key}:sli-vs-objective",
            "SLI vs objective",
            f"The SLI over the SLO window ({window}) and the objective; below the dashed line the SLO "
            "is missed.",
            sli_vs_objective,
            "percentunit",
            steps=_objective_steps(slo),
            show_thresholds=True,
            decimals=3,
        ),
        _graph(
            f"{key}:burn-down",
            "Error budget burn-down",
            f"The share of the error budget left over the SLO window ({window}), shown over that window. "
            "`reliability`: as the pipeline computes it; `recording rule`: Prometheus' estimate over "
            "the rolling period. Dashed lines: the budget policy's levels.",
            remaining,
            "percentunit",
            steps=_budget_steps(_policy(config, slo)),
            show_thresholds=True,
            time_from=_window_time_from(slo),
        ),
        _graph(
            f"{key}:burn-rates",
            "Burn rate by window",
            "Error ratio / (1 - objective) over each alert window and the SLO window; `current` and "
            "`period` are the recording rules'. At 1 (dashed) the budget lasts exactly the window.",
            burns,
            "suffix:x",
            steps=_burn_steps(config, slo),
            show_thresholds=True,
            decimals=2,
        ),
        _graph(
            f"{key}:sli-by-window",
            "SLI by window",
            "Good / total over each alert window and the SLO window, as the pipeline exports them.",
            [Query(_series(Metric.SLI, *scope.exported), f"{{{{{WINDOW}}}}}")],
            "percentunit",
            steps=_objective_steps(slo),
            show_thresholds=True,
            decimals=3,
        ),
        _graph(
            f"{key}:events",
            "Events in the SLO window",
            f"Good and bad events counted over the SLO window ({window}); slices for a time-slice SLO.",
            [Query(_series(Metric.EVENTS, *scope.exported), f"{{{{{KIND}}}}}")],
            "short",
        ),
    ]
    if rules is not None:
        windows = [*rules.windows(), *([] if rules.period in rules.windows() else [rules.period])]
        errors = [Query(_series(RULE_SLI_ERROR.format(window=w), *scope.rules), w) for w in windows]
        graphs.append(
            _graph(
                f"{key}:error-ratios",
                "Error ratio by window",
                "Bad / total requests over each alert window and the SLO period, from the recording "
                "rules. Above the dashed line (1 - objective) the budget burns faster than it lasts.",
                errors,
                "percentunit",
                steps=_error_ratio_steps(slo),
                show_thresholds=True,
                decimals=3,
            )
        )
    return graphs


def _raw_panels(config: Config, slo: Slo) -> list[Item]:
    """Request, error and latency series from the user's own metrics, for components on Prometheus."""
    panels: list[Item] = []
    for component, sli in config.index.slo_slis(slo):
        if isinstance(config.source(component.source), (PrometheusSource, OpenMetricsSource)):
            panels += _raw_sli_panels(f"{slo.id}:{component.name}", component.name, sli)
    return panels


def _raw_sli_panels(key: str, component: str, sli: Sli) -> list[Item]:
    if sli.kind is SliKind.LATENCY and sli.histogram is not None:
        histogram = sli.histogram
        threshold = sli.threshold_seconds or 0.0
        buckets = f"sum by (le) (rate({histogram.promql(histogram.metric + '_bucket')}[$__rate_interval]))"
        quantiles = [
            Query(f"histogram_quantile({q:g}, {buckets})", f"p{q * 100:g}") for q in LATENCY_QUANTILES
        ]
        return [
            _graph(
                f"{key}:requests",
                f"Requests: {component}",
                f"Requests per second counted by the histogram {histogram.describe()} (its _count).",
                [Query(_rate(histogram, "_count"), "requests/s")],
                "reqps",
            ),
            _graph(
                f"{key}:latency",
                f"Latency: {component}",
                f"Latency quantiles estimated from the histogram {histogram.describe()}. The dashed line "
                f"is the SLI's threshold ({threshold:g}s): slower requests are bad.",
                quantiles,
                "s",
                steps=(("green", None), ("red", threshold)),
                show_thresholds=True,
            ),
        ]
    if sli.counters is None:
        return []
    counters = sli.counters
    queries = [Query(_rate(counters.total), "requests/s")]
    if counters.bad is not None:
        queries.append(Query(_rate(counters.bad), "errors/s"))
    elif counters.good is not None:
        queries.append(Query(f"{_rate(counters.total)} - {_rate(counters.good)}", "errors/s"))
    return [
        _graph(
            f"{key}:requests",
            f"Requests and errors: {component}",
            f"Requests per second ({counters.total.describe()}) and the bad ones among them as the SLI "
            f"counts them ({sli.describe()}).",
            queries,
            "reqps",
        )
    ]


# ---------------------------------------------------------------- a service


def _sla_stats(sla: Sla) -> list[Item]:
    matchers = (_is(SERVICE, sla.service), _is(SLA, sla.name))
    tiers = ", ".join(f"below {_percent(t.below_percent)}: {t.credit_percent:g}% credit" for t in sla.credits)
    target = _percent(sla.target_percent)
    return [
        Panel(
            f"sla:{sla.id}:attained",
            "stat",
            f"{sla.name}: attained",
            f"Good / total of {sla.component} ({sla.sli}) over the current calendar month (UTC) so far, "
            f"against the target {target}. Credit tiers: {tiers or 'none'}.",
            (Query(_series(Metric.SLA_ATTAINED, *matchers), instant=True),),
            "percentunit",
            6,
            4,
            steps=_sla_steps(sla),
            decimals=3,
        ),
        Panel(
            f"sla:{sla.id}:breach",
            "stat",
            f"{sla.name}: status",
            f"BREACHED when this month's attainment is below the target {target}.",
            (Query(_series(Metric.SLA_BREACH, *matchers), instant=True),),
            "none",
            6,
            4,
            codes=BREACH_CODES,
        ),
    ]


def service_dashboard(config: Config, service: str, rules: dict[str, SloRuleSpec]) -> Json:
    """`rules`: the recording rules `reliability rules` writes, by SLO id (the other SLOs have none)."""
    slos = [s for s in config.slos if s.service == service]
    slas = [s for s in config.slas if s.service == service]
    items: list[Item] = [Row("row-summary", f"{service}: all SLOs"), _slo_table(config, slos)]
    for slo in slos:
        scope = _slo_scope(slo)
        title = f"{slo.name}: {_objective_text(slo)} over {slo.window.describe()} ({slo.component})"
        items.append(Row(f"{slo.id}:row", title))
        items += _slo_stats(config, slo, scope)
        items += _slo_graphs(config, slo, scope, rules.get(slo.id))
        items += _raw_panels(config, slo)
    if slas:
        items.append(Row("row-slas", "SLAs"))
        for sla in slas:
            items += _sla_stats(sla)
    return _dashboard(
        _uid(f"{TAG}-{service}"),
        f"SLOs: {service}",
        f"The SLOs of {service}: for each, its SLI against the objective, the error budget and its "
        "burn-down over the window, burn rates, alert state, and its error and request series.",
        items,
        current_service=service,
    )


# ---------------------------------------------------------------- the dashboard around the panels


def _uid(text: str) -> str:
    """Grafana uids hold at most 40 characters: a long name keeps a checksum to stay unique."""
    return text if len(text) <= 40 else f"{text[:31]}-{zlib.crc32(text.encode()):08x}"


def _panel_id(key: str) -> int:
    # From the panel's identity, not its position: adding an SLO does not renumber the other
    # panels, so links to one (viewPanel=...) keep working.
    return zlib.crc32(key.encode()) % 2**31 or 1


def _layout(items: Sequence[Item]) -> list[Json]:
    """Left to right, wrapping at the grid's width; a row starts a new line."""
    panels: list[Json] = []
    keys: dict[int, str] = {}
    x = y = line_height = 0
    for item in items:
        panel_id = _panel_id(item.key)
        if panel_id in keys:
            raise ReliabilityError(f"dashboard panels {keys[panel_id]!r} and {item.key!r} share an id")
        keys[panel_id] = item.key
        if isinstance(item, Row) or x + item.width > GRID_WIDTH:
            x, y, line_height = 0, y + line_height, 0
        if isinstance(item, Row):
            grid = {"x": 0, "y": y, "w": GRID_WIDTH, "h": 1}
            row = {"id": panel_id, "type": "row", "title": item.title, "collapsed": False, "panels": []}
            panels.append(row | {"datasource": DATASOURCE, "gridPos": grid})
            y += 1
        else:
            panels.append(item.to_json(panel_id, x, y))
            x += item.width
            line_height = max(line_height, item.height)
    return panels


def _variables(current_service: str | None) -> list[Json]:
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
    slos_of_services = _series(Metric.SLO_OBJECTIVE, _matches(SERVICE, "$service"))
    return [
        datasource,
        _label_variable(SERVICE, "Service", _series(Metric.SLO_OBJECTIVE), chosen),
        _label_variable(SLO, "SLO", slos_of_services, every),
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


def _dashboard(
    uid: str, title: str, description: str, items: Sequence[Item], current_service: str | None
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
        "fiscalYearStartMonth": 0,
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "templating": {"list": _variables(current_service)},
        "annotations": {"list": [builtin_annotations]},
        "links": [others | {"includeVars": False, "keepTime": True, "icon": "external link"}],
        "panels": _layout(items),
    }


def dashboards(config: Config) -> dict[str, Json]:
    """File name -> dashboard: `overview.json`, and `<service>.json` for each service with SLOs or SLAs."""
    services = sorted({s.service for s in config.slos} | {s.service for s in config.slas})
    if OVERVIEW_FILE.removesuffix(".json") in services:
        raise ReliabilityError(
            f"a service named 'overview' would overwrite {OVERVIEW_FILE}: rename the service",
            EXIT_INVALID_CONFIG,
        )
    rules = {f"{spec.service}/{spec.slo}": spec for spec in rule_specs(config).specs}
    built = {OVERVIEW_FILE: overview(config)}
    return built | {f"{service}.json": service_dashboard(config, service, rules) for service in services}
