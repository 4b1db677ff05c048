"""The typed configuration model every stage works from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from reliability.config.limits import MAX_PROMETHEUS_ANSWER_BYTES, PROMETHEUS_CONCURRENT_QUERIES
from reliability.errors import file_line
from reliability.vocabulary import Window, item_id


def field_default(model: type[Any], name: str) -> Any:
    """A model field's default. The loader uses it for a key the YAML leaves out, so each is written once."""
    default = next(f.default for f in fields(model) if f.name == name)
    if default is MISSING:
        raise TypeError(f"{model.__name__}.{name} has no default")
    return default


@dataclass(frozen=True)
class Origin:
    """Where a configuration item was declared, for error messages and tracing."""

    file: str
    line: int | None

    def location(self) -> str:
        return file_line(self.file, self.line)


class TimestampFormat(StrEnum):
    RFC3339 = "rfc3339"
    UNIX_S = "unix_s"
    UNIX_MS = "unix_ms"
    UNIX_US = "unix_us"
    UNIX_NS = "unix_ns"
    ISO8601 = "iso8601"  # local date and time without an offset, read in ColumnMapping.time_zone
    STRPTIME = "strptime"  # ColumnMapping.timestamp_pattern, such as [%d/%b/%Y:%H:%M:%S %z]


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
    timestamp_pattern: str | None = None  # strptime directives, with TimestampFormat.STRPTIME
    time_zone: str | None = None  # IANA name for timestamps written without an offset (default UTC)
    component_pattern: str | None = None  # the component is this regex's first group over `component`

    @property
    def timestamp_described(self) -> str:
        """The timestamp form as the config spells it, for messages."""
        return self.timestamp_pattern or self.timestamp_format.value

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
    line_pattern: str | None = None  # format: log: a regex of named groups, one search per line


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
    max_answer_bytes: int = MAX_PROMETHEUS_ANSWER_BYTES  # per range answer; larger ones fail the query
    concurrency: int = PROMETHEUS_CONCURRENT_QUERIES  # range queries in flight at once


@dataclass(frozen=True)
class SqlServer:
    """A ClickHouse server the `clickhouse` engine queries, and who it logs in as."""

    url: str  # http(s)://host:port, or chdb:///path (chDB in process, through the same client)
    user: str | None = None  # the server's default user when None
    password_env: str | None = None  # name of the environment variable holding the password


@dataclass(frozen=True)
class SqlSource:
    """Parquet or CSV files (or a server's table) a SQL engine folds into per-minute state
    (reliability.telemetry.sql)."""

    name: str
    engine: str  # duckdb | chdb | clickhouse
    patterns: tuple[str, ...]  # globs as the engine reads them: absolute paths or URLs
    paths: tuple[Path, ...]  # the local files the patterns matched when the config was loaded
    format: str  # parquet | csv
    columns: ColumnMapping
    origin: Origin
    table: str | None = None  # a table or view (`db.table`) the server holds, in place of files
    server: SqlServer | None = None  # engine clickhouse only


@dataclass(frozen=True)
class CounterPath:
    """A counter named as SLIs select it, read at a dotted path of each snapshot (or map entry)."""

    name: str
    path: str


@dataclass(frozen=True)
class CounterSnapshotSource:
    """JSON Lines of cumulative counter snapshots (NGINX Plus /status, /api), one object per line."""

    name: str
    paths: tuple[Path, ...]
    timestamp: str  # dotted path of the snapshot's time
    timestamp_format: TimestampFormat
    counters: tuple[CounterPath, ...]
    origin: Origin
    each: str | None = None  # dotted path of a map: one series per key, labelled `key_label`
    key_label: str = "key"


class ScrapeTime(StrEnum):
    COMMENT = "comment"  # a `# timestamp <time>` line in the file
    FILE_NAME = "file_name"
    MTIME = "mtime"


@dataclass(frozen=True)
class ScrapeFilesSource:
    """A folder of Prometheus text exposition scrapes, each file one scrape at one time."""

    name: str
    paths: tuple[Path, ...]
    scrape_time: ScrapeTime
    origin: Origin
    file_name_pattern: str | None = None  # a regex whose group `time` holds the time
    file_name_format: str = "unix_s"  # unix_s, unix_ms, or a strptime format (UTC unless it has %z)


@dataclass(frozen=True)
class OtlpTracesSource:
    """OTLP JSON trace exports (one ExportTraceServiceRequest per line): SERVER spans as events."""

    name: str
    paths: tuple[Path, ...]
    origin: Origin
    component_attribute: str = "service.name"  # span attribute, else resource attribute

    @property
    def columns(self) -> ColumnMapping:
        """What each span gives, in the terms the event checks use."""
        return ColumnMapping(
            timestamp="endTimeUnixNano",
            component=self.component_attribute,
            status="http.response.status_code",
            success="status.code",
            latency=LatencyColumns(start="startTimeUnixNano", end="endTimeUnixNano"),
        )


@dataclass(frozen=True)
class OtlpMetricsSource:
    """OTLP JSON metric exports (one ExportMetricsServiceRequest per line): sums and histograms."""

    name: str
    paths: tuple[Path, ...]
    origin: Origin


FileMetricSource = OpenMetricsSource | CounterSnapshotSource | ScrapeFilesSource | OtlpMetricsSource
Source = EventSource | PrometheusSource | SqlSource | FileMetricSource | OtlpTracesSource
RowSource = EventSource | SqlSource | OtlpTracesSource  # sources whose SLIs classify events by their columns
MetricSource = FileMetricSource | PrometheusSource  # sources whose SLIs name metrics
METRIC_SOURCES = (
    OpenMetricsSource,
    CounterSnapshotSource,
    ScrapeFilesSource,
    OtlpMetricsSource,
    PrometheusSource,
)


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


StatusItem = int | str  # a status code (503) or a class of them ("5xx")


def status_codes_and_classes(items: tuple[StatusItem, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(codes, hundreds): 503 is a code, "5xx" the class of hundred 5."""
    codes = tuple(i for i in items if isinstance(i, int))
    classes = tuple(int(i[0]) for i in items if isinstance(i, str))
    return codes, classes


def _listed(items: tuple[StatusItem, ...]) -> str:
    return f"[{', '.join(str(i) for i in items)}]"


@dataclass(frozen=True)
class GoodRule:
    """Which events an availability SLI counts as good."""

    status_below: int | None = None
    status_in: tuple[StatusItem, ...] | None = None
    status_not_in: tuple[StatusItem, ...] | None = None
    success_flag: bool = False

    def describe(self) -> str:
        if self.success_flag:
            return "success flag is true"
        if self.status_below is not None:
            return f"status < {self.status_below}"
        if self.status_in is not None:
            return f"status in {_listed(self.status_in)}"
        return f"status not in {_listed(self.status_not_in or ())}"


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
class GroupKey:
    """One key of a grouped component: a column's (or label's) value, or a regex's first group over it."""

    label: str  # the key as ids, metric labels and dashboard variables name it
    column: str  # the event column or the metric label read
    pattern: str | None = None  # the value is this regex's first group over `column`


@dataclass(frozen=True)
class Component:
    service: str
    name: str
    source: str
    match: str
    slis: tuple[Sli, ...]
    origin: Origin
    group_by: tuple[GroupKey, ...] = ()  # one component (and SLO) per distinct value (config.groups)
    max_groups: int = 500  # more groups fail the run: a key with unbounded values is a mistake
    group: tuple[tuple[str, str], ...] = ()  # an expanded component's (label, value) pairs

    @property
    def id(self) -> str:
        return item_id(self.service, self.name)


class CalendarUnit(StrEnum):
    WEEK = "week"  # ISO weeks, from Monday 00:00
    MONTH = "month"
    QUARTER = "quarter"


@dataclass(frozen=True)
class SloWindow:
    """A rolling duration, or a calendar period aligned in an IANA time zone."""

    rolling: Window | None = None
    calendar: CalendarUnit | None = None
    time_zone: str = "UTC"

    @property
    def name(self) -> str:
        """The window's key in artifacts: '30d', or 'calendar-month' (zone given separately)."""
        if self.calendar is not None:
            return f"calendar-{self.calendar.value}"
        assert self.rolling is not None
        return self.rolling.name

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
    long: Window
    short: Window
    budget_share: float  # of the whole SLO window's budget, spent in `long` at the factor

    @property
    def label(self) -> str:
        """'1h/5m': how artifacts and texts name the pair."""
        return f"{self.long.name}/{self.short.name}"

    def factor(self, slo_window_seconds: float) -> float:
        return self.budget_share * slo_window_seconds / self.long.seconds


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
    labels: tuple[tuple[str, str], ...] = ()  # the user's, sorted: service's < component's < SLO's own
    group: tuple[tuple[str, str], ...] = ()  # an expanded grouped SLO's (label, value) pairs

    @property
    def id(self) -> str:
        return item_id(self.service, self.name)

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
        return item_id(self.service, self.name)


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
class AlertmanagerSpec:
    """POST the action's alerts to Alertmanager's v2 API; routing, dedupe and silences are its own."""

    url: str  # Alertmanager's base URL, e.g. http://127.0.0.1:9093
    bearer_token_env: str = ""  # environment variable holding a bearer token; empty: none sent
    username_env: str = ""  # basic auth: environment variables holding the user and password
    password_env: str = ""
    generator_url: str = ""  # each alert's generatorURL; empty: left out
    retries: int = 3  # after a 5xx or a connection error; never after a 4xx


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
    env: tuple[tuple[str, str], ...] = ()  # the command's environment, over command.BASE_ENVIRONMENT
    pass_env: tuple[str, ...] = ()  # names of reliability's own variables the command gets as they are
    webhook: WebhookSpec | None = None
    alertmanager: AlertmanagerSpec | None = None
    cooldown_seconds: float = 3600.0  # same hook, trigger and subject: at most once in this long
    min_confidence: float = 0.5  # below this the action is skipped as low_confidence
    approval_required: bool = False  # never run automatically: recorded as pending
    destructive: bool = False  # never run automatically either: recorded as pending
    budget_below: float | None = None  # threshold of the budget_below trigger (share of budget left)


@dataclass(frozen=True)
class SeverityNames:
    """The `severity` label value of each alert severity; the state words (page, ticket) stay ours."""

    page: str = "page"
    ticket: str = "ticket"

    def of(self, severity: str) -> str:
        """The user's name for `severity` (page or ticket)."""
        return self.page if severity == "page" else self.ticket


@dataclass(frozen=True)
class ChangeEventSource:
    """Where change events (deploys, config changes, flags) are read: a file, or a command's output."""

    name: str
    origin: Origin
    path: Path | None = None  # JSON Lines, a JSON array or CSV
    command: tuple[str, ...] = ()  # an argv list whose stdout is a JSON array or JSON Lines
    cwd: Path | None = None  # the command's working directory: the config file's folder
    timeout_seconds: float = 30.0
    attribution_seconds: int = 2 * 3600  # budget spent this long after a change is attributed to it


@dataclass(frozen=True)
class Settings:
    evaluate_at: datetime | None = None
    history_seconds: int = 90 * 86400
    auto_objective_margin: float = 0.75
    auto_objective_max_pages_per_30d: float = 2.0  # an `auto` objective paging more often is too strict
    policy: tuple[PolicyRule, ...] = ()  # empty: the built-in default policy
    max_actions_per_run: int = 10  # hook actions run per evaluation at most; the rest are skipped
    severity_names: SeverityNames = SeverityNames()


class AdjustmentMode(StrEnum):
    EXCLUDE = "exclude"  # the period's events leave the SLI and the budget
    COUNT_GOOD = "count_good"  # the period's events count as good; minutes without events stay no data


@dataclass(frozen=True)
class Adjustment:
    """Planned downtime: a one-off period [start, end) or an RFC 5545 recurrence of `duration_seconds`."""

    name: str
    reason: str
    start: datetime  # aware; a recurrence's DTSTART, in `time_zone`
    origin: Origin
    end: datetime | None = None  # a one-off period's end; None for a recurrence
    rrule: str = ""  # empty for a one-off period
    duration_seconds: int = 0
    time_zone: str = "UTC"
    mode: AdjustmentMode = AdjustmentMode.EXCLUDE
    services: tuple[str, ...] = ()  # with `slos`: the SLOs adjusted; both empty: every SLO
    slos: tuple[str, ...] = ()

    def applies_to(self, slo: Slo) -> bool:
        if not self.services and not self.slos:
            return True
        return slo.service in self.services or slo.id in self.slos


@dataclass(frozen=True)
class ConfigIndex:
    """Every named item by its name or id, resolved once when the Config is made.

    Consumers ask the index instead of searching the config's lists again; the loader's
    cross-check uses it too, so a reference the index cannot resolve is one `validate` reports.
    """

    sources: Mapping[str, Source]  # by name
    components: Mapping[str, Component]  # by id (service/name)
    slos: Mapping[str, Slo]  # by id
    slas: Mapping[str, Sla]  # by id
    hooks: Mapping[str, Hook]  # by name
    services: frozenset[str]
    slis: Mapping[tuple[str, str], Sli]  # (component id, SLI name)
    components_reading: Mapping[str, tuple[Component, ...]]  # source name -> the components it feeds
    slos_on: Mapping[str, tuple[Slo, ...]]  # component id -> the SLOs that count it

    @classmethod
    def of(cls, config: Config) -> ConfigIndex:
        """Names are unique (the loader reports duplicates); a dangling reference is left out."""
        reading: dict[str, list[Component]] = {}
        for comp in config.components:
            reading.setdefault(comp.source, []).append(comp)
        on: dict[str, list[Slo]] = {}
        for slo in config.slos:
            for name in dict.fromkeys(slo.components):
                on.setdefault(item_id(slo.service, name), []).append(slo)
        return cls(
            sources={s.name: s for s in config.sources},
            components={c.id: c for c in config.components},
            slos={s.id: s for s in config.slos},
            slas={s.id: s for s in config.slas},
            hooks={h.name: h for h in config.hooks},
            services=frozenset(config.services),
            slis={(c.id, sli.name): sli for c in config.components for sli in c.slis},
            components_reading={name: tuple(found) for name, found in reading.items()},
            slos_on={comp_id: tuple(found) for comp_id, found in on.items()},
        )

    def component(self, service: str, name: str) -> Component | None:
        return self.components.get(item_id(service, name))

    def slo_components(self, slo: Slo) -> tuple[Component, ...]:
        """The components an SLO sums, in its order (none for a composite)."""
        return tuple(self.components[item_id(slo.service, name)] for name in slo.components)

    def slo_slis(self, slo: Slo) -> tuple[tuple[Component, Sli], ...]:
        """Each component an SLO sums with the SLI it counts there (none for a composite)."""
        return tuple((c, self.slis[c.id, slo.sli or ""]) for c in self.slo_components(slo))

    def composite_parts(self, slo: Slo) -> tuple[tuple[Slo, float], ...]:
        """A composite SLO's dependencies with their weights (empty for a plain SLO)."""
        if slo.composite is None:
            return ()
        return tuple((self.slos[part.slo], part.weight) for part in slo.composite.parts)

    def sli(self, component: Component, name: str | None) -> Sli | None:
        return None if name is None else self.slis.get((component.id, name))


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
    change_events: tuple[ChangeEventSource, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()
    index: ConfigIndex = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", ConfigIndex.of(self))  # frozen: the one time it is set

    def source(self, name: str) -> Source:
        return self.index.sources[name]

    def component(self, service: str, name: str) -> Component:
        return self.index.components[item_id(service, name)]
