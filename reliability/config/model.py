"""The typed configuration model every stage works from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path


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

    def describe(self) -> str:
        if self.kind is SliKind.LATENCY:
            return f"latency <= {self.threshold_seconds:g}s"
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


@dataclass(frozen=True)
class Slo:
    service: str
    name: str
    component: str
    sli: str
    objective_percent: float | None  # None: derive from history ("auto")
    window: str
    window_seconds: int
    origin: Origin
    description: str = ""

    @property
    def id(self) -> str:
        return f"{self.service}/{self.name}"


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
    SLA_BREACH = "sla_breach"
    NO_DATA = "no_data"  # the alert state cannot be told: telemetry went silent


@dataclass(frozen=True)
class Hook:
    name: str
    triggers: tuple[Trigger, ...]
    command: tuple[str, ...]
    timeout_seconds: float
    origin: Origin
    services: tuple[str, ...] = ()
    slos: tuple[str, ...] = ()
    cwd: str | None = None
    env: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Settings:
    evaluate_at: datetime | None = None
    history_seconds: int = 90 * 86400
    auto_objective_margin: float = 0.75


@dataclass(frozen=True)
class Config:
    files: tuple[Path, ...]
    settings: Settings
    sources: tuple[EventSource, ...]
    components: tuple[Component, ...]
    slos: tuple[Slo, ...]
    slas: tuple[Sla, ...]
    hooks: tuple[Hook, ...]
    services: tuple[str, ...] = field(default=())

    def source(self, name: str) -> EventSource:
        return next(s for s in self.sources if s.name == name)

    def component(self, service: str, name: str) -> Component:
        return next(c for c in self.components if c.service == service and c.name == name)
