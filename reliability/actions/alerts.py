"""Alertmanager alerts for one action: one alert per affected SLO of an incident, or one for an SLA.

Shared by the webhook's `format: alertmanager` payload and the Alertmanager API target, so both carry
the same labels (alertname, severity, service, component, slo or sla) and summaries.
"""

from __future__ import annotations

from dataclasses import dataclass

from reliability.artifacts.sla_compliance import ProjectedSlaEventDetails, SlaEvent, SloEventDetails
from reliability.config.model import SeverityNames, Trigger
from reliability.conventions import LABEL_TIER
from reliability.render.numbers import percent
from reliability.stages.alert_tier import alert_tier, severity_name
from reliability.stages.hooks import PlannedAction
from reliability.timefmt import format_rfc3339

_ALERT_NAMES = {
    Trigger.PAGE: "SLOErrorBudgetBurnPage",
    Trigger.TICKET: "SLOErrorBudgetBurnTicket",
    Trigger.BUDGET_EXHAUSTED: "SLOErrorBudgetExhausted",
    Trigger.BUDGET_BELOW: "SLOErrorBudgetLow",
    Trigger.NO_DATA: "SLONoData",
    Trigger.SLA_BREACH: "SLABreach",
    Trigger.SLA_BREACH_PROJECTED: "SLABreachProjected",
}
UNKNOWN = "unknown"  # a budget an alert message cannot state


@dataclass(frozen=True)
class Alert:
    labels: dict[str, str]
    annotations: dict[str, str]


def _identity(trigger: Trigger, details: SloEventDetails | None) -> dict[str, str]:
    """Alert name, default severity and tier; a recovery resolves the alert of the state it left."""
    tier = alert_tier(trigger, None if details is None else details.previous_alert_state)
    if trigger is Trigger.RECOVERY:
        trigger = Trigger(tier)
    return {
        "alertname": _ALERT_NAMES[trigger],
        "severity": severity_name(SeverityNames(), tier),
        LABEL_TIER: tier,
    }


def _slo_summary(trigger: Trigger, slo: str, details: SloEventDetails) -> str:
    match trigger:
        case Trigger.PAGE | Trigger.TICKET:
            rate = details.current_burn_rate
            pace = "unbounded" if details.current_burn_unbounded else f"{rate or 0:.2f}x"
            return f"{slo} burns its error budget fast ({trigger}, 1h burn rate {pace})"
        case Trigger.BUDGET_EXHAUSTED:
            left = percent(details.budget_remaining_ratio, 1, UNKNOWN)
            return f"{slo} has spent its error budget ({left} left)"
        case Trigger.BUDGET_BELOW:
            left = percent(details.budget_remaining_ratio, 1, UNKNOWN)
            threshold = percent(details.budget_below, 1, UNKNOWN)
            return f"{slo} has {left} of its error budget left, below {threshold}"
        case Trigger.NO_DATA:
            return f"{slo} has no data: its telemetry went silent"
    return f"{slo} recovered: {details.previous_alert_state} -> ok"


def _sla_summary(subject: str, event: SlaEvent) -> str:
    details = event.details
    if isinstance(details, ProjectedSlaEventDetails):  # sla_breach_projected
        projected, target = details.projected_percent, details.target_percent
        return f"{subject} would end the month at {projected:.3f}% < {target}%"
    attained, target = details.attained_percent, details.target_percent
    return f"{subject} is breached this month: {attained:.3f}% < {target}%"


def alerts(action: PlannedAction) -> list[Alert]:
    """The action's alerts, in the order of its event's SLOs."""
    event = action.event
    evaluated_at = format_rfc3339(event.evaluated_at)
    description = (
        f"hook {action.hook.name}, trigger {action.trigger.value}, evaluated at {evaluated_at}; "
        f"confidence {action.confidence.value:.2f} ({action.confidence.basis})"
    )
    common = {"service": event.service, "component": event.component}
    named = {"severity": event.severity} if event.severity else {}  # planned with the user's names
    if isinstance(event, SlaEvent):
        labels = _identity(action.trigger, None) | named | common | {"sla": action.subject}
        summary = _sla_summary(action.subject, event)
        return [Alert(labels, {"summary": summary, "description": description, "action_id": action.id})]
    found = []
    for item in event.slos:
        identity = _identity(action.trigger, item.details)
        labels = (item.labels or {}) | identity | named | common | {"slo": item.slo}
        summary = _slo_summary(action.trigger, item.slo, item.details)
        found.append(Alert(labels, {"summary": summary, "description": description, "action_id": action.id}))
    return found
