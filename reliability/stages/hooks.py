"""Stage 5 (planning): match SLO and SLA states against hooks, and say how sure each trigger is.

Pure: the inputs are the artifacts, the configuration, the evaluation time and the alert
state of each SLO in the previous run (passed in by the caller). Deciding whether an action
may run is reliability.actions.safety; running it is reliability.actions, and only with --execute.

Confidence (0..1) of a trigger resting on burn rates (page, ticket, recovery, budget_*):
min(1, events / needed), where `needed` is the SLO's alerting.min_events, or 100 when that
is 0, and `events` are those in the shortest window of the pairs that fired. Without a
firing pair, recovery uses the shortest window of its applicable pairs (the windows that
now hold the alert off) and budget_* the SLO window (the budget is spent over it).
SLA triggers count every event of the month: 1.0. no_data is a fact, not an estimate: 1.0.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from types import MappingProxyType

from reliability.artifacts.error_budgets import ErrorBudgets, SloBudget
from reliability.artifacts.sla_compliance import (
    AffectedSlo,
    HookEvent,
    ProjectedSlaEventDetails,
    SlaCompliance,
    SlaEntry,
    SlaEvent,
    SlaEventDetails,
    SloEvent,
    SloEventDetails,
)
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.config.model import Config, Hook, SeverityNames, Sla, Slo, Trigger
from reliability.conventions import CURRENT_BURN_WINDOW
from reliability.core.sla import credit_owed, month_start, next_month_start, projected_attainment
from reliability.stages.alert_tier import alert_tier, severity_name
from reliability.timefmt import parse_rfc3339
from reliability.vocabulary.ids import item_id

NO_PREVIOUS_RUN: Mapping[str, str] = MappingProxyType({})
ALERTING_STATES = frozenset({Trigger.PAGE.value, Trigger.TICKET.value})
EVENTS_FOR_FULL_CONFIDENCE = 100  # when the SLO sets no alerting.min_events
# Traffic volume for the SLA projection: a whole day, so the daily cycle averages out.
PROJECTION_RATE_WINDOW = "1d"


@dataclass(frozen=True)
class Confidence:
    value: float  # 0..1
    basis: str  # how it was reached, for people reading the record


CERTAIN_SLA = Confidence(1.0, "an SLA counts every event of the month")
CERTAIN_SILENCE = Confidence(1.0, "no data is a fact, not an estimate")


@dataclass(frozen=True)
class PlannedAction:
    id: str
    hook: Hook
    trigger: Trigger
    subject: str  # component id (an incident of its SLOs) or SLA id
    event: HookEvent
    confidence: Confidence


def _confidence_from_events(events: float, window: str, min_events: int) -> Confidence:
    needed = min_events or EVENTS_FOR_FULL_CONFIDENCE
    return Confidence(min(1.0, events / needed), f"{events} events in {window}, {needed} needed")


def _burn_confidence(entry: SloBudget, trigger: Trigger, min_events: int) -> Confidence:
    if trigger is Trigger.NO_DATA:
        return CERTAIN_SILENCE
    windows = {item.window: item for item in entry.burn_rates}
    pairs = entry.alert.pairs
    fired = [p for p in pairs if p.status == "firing"]
    if not fired and trigger in (Trigger.BUDGET_EXHAUSTED, Trigger.BUDGET_BELOW):
        return _confidence_from_events(entry.events, entry.window, min_events)
    chosen = fired or [p for p in pairs if p.status != "not_applicable"]
    names = {name for p in chosen for name in (p.long_window, p.short_window)}
    if not names:
        return _confidence_from_events(entry.events, entry.window, min_events)
    shortest = min((windows[name] for name in names), key=lambda item: item.seconds)
    return _confidence_from_events(shortest.events, shortest.window, min_events)


def _slo_triggers(entry: SloBudget, previous_state: str | None) -> Iterator[Trigger]:
    state = entry.alert.state
    if state in (Trigger.PAGE, Trigger.TICKET, Trigger.NO_DATA):
        yield Trigger(state)
    if entry.budget.exhausted:
        yield Trigger.BUDGET_EXHAUSTED
    if entry.budget.remaining_ratio is not None:
        yield Trigger.BUDGET_BELOW  # each hook compares it with its own threshold
    if previous_state in ALERTING_STATES and state == "ok":
        yield Trigger.RECOVERY


def _slo_details(entry: SloBudget, previous_state: str | None) -> SloEventDetails:
    return SloEventDetails(
        alert_state=entry.alert.state,
        previous_alert_state=previous_state,
        sli_ratio=entry.sli_ratio,
        objective_percent=entry.objective_percent,
        budget_remaining_ratio=entry.budget.remaining_ratio,
        current_burn_rate=entry.current_burn_rate,
        current_burn_unbounded=entry.current_burn_unbounded,
        fired_pairs=tuple(p for p in entry.alert.pairs if p.status == "firing"),
    )


def _matches(hook: Hook, trigger: Trigger, service: str, slo: str | None) -> bool:
    if trigger not in hook.triggers:
        return False
    if hook.services and service not in hook.services:
        return False
    return not hook.slos or slo in hook.slos


def _below_threshold(hook: Hook, entry: SloBudget) -> bool:
    remaining = entry.budget.remaining_ratio
    return hook.budget_below is not None and remaining is not None and remaining < hook.budget_below


def action_id(hook: Hook, trigger: Trigger, subject: str, evaluated_at: str) -> str:
    """The same hook, trigger, subject and evaluation time give the same id (the ledger's key)."""
    key = f"{hook.name}|{trigger}|{subject}|{evaluated_at}"
    return hashlib.sha256(key.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class _SloHit:
    """One hook matching one trigger on one SLO, before the SLOs are grouped into incidents."""

    hook: Hook
    trigger: Trigger
    entry: SloBudget
    details: SloEventDetails
    confidence: Confidence
    incident: str  # incident_key of the SLO
    labels: dict[str, str] | None  # the SLO's labels, None without any


def _slo_hits(entry: SloBudget, config: Config, previous_state: str | None, slo: Slo) -> Iterator[_SloHit]:
    details = _slo_details(entry, previous_state)
    for trigger in _slo_triggers(entry, previous_state):
        confidence = _burn_confidence(entry, trigger, slo.min_events)
        for hook in config.hooks:
            if not _matches(hook, trigger, entry.service, entry.slo):
                continue
            if trigger is Trigger.BUDGET_BELOW and not _below_threshold(hook, entry):
                continue
            hook_details = (
                replace(details, budget_below=hook.budget_below)
                if trigger is Trigger.BUDGET_BELOW
                else details
            )
            labels = dict(slo.labels) or None
            yield _SloHit(hook, trigger, entry, hook_details, confidence, incident_key(slo), labels)


def incident_key(slo: Slo) -> str:
    """The subject of an SLO action, shared by the SLOs of one incident: the id of the SLO's one
    component; an SLO over several components, or a composite, is an incident of its own."""
    if len(slo.components) == 1 and slo.composite is None:
        return item_id(slo.service, slo.components[0])
    return slo.id


def _incidents(hits: list[_SloHit], evaluated_at: str, names: SeverityNames) -> Iterator[PlannedAction]:
    """One action per hook, trigger and component, carrying every SLO of it that hit, in plan order.

    Its confidence is the surest SLO's: one SLO with enough events is enough to act on the incident.
    """
    groups: dict[tuple[str, Trigger, str], list[_SloHit]] = {}
    for hit in hits:
        groups.setdefault((hit.hook.name, hit.trigger, hit.incident), []).append(hit)
    at = parse_rfc3339(evaluated_at)
    for (_, trigger, subject), group in groups.items():
        first, hook = group[0], group[0].hook
        the_id = action_id(hook, trigger, subject, evaluated_at)
        affected = tuple(AffectedSlo(hit.entry.slo, hit.details, hit.labels) for hit in group)
        entry = first.entry
        tier = alert_tier(trigger, first.details.previous_alert_state)
        event = SloEvent(
            trigger.value,
            hook.name,
            entry.service,
            entry.component,
            entry.slo,
            at,
            first.details,
            the_id,
            affected,
            severity_name(names, tier),
            first.labels,
        )
        confidence = max((hit.confidence for hit in group), key=lambda c: c.value)
        yield PlannedAction(the_id, hook, trigger, subject, event, confidence)


def sla_projection(
    item: SlaEntry, sla: Sla, sli_metrics: SliMetrics, evaluated_at: int
) -> ProjectedSlaEventDetails | None:
    """The current month's attainment at month end if the last day's traffic keeps coming at the
    last hour's error ratio; None when the last hour has no data (silence is never projected good).

    projected = (good_so_far + good_rate x remaining) / (total_so_far + total_rate x remaining),
    total_rate = events of the last 1d / 1d, good_rate = total_rate x (1 - error ratio of the last 1h).
    """
    entry = sli_metrics.component(item.service, item.component).sli(item.sli)
    day = entry.window(PROJECTION_RATE_WINDOW)
    hour = entry.window(CURRENT_BURN_WINDOW).count
    if hour.no_data or hour.error_ratio is None:
        return None
    current = item.current
    month_end = next_month_start(month_start(evaluated_at))
    remaining = month_end - evaluated_at
    total_rate = day.count.total / day.seconds
    good_rate = total_rate * (1 - hour.error_ratio)
    projected = projected_attainment(current.good, current.total, good_rate, total_rate, remaining)
    if projected is None:
        return None
    credit = credit_owed(projected * 100, sla.credits)
    return ProjectedSlaEventDetails(
        target_percent=item.target_percent,
        attained_percent=current.attained_percent,
        credit_percent=current.credit_percent,
        month=current.month,
        projected_percent=projected * 100,
        projected_credit_percent=None if credit is None else credit.credit_percent,
        month_end=datetime.fromtimestamp(month_end, UTC),
        remaining_seconds=remaining,
        events_per_second=total_rate,
        current_error_ratio=hour.error_ratio,
    )


def _sla_actions(
    config: Config,
    item: SlaEntry,
    sla: Sla,
    evaluated_at: str,
    sli_metrics: SliMetrics | None,
) -> Iterator[PlannedAction]:
    current = item.current
    at = parse_rfc3339(evaluated_at)
    fired: list[tuple[Trigger, SlaEventDetails | ProjectedSlaEventDetails]] = []
    if item.status == "breached":
        base = SlaEventDetails(
            item.target_percent, current.attained_percent, current.credit_percent, current.month
        )
        fired.append((Trigger.SLA_BREACH, base))
    if any(_matches(h, Trigger.SLA_BREACH_PROJECTED, item.service, None) for h in config.hooks):
        if sli_metrics is None:
            raise ValueError("the sla_breach_projected trigger needs the sli-metrics artifact")
        projection = sla_projection(item, sla, sli_metrics, int(at.timestamp()))
        if projection is not None and projection.projected_percent < item.target_percent:
            fired.append((Trigger.SLA_BREACH_PROJECTED, projection))
    for trigger, details in fired:
        for hook in config.hooks:
            if _matches(hook, trigger, item.service, None):
                the_id = action_id(hook, trigger, item.sla, evaluated_at)
                severity = severity_name(config.settings.severity_names, alert_tier(trigger))
                event = SlaEvent(
                    trigger.value,
                    hook.name,
                    item.service,
                    item.component,
                    item.sla,
                    at,
                    details,
                    the_id,
                    severity,
                )
                yield PlannedAction(the_id, hook, trigger, item.sla, event, CERTAIN_SLA)


def plan(
    config: Config,
    budgets: ErrorBudgets,
    sla: SlaCompliance,
    evaluated_at: str,
    previous_alert_states: Mapping[str, str] = NO_PREVIOUS_RUN,
    sli_metrics: SliMetrics | None = None,
) -> list[PlannedAction]:
    """Every (hook, trigger, incident or SLA) that holds now, in artifact order: SLOs, then SLAs.

    The SLOs of one component hitting the same hook with the same trigger are one incident: one
    action whose subject is the component id (the ledger's and cooldown's key) and whose event
    lists every affected SLO.

    previous_alert_states: SLO id -> alert state in the previous run (empty: no previous run,
    so nothing can have recovered). sli_metrics: needed only by sla_breach_projected.
    """
    slos, slas = config.index.slos, config.index.slas
    hits: list[_SloHit] = []
    for entry in budgets.slos:
        if isinstance(entry, SloBudget):  # an SLO without an objective triggers nothing
            previous = previous_alert_states.get(entry.slo)
            hits.extend(_slo_hits(entry, config, previous, slos[entry.slo]))
    actions = list(_incidents(hits, evaluated_at, config.settings.severity_names))
    for item in sla.slas:
        actions.extend(_sla_actions(config, item, slas[item.sla], evaluated_at, sli_metrics))
    return actions
