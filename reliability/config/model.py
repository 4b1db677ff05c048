"""The typed configuration model every stage works from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from reliability.durations import format_duration


@dataclass(frozen=True)
class Origin:
    """Where a configuration item was declared, for error messages and tracing."""

    file: str
    line: int | None


class TimestampFormat(StrEnum):
    RFC3339 = "rfc3339"
    UNIX_S = "unix_s"
    UNIX_MS = "unix_ms"


@dataclass(frozen=True)
class LatencyColumns:
    """Latency from one column in `unit`, or from the difference of two timestamp columns."""

    column: str | None = None
    unit: str = "ms"
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class ColumnMapping:
    timestamp: str
    timestamp_format: TimestampFormat = TimestampFormat.RFC3339
    component: str | None = None
    status: str | None = None
    success: str | None = None
    error: str | None = None
    latency: LatencyColumns | None = None

    @property
    def has_flag(self) -> bool:
        return self.success is not None or self.error is not None


@dataclass(frozen=True)
class RowFilter:
    """Keep only rows whose column's text equals one of `values`."""

    column: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class EventSource:
    name: str
    paths: tuple[Path, ...]
    format: str | None
    columns: ColumnMapping
    row_filter: RowFilter | None
    origin: Origin


@dataclass(frozen=True)
class OpenMetricsSource:
    """Files of timestamped counter and histogram samples in the OpenMetrics text format."""

    name: str
    paths: tuple[Path, ...]
    origin: Origin


@dataclass(frozen=True)
class PrometheusSource:
    """A Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir) queried for counters and histograms."""

    name: str
    url: str
    origin: Origin
    bearer_token_env: str | None = None  # name of the environment variable holding the token
    username_env: str | None = None  # basic auth, both read from the environment
    password_env: str | None = None
    timeout_seconds: float = 30.0
    retries: int = 3


Source = EventSource | OpenMetricsSource | PrometheusSource
MetricSource = OpenMetricsSource | PrometheusSource  # sources whose SLIs name metrics


@dataclass(frozen=True)
class Selector:
    """A metric name and label matchers; each value is a regular expression that must match whole."""

    metric: str
    labels: tuple[tuple[str, str], ...] = ()

    def describe(self) -> str:
        return self.promql()

    def promql(self, metric: str | None = None) -> str:
        """A PromQL series selector: metric{label=~"regex",...} (regexes are fully anchored in PromQL)."""

        def quoted(value: str) -> str:
            return value.replace("\\", "\\\\").replace('"', '\\"')

        inner = ",".join(f'{k}=~"{quoted(v)}"' for k, v in self.labels)
        return f"{metric or self.metric}{{{inner}}}"


@dataclass(frozen=True)
class CounterSelectors:
    """An availability SLI from counters: total and either good or bad."""

    total: Selector
    good: Selector | None = None
    bad: Selector | None = None


class SliKind(StrEnum):
    AVAILABILITY = "availability"
    LATENCY = "latency"


@dataclass(frozen=True)
class GoodRule:
    """Which events an availability SLI counts as good."""

    status_below: int | None = None
    status_in: tuple[int, ...] | None = None
    status_not_in: tuple[int, ...] | None = None
    success_flag: bool = False

    def describe(self) -> str:
        if self.success_flag:
            return "success flag is true"
        if self.status_below is not None:
            return f"status < {self.status_below}"
        if self.status_in is not None:
            return f"status in {list(self.status_in)}"
        return f"status not in {list(self.status_not_in or ())}"


@dataclass(frozen=True)
class Sli:
    name: str
    kind: SliKind
    good: GoodRule | None = None
    threshold_seconds: float | None = None
    description: str = ""
    counters: CounterSelectors | None = None  # availability from counter metrics
    histogram: Selector | None = None  # latency from a Prometheus histogram (its `le` buckets)
    interpolate: bool = False  # a threshold between bucket boundaries is estimated, not refused

    def describe(self) -> str:
        if self.kind is SliKind.LATENCY:
            source = f" from {self.histogram.describe()}" if self.histogram else ""
            if self.histogram and self.interpolate:
                source += " (interpolated within a bucket: an estimate)"
            return f"latency <= {self.threshold_seconds:g}s{source}"
        if self.counters is not None:
            c = self.counters
            part = (
                f"good {c.good.describe()}" if c.good else f"total - bad {c.bad.describe()}" if c.bad else ""
            )
            return f"{part} of {c.total.describe()}"
        assert self.good is not None
        return self.good.describe()


@dataclass(frozen=True)
class Component:
    service: str
    name: str
    source: str
    match: str
    slis: tuple[Sli, ...]
    origin: Origin

    @property
    def id(self) -> str:
        return f"{self.service}/{self.name}"


class CalendarUnit(StrEnum):
    WEEK = "week"  # ISO weeks, from Monday 00:00
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class SloWindow:
    """A rolling duration, or a calendar period aligned in an IANA time zone."""

    rolling_seconds: int | None = None
    calendar: CalendarUnit | None = None
    time_zone: str = "UTC"

    @property
    def name(self) -> str:
        """The window's key in artifacts: '30d', or 'calendar-month' (zone given separately)."""
        if self.calendar is not None:
            return f"calendar-{self.calendar.value}"
        assert self.rolling_seconds is not None
        return format_duration(self.rolling_seconds)

    def describe(self) -> str:
        if self.calendar is not None:
            return f"calendar {self.calendar.value} ({self.time_zone})"
        return f"rolling {self.name}"


class BudgetingMethod(StrEnum):
    """As in OpenSLO: count events, count good time slices, or average slice ratios."""

    OCCURRENCES = "occurrences"
    TIMESLICES = "timeslices"
    RATIO_TIMESLICES = "ratio_timeslices"


@dataclass(frozen=True)
class Budgeting:
    method: BudgetingMethod = BudgetingMethod.OCCURRENCES
    slice_seconds: int = 60
    slice_target: float | None = None  # ratio a slice must reach to be good (timeslices only)


@dataclass(frozen=True)
class AlertWindowPair:
    severity: str  # page | ticket
    long: str
    long_seconds: int
    short: str
    short_seconds: int
    budget_share: float  # of the whole SLO window's budget, spent in `long` at the factor

    def factor(self, slo_window_seconds: float) -> float:
        return self.budget_share * slo_window_seconds / self.long_seconds


@dataclass(frozen=True)
class PolicyRule:
    """`state` applies when every condition given holds; rules are tried in order."""

    state: str
    budget_remaining_below: float | None = None
    alert_states: tuple[str, ...] = ()


class CompositeMethod(StrEnum):
    ALL_MUST_SUCCEED = "all_must_succeed"  # SLI = product of the dependencies' SLIs
    WEIGHTED = "weighted"  # SLI = weighted mean of the dependencies' SLIs (OpenSLO compositeWeight)


@dataclass(frozen=True)
class CompositePart:
    slo: str  # SLO id
    weight: float = 1.0


@dataclass(frozen=True)
class Composite:
    method: CompositeMethod
    parts: tuple[CompositePart, ...]


@dataclass(frozen=True)
class Slo:
    service: str
    name: str
    components: tuple[str, ...]  # one or more components whose SLI counts are summed; empty if composite
    sli: str | None  # None for a composite
    objective_percent: float | None  # None: derive from history ("auto")
    window: SloWindow
    origin: Origin
    description: str = ""
    budgeting: Budgeting = Budgeting()
    alert_windows: str = "sre-workbook"
    min_events: int = 0
    policy: tuple[PolicyRule, ...] = ()
    composite: Composite | None = None

    @property
    def id(self) -> str:
        return f"{self.service}/{self.name}"

    @property
    def component(self) -> str:
        """The component label for reports: one name, 'a+b' for several, '*' for a composite."""
        return "+".join(self.components) if self.components else "*"


@dataclass(frozen=True)
class CreditTier:
    below_percent: float
    credit_percent: float


@dataclass(frozen=True)
class Sla:
    service: str
    name: str
    component: str
    sli: str
    target_percent: float
    credits: tuple[CreditTier, ...]  # ordered from the mildest to the worst tier
    origin: Origin
    description: str = ""

    @property
    def id(self) -> str:
        return f"{self.service}/{self.name}"


class Trigger(StrEnum):
    PAGE = "page"
    TICKET = "ticket"
    BUDGET_EXHAUSTED = "budget_exhausted"
    BUDGET_BELOW = "budget_below"  # budget remaining below the hook's `budget_below` threshold
    SLA_BREACH = "sla_breach"
    SLA_BREACH_PROJECTED = "sla_breach_projected"  # the month would end below target at today's pace
    NO_DATA = "no_data"  # the alert state cannot be told: telemetry went silent
    RECOVERY = "recovery"  # page or ticket in the previous run, ok now


class WebhookFormat(StrEnum):
    EVENT = "event"  # the event JSON, as a command gets it on stdin
    ALERTMANAGER = "alertmanager"  # Alertmanager's webhook payload (version 4), for existing receivers


@dataclass(frozen=True)
class WebhookSpec:
    """An HTTP POST of the event, signed with HMAC-SHA256 under a secret from the environment."""

    url: str
    secret_env: str  # name of the environment variable holding the signing secret
    format: WebhookFormat = WebhookFormat.EVENT
    retries: int = 3  # after a 5xx or a connection error; never after a 4xx
    receiver: str = ""  # Alertmanager payload's `receiver`; empty: the hook's name
    external_url: str = ""  # Alertmanager payload's `externalURL` and each alert's `generatorURL`


@dataclass(frozen=True)
class Hook:
    """What to do on which triggers: run a command (argv list) or POST a webhook, exactly one."""

    name: str
    triggers: tuple[Trigger, ...]
    command: tuple[str, ...]  # empty for a webhook hook
    timeout_seconds: float  # bounds the whole action, a webhook's retries included
    origin: Origin
    services: tuple[str, ...] = ()
    slos: tuple[str, ...] = ()
    cwd: str | None = None
    env: tuple[tuple[str, str], ...] = ()
    webhook: WebhookSpec | None = None
    cooldown_seconds: float = 3600.0  # same hook, trigger and subject: at most once in this long
    min_confidence: float = 0.5  # below this the action is skipped as low_confidence
    approval_required: bool = False  # never run automatically: recorded as pending
    destructive: bool = False  # never run automatically either: recorded as pending
    budget_below: float | None = None  # threshold of the budget_below trigger (share of budget left)


@dataclass(frozen=True)
class Settings:
    evaluate_at: datetime | None = None
    history_seconds: int = 90 * 86400
    auto_objective_margin: float = 0.75
    auto_objective_max_pages_per_30d: float = 2.0  # an `auto` objective paging more often is too strict
    policy: tuple[PolicyRule, ...] = ()  # empty: the built-in default policy
    max_actions_per_run: int = 10  # hook actions run per evaluation at most; the rest are skipped


@dataclass(frozen=True)
class Config:
    files: tuple[Path, ...]
    settings: Settings
    sources: tuple[Source, ...]
    components: tuple[Component, ...]
    slos: tuple[Slo, ...]
    slas: tuple[Sla, ...]
    hooks: tuple[Hook, ...]
    services: tuple[str, ...] = field(default=())
    alert_window_sets: dict[str, tuple[AlertWindowPair, ...]] = field(default_factory=dict)

    def source(self, name: str) -> Source:
        return next(s for s in self.sources if s.name == name)

    def component(self, service: str, name: str) -> Component:
        return next(c for c in self.components if c.service == service and c.name == name)
