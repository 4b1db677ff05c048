"""The error budget policy: ordered rules from budget remaining and alert state to a named state.

The first rule whose conditions all hold decides (e.g. freeze, warn). When none does,
the state is `ok`, unless there is no data, which is `no_data`: silence never passes a gate.
"""

from __future__ import annotations

from dataclasses import dataclass

from reliability.config.model import PolicyRule


@dataclass(frozen=True)
class PolicyDecision:
    state: str
    rule: int | None  # index of the rule that decided; None for the fallback
    reason: str


def _holds(rule: PolicyRule, remaining: float | None, alert_state: str) -> bool:
    if rule.budget_remaining_below is not None and (
        remaining is None or remaining >= rule.budget_remaining_below
    ):
        return False
    return not rule.alert_states or alert_state in rule.alert_states


def describe_rule(rule: PolicyRule) -> str:
    """The rule's conditions in words, as reports and explain show them."""
    parts = []
    if rule.budget_remaining_below is not None:
        parts.append(f"budget remaining below {rule.budget_remaining_below:.0%}")
    if rule.alert_states:
        parts.append(f"alert state {' or '.join(rule.alert_states)}")
    return " and ".join(parts) or "always"


def decide(rules: tuple[PolicyRule, ...], remaining: float | None, alert_state: str) -> PolicyDecision:
    for index, rule in enumerate(rules):
        if _holds(rule, remaining, alert_state):
            return PolicyDecision(rule.state, index, describe_rule(rule))
    if remaining is None or alert_state == "no_data":
        return PolicyDecision("no_data", None, "no data to judge the budget by")
    return PolicyDecision("ok", None, "no rule matched")
