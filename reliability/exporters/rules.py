"""Prometheus recording and alerting rules for SLOs, under Sloth's names: specs in, plain dicts out.

Per SLO, one group (Prometheus evaluates a group's rules in order, so later rules see earlier ones):
the error ratio over every window the alert pairs use and over the current burn window (1h), the SLO
period's ratio averaged from the 5m rule (no long-range `rate`), the metadata rules Sloth's dashboards
read, and one alert per window pair. The current burn rate is the 1h ratio over the budget (Sloth's is
the 5m one): the same number as the summary, the exported metrics and the hooks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from reliability.config.model import AlertWindowPair, CounterSelectors
from reliability.conventions import (
    CURRENT_BURN,
    LABEL_ID,
    LABEL_SERVICE,
    LABEL_SEVERITY,
    LABEL_SLO,
    LABEL_WINDOW,
    RULE_CURRENT_BURN,
    RULE_ERROR_BUDGET,
    RULE_INFO,
    RULE_OBJECTIVE,
    RULE_PERIOD_BURN,
    RULE_PERIOD_REMAINING,
    RULE_SLI_ERROR,
    RULE_TIME_PERIOD,
)
from reliability.durations import format_duration
from reliability.vocabulary import Objective, Window, item_id

WINDOW = "{{.window}}"  # where a query template takes its range, as in Sloth's specs
PERIOD_BASE_WINDOW_SECONDS = 300  # the period ratio is the mean of the 5m rule's ratios
LABEL_OBJECTIVE = "sloth_objective"
LABEL_LONG_WINDOW, LABEL_SHORT_WINDOW = "long_window", "short_window"
PAGE_ALERT, TICKET_ALERT = "SLOErrorBudgetBurnPage", "SLOErrorBudgetBurnTicket"

Labels = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class AlertSpec:
    """The alert for one severity; each of its window pairs becomes one rule under this name."""

    severity: str  # page | ticket
    name: str
    labels: Labels = ()
    annotations: Labels = ()  # override the generated summary and description


DEFAULT_ALERTS = (AlertSpec("page", PAGE_ALERT), AlertSpec("ticket", TICKET_ALERT))


@dataclass(frozen=True)
class SloRuleSpec:
    """What the rules need to know of one SLO, whichever document it came from."""

    service: str
    slo: str
    objective: Objective
    period: Window
    error_ratio_query: str  # PromQL of the error ratio (0..1) with WINDOW where the range goes
    alert_pairs: tuple[AlertWindowPair, ...]
    alerts: tuple[AlertSpec, ...] = DEFAULT_ALERTS
    labels: Labels = ()  # added to every recording rule
    counters: tuple[CounterSelectors, ...] = ()  # the series behind the query, when known (for tests)

    @property
    def id(self) -> str:
        return f"{self.service}-{self.slo}"

    @property
    def slo_id(self) -> str:
        """The SLO's id as the configuration and the artifacts spell it: service/slo."""
        return item_id(self.service, self.slo)

    def windows(self) -> list[str]:
        """The error-ratio windows the rules need, shortest first: the period's base (5m), the current
        burn window (1h) and each pair's two windows."""
        seconds = {PERIOD_BASE_WINDOW_SECONDS, CURRENT_BURN.seconds}
        for pair in self.alert_pairs:
            seconds.update((pair.long.seconds, pair.short.seconds))
        return [format_duration(s) for s in sorted(seconds)]

    def pairs(self, severity: str) -> list[AlertWindowPair]:
        return [p for p in self.alert_pairs if p.severity == severity]


def number(value: float | Decimal) -> str:
    """A PromQL literal without float noise or exponent: 14.400000000000002 -> 14.4, 1e-05 -> 0.00001."""
    rounded = Decimal(f"{value:.12g}").normalize()
    return format(rounded, "f")


def quoted(value: str) -> str:
    """A PromQL double-quoted string (Go escapes, which JSON's are a subset of)."""
    return json.dumps(value, ensure_ascii=False)


def id_labels(spec: SloRuleSpec) -> dict[str, str]:
    return {LABEL_ID: spec.id, LABEL_SERVICE: spec.service, LABEL_SLO: spec.slo}


def sli_error_record(window: str) -> str:
    return RULE_SLI_ERROR.format(window=window)


def series_labels(spec: SloRuleSpec, window: str) -> dict[str, str]:
    """Labels of the spec's recorded error ratio over `window`: the user's, then the SLO's."""
    return dict(spec.labels) | id_labels(spec) | {LABEL_WINDOW: window}


def slo_selector(spec: SloRuleSpec) -> str:
    """Matches the series recorded for this SLO, as Sloth does: by id, service and SLO name."""
    return "{" + ", ".join(f"{k}={quoted(v)}" for k, v in id_labels(spec).items()) + "}"


def _error_ratio_rules(spec: SloRuleSpec) -> list[dict[str, Any]]:
    rules = [
        {
            "record": sli_error_record(window),
            "expr": spec.error_ratio_query.replace(WINDOW, window),
            "labels": series_labels(spec, window),
        }
        for window in spec.windows()
    ]
    period = spec.period.name
    if period not in spec.windows():
        # The mean of the 5m ratios over the period: cheap, where a 30d rate would read every sample.
        base = sli_error_record(format_duration(PERIOD_BASE_WINDOW_SECONDS)) + slo_selector(spec)
        rules.append(
            {
                "record": sli_error_record(period),
                "expr": f"sum_over_time({base}[{period}]) / ignoring({LABEL_WINDOW}) "
                f"count_over_time({base}[{period}])",
                "labels": series_labels(spec, period),
            }
        )
    return rules


def _metadata_rules(spec: SloRuleSpec) -> list[dict[str, Any]]:
    labels = dict(spec.labels) | id_labels(spec)
    selector = slo_selector(spec)
    matching = f"on({LABEL_ID}, {LABEL_SLO}, {LABEL_SERVICE}) group_left"
    current = sli_error_record(CURRENT_BURN.name)
    budget = f"{RULE_ERROR_BUDGET}{selector}"
    expressions = {
        RULE_OBJECTIVE: f"vector({number(spec.objective.exact_ratio)})",
        RULE_ERROR_BUDGET: f"vector({number(spec.objective.exact_budget)})",
        RULE_TIME_PERIOD: f"vector({number(spec.period.seconds / 86400)})",
        RULE_CURRENT_BURN: f"{current}{selector} / {matching} {budget}",
        RULE_PERIOD_BURN: f"{sli_error_record(spec.period.name)}{selector} / {matching} {budget}",
        RULE_PERIOD_REMAINING: f"1 - {RULE_PERIOD_BURN}{selector}",
    }
    rules: list[dict[str, Any]] = [
        {"record": record, "expr": expr, "labels": dict(labels)} for record, expr in expressions.items()
    ]
    info_labels = labels | {LABEL_OBJECTIVE: number(spec.objective.percent)}
    rules.append({"record": RULE_INFO, "expr": "vector(1)", "labels": info_labels})
    return rules


def alert_rule(
    spec: SloRuleSpec, alert: AlertSpec, pair: AlertWindowPair, for_seconds: int
) -> dict[str, Any]:
    """One multiwindow burn-rate alert: both windows burn faster than the pair's factor."""
    factor = number(pair.factor(spec.period.seconds))
    budget = number(spec.objective.exact_budget)
    threshold = f"({factor} * {budget})"
    long, short = pair.long.name, pair.short.name
    selector = slo_selector(spec)
    expr = (
        f"({sli_error_record(long)}{selector} > {threshold}) and ignoring({LABEL_WINDOW}) "
        f"({sli_error_record(short)}{selector} > {threshold})"
    )
    share = number(pair.budget_share * 100)
    annotations = {
        "summary": f"{spec.slo_id} is burning its error budget {factor}x too fast "
        f"over {long} and {short} ({alert.severity})",
        "description": f"The error ratio over {long} and over {short} is above {factor} times the "
        f"error budget ({budget}, objective {number(spec.objective.percent)}%): "
        f"at this rate {share}% of the {spec.period.name} budget is spent in {long}.",
    } | dict(alert.annotations)
    rule: dict[str, Any] = {"alert": alert.name, "expr": expr}
    if for_seconds:
        rule["for"] = format_duration(for_seconds)
    rule["labels"] = (
        dict(alert.labels)
        | id_labels(spec)
        | {LABEL_SEVERITY: alert.severity, LABEL_LONG_WINDOW: long, LABEL_SHORT_WINDOW: short}
    )
    rule["annotations"] = annotations
    return rule


def rule_group(spec: SloRuleSpec, for_seconds: int = 0) -> dict[str, Any]:
    alerts = [alert_rule(spec, a, p, for_seconds) for a in spec.alerts for p in spec.pairs(a.severity)]
    return {
        "name": f"slo-{spec.id}",
        "rules": _error_ratio_rules(spec) + _metadata_rules(spec) + alerts,
    }


def rule_file(specs: list[SloRuleSpec], for_seconds: int = 0) -> dict[str, Any]:
    """A Prometheus rule file: one group per SLO."""
    return {"groups": [rule_group(spec, for_seconds) for spec in specs]}
