"""sla-compliance.json: SLA attainment per calendar month, and the hook actions of the run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from reliability.artifacts.codec import Flattened, OmittedWhenNone, Record
from reliability.artifacts.error_budgets import AlertPair
from reliability.artifacts.header import Header


@dataclass(frozen=True)
class Credit(Record):
    below_percent: float
    credit_percent: float


@dataclass(frozen=True)
class SlaPeriod(Record):
    period: str  # current_month | last_month
    month: str  # YYYY-MM
    start: datetime
    end: datetime
    complete: bool
    days_in_period: int
    days_with_data: int
    good: float
    total: float
    attained_percent: float | None
    no_data: bool
    breached: bool
    credit_percent: float | None


@dataclass(frozen=True)
class SlaEntry(Record):
    sla: str
    service: str
    component: str
    sli: str
    target_percent: float
    credits: tuple[Credit, ...]
    status: str  # met | breached | no_data
    periods: tuple[SlaPeriod, ...]  # the current month, then the last one

    @property
    def current(self) -> SlaPeriod:
        return self.periods[0]


@dataclass(frozen=True)
class SloEventDetails(Record):
    alert_state: str
    previous_alert_state: str | None
    sli_ratio: float | None
    objective_percent: float
    budget_remaining_ratio: float | None
    current_burn_rate: float | None
    current_burn_unbounded: bool
    fired_pairs: tuple[AlertPair, ...]
    budget_below: OmittedWhenNone[float] = None  # the hook's threshold, for budget_below


@dataclass(frozen=True)
class SlaEventDetails(Record):
    target_percent: float
    attained_percent: float | None
    credit_percent: float | None
    month: str


@dataclass(frozen=True)
class ProjectedSlaEventDetails(Record):
    """sla_breach_projected: the month's attainment so far and where it is heading."""

    target_percent: float
    attained_percent: float | None
    credit_percent: float | None
    month: str
    projected_percent: float
    projected_credit_percent: float | None
    month_end: datetime
    remaining_seconds: float
    events_per_second: float
    current_error_ratio: float


@dataclass(frozen=True)
class AffectedSlo(Record):
    """One SLO of an incident: its id and its state."""

    slo: str
    details: SloEventDetails
    labels: OmittedWhenNone[dict[str, str]] = None  # the SLO's labels (config `labels:`), if any


@dataclass(frozen=True)
class SloEvent(Record):
    """What a hook receives for an SLO trigger: one incident, the SLOs of one component that are in
    the same state in one run. `slo` and `details` are the first of them, `slos` lists them all."""

    trigger: str
    hook: str
    service: str
    component: str
    slo: str
    evaluated_at: datetime
    details: SloEventDetails
    action_id: str
    slos: tuple[AffectedSlo, ...] = ()
    severity: OmittedWhenNone[str] = None  # the user's name of page or ticket (settings.severity_names)
    labels: OmittedWhenNone[dict[str, str]] = None  # the first SLO's labels, if any


@dataclass(frozen=True)
class SlaEvent(Record):
    """What a hook receives for an SLA trigger."""

    trigger: str
    hook: str
    service: str
    component: str
    sla: str
    evaluated_at: datetime
    details: SlaEventDetails | ProjectedSlaEventDetails
    action_id: str
    severity: OmittedWhenNone[str] = None  # the user's name of a ticket (settings.severity_names)


HookEvent = SloEvent | SlaEvent  # what a hook receives: JSON on a command's stdin, or a webhook's body


@dataclass(frozen=True)
class WebhookTarget(Record):
    target: str  # scheme://host[:port]: paths and queries often carry tokens
    format: str


@dataclass(frozen=True)
class ActionRecord(Record):
    """One hook action for one trigger on one SLO or SLA, and what became of it."""

    id: str
    hook: str
    trigger: str
    subject: str
    kind: str  # command | webhook
    command: tuple[str, ...] | None
    webhook: WebhookTarget | None
    event: HookEvent
    confidence: float
    confidence_basis: str
    status: str
    reason: str | None
    reason_detail: str | None
    exit_code: int | None
    http_status: int | None
    attempts: int
    duration_seconds: float | None
    stdout_tail: str
    stderr_tail: str
    response_tail: str
    error: str | None


@dataclass(frozen=True)
class SlaCompliance(Record):
    header: Flattened[Header]
    calendar: str
    slas: tuple[SlaEntry, ...]
    actions: tuple[ActionRecord, ...]
    actions_mode: OmittedWhenNone[str] = None  # dry_run | executed; absent when hooks did not run

    def sla(self, sla_id: str) -> SlaEntry:
        return next(s for s in self.slas if s.sla == sla_id)
