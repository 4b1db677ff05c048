"""PromQL for the dashboards: label matchers, the SLOs a panel shows, and the series its templates name."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from reliability.config.model import Selector, Slo
from reliability.conventions import (
    CURRENT_BURN_WINDOW,
    LABEL_SERVICE,
    LABEL_SLO,
    RULE_PERIOD_BURN,
    RULE_PERIOD_REMAINING,
    SLA_LABELS,
    SLO_LABELS,
    Metric,
)
from reliability.core.alerts import AlertState
from reliability.exporters.metrics import KIND, SEVERITY, WINDOW
from reliability.exporters.rules import quoted

SERVICE, SLO = SLO_LABELS[0], SLO_LABELS[2]
SLA = SLA_LABELS[2]
BY_SLO, BY_SLA = ", ".join(SLO_LABELS), ", ".join(SLA_LABELS)
TEAM = "team"  # a label of the user's that, when the dashboard's SLOs carry it, becomes a variable
_REGEX_OPERATOR = re.compile(r"[.^$*+?()\[\]{}|\\]")


def is_(label: str, value: str) -> str:
    return f"{label}={quoted(value)}"


def matches(label: str, regex: str) -> str:
    return f"{label}=~{quoted(regex)}"


def any_of(values: Iterable[str]) -> str:
    # Only the regex operators are escaped: names keep their '-', which re.escape would clutter.
    return "|".join(_REGEX_OPERATOR.sub(r"\\\g<0>", v) for v in sorted(set(values)))


def series(name: str, *matchers: str) -> str:
    return f"{name}{{{', '.join(matchers)}}}"


@dataclass(frozen=True)
class Scope:
    """Label matchers that pick the SLOs a panel shows: in the exported metrics and in the rules."""

    exported: tuple[str, ...]
    rules: tuple[str, ...]
    slas: tuple[str, ...]


VARIABLE_SCOPE = Scope(
    exported=(matches(SERVICE, "$service"), matches(SLO, "$slo")),
    rules=(matches(LABEL_SERVICE, "$service"), matches(LABEL_SLO, "$slo")),
    slas=(matches(SERVICE, "$service"),),
)


def user_label_names(slos: Sequence[Slo]) -> tuple[str, ...]:
    """Every label name the user gave these SLOs, sorted."""
    return tuple(sorted({name for slo in slos for name, _ in slo.labels}))


def has_team(slos: Sequence[Slo]) -> bool:
    return TEAM in user_label_names(slos)


def variable_scope(slos: Sequence[Slo]) -> Scope:
    """The dashboard variables' scope; narrowed by $team too when these SLOs have a team label."""
    if not has_team(slos):
        return VARIABLE_SCOPE
    team = matches(TEAM, "$team")  # its All is .*, which an SLO without the label matches too
    return Scope((*VARIABLE_SCOPE.exported, team), (*VARIABLE_SCOPE.rules, team), VARIABLE_SCOPE.slas)


def slo_grouping(slos: Sequence[Slo]) -> str:
    """One row per SLO, keeping the user's labels: a table shows them as columns."""
    return ", ".join((*SLO_LABELS, *user_label_names(slos)))


def slo_scope(slo: Slo, group_labels: Sequence[str] = ()) -> Scope:
    """The SLO's series; a grouped SLO's are every group's, narrowed by the group variables."""
    if not group_labels:
        return Scope(
            exported=(is_(SERVICE, slo.service), is_(SLO, slo.name)),
            rules=(is_(LABEL_SERVICE, slo.service), is_(LABEL_SLO, slo.name)),
            slas=(is_(SERVICE, slo.service),),
        )
    chosen = tuple(matches(label, f"${label}") for label in group_labels)
    return Scope(
        exported=(is_(SERVICE, slo.service), matches(SLO, any_of([slo.name]) + r"\{.*\}"), *chosen),
        rules=(is_(LABEL_SERVICE, slo.service), is_(LABEL_SLO, slo.name), *chosen),
        slas=(is_(SERVICE, slo.service),),
    )


def window_sli(slos: Sequence[Slo], scope: Scope) -> str:
    """The SLI over each SLO's own window (the exported SLI also holds the alert windows)."""
    by_window: dict[str, list[str]] = {}
    for slo in slos:
        by_window.setdefault(slo.window.name, []).append(slo.name)
    if len(by_window) <= 1:
        return series(Metric.SLI, *scope.exported, *(is_(WINDOW, w) for w in by_window))
    return " or ".join(
        series(Metric.SLI, *scope.exported, is_(WINDOW, window), matches(SLO, any_of(names)))
        for window, names in sorted(by_window.items())
    )


def alert_state(scope: Scope, by: str = BY_SLO) -> str:
    page = series(Metric.ALERT, *scope.exported, is_(SEVERITY, AlertState.PAGE))
    ticket = series(Metric.ALERT, *scope.exported, is_(SEVERITY, AlertState.TICKET))
    return f"max by ({by}) ({page} * 3 or {ticket} * 2 or {series(Metric.NO_DATA, *scope.exported)})"


def per_slo(expr: str, by: str = BY_SLO) -> str:
    # One series per SLO whatever scraped it (job, instance), so table queries merge row by row.
    return f"max by ({by}) ({expr})"


def by_service_and_slo(expr: str) -> str:
    # One line per SLO on a graph, named by its service and SLO.
    return f"max by ({SERVICE}, {SLO}) ({expr})"


def rate(selector: Selector, suffix: str = "") -> str:
    return f"sum(rate({selector.promql(selector.metric + suffix)}[$__rate_interval]))"


def named_series(slos: Sequence[Slo], scope: Scope) -> dict[str, str]:
    """The series the panel catalog's expression templates name, for these SLOs in this scope."""
    exported = scope.exported
    return {
        "sli": window_sli(slos, scope),
        "sli_by_window": series(Metric.SLI, *exported),
        "objective": series(Metric.SLO_OBJECTIVE, *exported),
        "budget_remaining": series(Metric.BUDGET_REMAINING, *exported),
        "burn_by_window": series(Metric.BURN_RATE, *exported),
        "current_burn": series(Metric.BURN_RATE, *exported, is_(WINDOW, CURRENT_BURN_WINDOW)),
        "alert_state": alert_state(scope, slo_grouping(slos)),
        "page": series(Metric.ALERT, *exported, is_(SEVERITY, AlertState.PAGE)),
        "ticket": series(Metric.ALERT, *exported, is_(SEVERITY, AlertState.TICKET)),
        "no_data": series(Metric.NO_DATA, *exported),
        "freeze": series(Metric.POLICY_FREEZE, *exported),
        "exhaustion": series(Metric.EXHAUSTION, *exported),
        "events": series(Metric.EVENTS, *exported),
        "bad_events": series(Metric.EVENTS, *exported, is_(KIND, "bad")),
        "sla_breach": series(Metric.SLA_BREACH, *scope.slas),
        "rule_remaining": series(RULE_PERIOD_REMAINING, *scope.rules),
        "rule_period_burn": series(RULE_PERIOD_BURN, *scope.rules),
    }
