"""The working of the alert state and of the error budget policy's decision."""

from __future__ import annotations

from reliability import formulas
from reliability.config.defaults import DEFAULT_POLICY
from reliability.config.model import PolicyRule
from reliability.core.policy import describe_rule
from reliability.render.numbers import exact
from reliability.trace.slo import SloTrace


def _burn_text(rate: float | None, unbounded: bool) -> str:
    return "unbounded" if unbounded else exact(rate)


def alert_lines(trace: SloTrace) -> list[str]:
    entry = trace.judged
    alert = entry.alert
    seconds = {r.window: r.seconds for r in entry.burn_rates}
    lines = [
        f"state: {alert.state} (window set {alert.window_set}; {formulas.ALERT_CONDITION.text})",
        f"{formulas.ALERT_FACTOR.text} ({entry.window_seconds} s)",
    ]
    for pair in alert.pairs:
        long, short = pair.long_window, pair.short_window
        low = ", low confidence: raises a ticket at most" if pair.low_confidence else ""
        lines.append(
            f"  {pair.severity:<6} {long}/{short}: factor = {exact(pair.budget_share)} x "
            f"{entry.window_seconds} / {exact(seconds.get(long))} = {exact(pair.factor)}; burn "
            f"{_burn_text(pair.long_burn_rate, pair.long_burn_unbounded)} ({long}), "
            f"{_burn_text(pair.short_burn_rate, pair.short_burn_unbounded)} ({short}): "
            f"{pair.status}{low}"
        )
    return lines


def _rule_text(rule: PolicyRule) -> str:
    return f"{rule.state} when {describe_rule(rule)}"


def policy_lines(trace: SloTrace) -> list[str]:
    entry, slo, settings = trace.judged, trace.slo, trace.config.settings
    if slo.policy:
        rules, whose = slo.policy, f"the SLO's own policy at {slo.origin.location()}"
    elif settings.policy:
        rules, whose = settings.policy, "settings.policy"
    else:
        rules, whose = DEFAULT_POLICY, "the built-in default (no SLO policy, no settings.policy)"
    policy = entry.policy
    decided = (
        f"rules[{policy.rule}] decided: {policy.state} ({policy.reason})"
        if policy.rule is not None
        else f"no rule held: {policy.state} ({policy.reason})"
    )
    return [
        f"rules in force: {whose}; the first that holds decides",
        *(f"  rules[{index}] {_rule_text(rule)}" for index, rule in enumerate(rules)),
        f"inputs: budget remaining {exact(entry.budget.remaining_ratio)}, alert state {entry.alert.state}",
        decided,
    ]
