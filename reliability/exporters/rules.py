"""Prometheus recording and alerting rules for SLOs, under Sloth's names: specs in, plain dicts out.

Per SLO, one group (Prometheus evaluates a group's rules in order, so later rules see earlier ones):
the error ratio over every window the alert pairs use and over the current burn window (1h), the SLO
period's ratio, the metadata rules Sloth's dashboards read, one alert per window pair and a no-data
alert. The current burn rate is the 1h ratio over the budget (Sloth's is the 5m one): the same number
as the summary, the exported metrics and the hooks.

The period's ratio is bad / total over the period, as `run` computes it: the 5m error and total
rates are recorded apart and each summed over the period (no long-range `rate`). Only when the
error ratio is all a source gives (Sloth's `raw` SLI) is it the mean of the 5m ratios, Sloth's way.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from reliability.config.model import AlertWindowPair, CounterSelectors, SeverityNames
from reliability.conventions import (
    CURRENT_BURN,
    LABEL_ID,
    LABEL_LONG_WINDOW,
    LABEL_OBJECTIVE,
    LABEL_SERVICE,
    LABEL_SEVERITY,
    LABEL_SHORT_WINDOW,
    LABEL_SLO,
    LABEL_TIER,
    LABEL_WINDOW,
    RULE_CURRENT_BURN,
    RULE_ERROR_BUDGET,
    RULE_ERROR_RATE,
    RULE_INFO,
    RULE_OBJECTIVE,
    RULE_PERIOD_BURN,
    RULE_PERIOD_REMAINING,
    RULE_SLI_ERROR,
    RULE_TIME_PERIOD,
    RULE_TOTAL_RATE,
    TIER_NO_DATA,
)
from reliability.durations import format_duration
from reliability.vocabulary import Objective, Window, item_id

WINDOW = "{{.window}}"  # where a query template takes its range, as in Sloth's specs
PERIOD_BASE_WINDOW_SECONDS = 300  # the period ratio is the mean of the 5m rule's ratios
PAGE_ALERT, TICKET_ALERT = "SLOErrorBudgetBurnPage", "SLOErrorBudgetBurnTicket"
NO_DATA_ALERT = "SLONoData"

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
    # PromQL of the error and the total event rates with WINDOW, when the source gives both
    error_rate_query: str | None = None
    total_rate_query: str | None = None
    min_events: int = 0  # a page pair with fewer events in a window pages as a ticket, as in `run`
    # How the period is written in record names and ranges, when not `period.name` (Sloth's "4w")
    period_name: str | None = None
    # The period's ratio is the query itself over the whole period (Sloth's unoptimised rules)
    period_query_over_range: bool = False
    alert_labels: Labels = ()  # added to every alert, under the alert's own
    severity_names: SeverityNames = field(default_factory=SeverityNames)  # page and ticket as labelled
    group_labels: tuple[str, ...] = ()  # a grouped SLO: its queries sum by these, one series per group

    @property
    def period_window(self) -> str:
        return self.period_name or self.period.name

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


def _event_rate_rules(spec: SloRuleSpec) -> list[dict[str, Any]]:
    """The 5m error and total rates, each its own series so the period can sum both."""
    if spec.error_rate_query is None or spec.total_rate_query is None:
        return []
    base = format_duration(PERIOD_BASE_WINDOW_SECONDS)
    return [
        {
            "record": name.format(window=base),
            "expr": query.replace(WINDOW, base),
            "labels": series_labels(spec, base),
        }
        for name, query in (
            (RULE_ERROR_RATE, spec.error_rate_query),
            (RULE_TOTAL_RATE, spec.total_rate_query),
        )
    ]


def _period_ratio_expr(spec: SloRuleSpec) -> str:
    period, base = spec.period_window, format_duration(PERIOD_BASE_WINDOW_SECONDS)
    if spec.period_query_over_range:
        return spec.error_ratio_query.replace(WINDOW, period)
    selector = slo_selector(spec)
    if spec.error_rate_query is not None and spec.total_rate_query is not None:
        errors = RULE_ERROR_RATE.format(window=base) + selector
        totals = RULE_TOTAL_RATE.format(window=base) + selector
        return f"sum_over_time({errors}[{period}]) / sum_over_time({totals}[{period}])"
    ratios = sli_error_record(base) + selector
    return f"sum_over_time({ratios}[{period}]) / ignoring({LABEL_WINDOW}) count_over_time({ratios}[{period}])"


def _error_ratio_rules(spec: SloRuleSpec) -> list[dict[str, Any]]:
    rules = [
        {
            "record": sli_error_record(window),
            "expr": spec.error_ratio_query.replace(WINDOW, window),
            "labels": series_labels(spec, window),
        }
        for window in spec.windows()
    ]
    rules += _event_rate_rules(spec)
    period = spec.period_window
    if period not in spec.windows():
        rules.append(
            {
                "record": sli_error_record(period),
                "expr": _period_ratio_expr(spec),
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
        RULE_PERIOD_BURN: f"{sli_error_record(spec.period_window)}{selector} / {matching} {budget}",
        RULE_PERIOD_REMAINING: f"1 - {RULE_PERIOD_BURN}{selector}",
    }
    rules: list[dict[str, Any]] = [
        {"record": record, "expr": expr, "labels": dict(labels)} for record, expr in expressions.items()
    ]
    info_labels = labels | {LABEL_OBJECTIVE: number(spec.objective.percent)}
    rules.append({"record": RULE_INFO, "expr": "vector(1)", "labels": info_labels})
    return rules


def _confident(spec: SloRuleSpec, pair: AlertWindowPair) -> str | None:
    """True (non-empty) when both of the pair's windows hold at least `min_events` events, as `run`
    asks before it pages; None when there is no minimum or no total to count."""
    if spec.min_events <= 0 or spec.total_rate_query is None:
        return None
    # Events are whole numbers: half an event below the minimum absorbs rate x seconds rounding.
    least = number(spec.min_events - 0.5)
    counts = [
        f"({spec.total_rate_query.replace(WINDOW, w.name)} * {w.seconds} > {least})"
        for w in (pair.long, pair.short)
    ]
    return f" and {_on_groups(spec)} ".join(counts)


def _alert_subject(spec: SloRuleSpec) -> str:
    """The SLO id an alert's text names: a grouped SLO's with its group, filled in per alert."""
    if not spec.group_labels:
        return spec.slo_id
    return (
        spec.slo_id
        + "{"
        + ",".join(f"{label}={{{{ $labels.{label} }}}}" for label in spec.group_labels)
        + "}"
    )


def _on_groups(spec: SloRuleSpec) -> str:
    """Matching by the group labels: each group's counts judge that group's alert only."""
    return f"on({', '.join(spec.group_labels)})"


def _burning(spec: SloRuleSpec, pair: AlertWindowPair, threshold: str) -> str:
    long, short = pair.long.name, pair.short.name
    selector = slo_selector(spec)
    return (
        f"({sli_error_record(long)}{selector} > {threshold}) and ignoring({LABEL_WINDOW}) "
        f"({sli_error_record(short)}{selector} > {threshold})"
    )


def alert_rule(
    spec: SloRuleSpec,
    alert: AlertSpec,
    pair: AlertWindowPair,
    for_seconds: int,
    low_confidence_page: bool = False,
) -> dict[str, Any]:
    """One multiwindow burn-rate alert: both windows burn faster than the pair's factor. With a
    minimum of events, a page pair pages only on enough events; `low_confidence_page` is its ticket
    for when it burns on fewer."""
    factor = number(pair.factor(spec.period.seconds))
    budget = number(spec.objective.exact_budget)
    threshold = f"({factor} * {budget})"
    long, short = pair.long.name, pair.short.name
    expr = _burning(spec, pair, threshold)
    confident = _confident(spec, pair) if pair.severity == "page" else None
    if confident is not None:
        expr = f"({expr}) {'unless' if low_confidence_page else 'and'} {_on_groups(spec)} ({confident})"
    share = number(pair.budget_share * 100)
    annotations = {
        "summary": f"{_alert_subject(spec)} is burning its error budget {factor}x too fast "
        f"over {long} and {short} ({alert.severity})",
        "description": f"The error ratio over {long} and over {short} is above {factor} times the "
        f"error budget ({budget}, objective {number(spec.objective.percent)}%): "
        f"at this rate {share}% of the {spec.period_window} budget is spent in {long}."
        + (f" Fewer than {spec.min_events} events: a ticket, not a page." if low_confidence_page else ""),
    } | dict(alert.annotations)
    rule: dict[str, Any] = {"alert": alert.name, "expr": expr}
    if for_seconds:
        rule["for"] = format_duration(for_seconds)
    rule["labels"] = (
        dict(spec.alert_labels)
        | dict(alert.labels)
        | id_labels(spec)
        | {
            LABEL_SEVERITY: spec.severity_names.of(alert.severity),
            LABEL_TIER: alert.severity,
            LABEL_LONG_WINDOW: long,
            LABEL_SHORT_WINDOW: short,
        }
    )
    rule["annotations"] = annotations
    return rule


def no_data_rule(spec: SloRuleSpec, for_seconds: int) -> dict[str, Any]:
    """Fires when the shortest short window of the pairs has no events (no series, or 0 / 0): then no pair can
    be judged, which `run` calls no_data."""
    window = format_duration(
        min((p.short.seconds for p in spec.alert_pairs), default=PERIOD_BASE_WINDOW_SECONDS)
    )
    # NaN (no events) fails `>= 0`, so absent() also sees a series that exists but holds 0 / 0.
    ratio = f"{sli_error_record(window)}{slo_selector(spec)}"
    expr = f"absent({ratio} >= 0)"
    if spec.group_labels:  # and each group seen in the period that has no events now
        seen = f"present_over_time({ratio}[{spec.period_window}])"
        expr += f" or ({seen} unless {_on_groups(spec)} ({ratio} >= 0))"
    rule: dict[str, Any] = {"alert": NO_DATA_ALERT, "expr": expr}
    if for_seconds:
        rule["for"] = format_duration(for_seconds)
    rule["labels"] = (
        dict(spec.alert_labels)
        | id_labels(spec)
        | {LABEL_SEVERITY: spec.severity_names.ticket, LABEL_TIER: TIER_NO_DATA, LABEL_WINDOW: window}
    )
    rule["annotations"] = {
        "summary": f"{_alert_subject(spec)} has no events over {window}",
        "description": f"No events over the last {window}: the SLO's alerts cannot be judged.",
    }
    return rule


def _alert_rules(spec: SloRuleSpec, for_seconds: int) -> list[dict[str, Any]]:
    rules = [alert_rule(spec, a, p, for_seconds) for a in spec.alerts for p in spec.pairs(a.severity)]
    tickets = [a for a in spec.alerts if a.severity == "ticket"][:1]
    for ticket in tickets:  # a page pair burning on too few events files a ticket, as in `run`
        rules += [
            alert_rule(spec, ticket, p, for_seconds, low_confidence_page=True)
            for p in spec.pairs("page")
            if _confident(spec, p) is not None
        ]
    return [*rules, no_data_rule(spec, for_seconds)]


def rule_group(spec: SloRuleSpec, for_seconds: int = 0) -> dict[str, Any]:
    return {
        "name": f"slo-{spec.id}",
        "rules": _error_ratio_rules(spec) + _metadata_rules(spec) + _alert_rules(spec, for_seconds),
    }


def rule_file(specs: list[SloRuleSpec], for_seconds: int = 0) -> dict[str, Any]:
    """A Prometheus rule file: one group per SLO."""
    return {"groups": [rule_group(spec, for_seconds) for spec in specs]}
