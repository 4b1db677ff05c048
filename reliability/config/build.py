"""Turn YAML files into a validated Config, reporting every problem at once."""

from __future__ import annotations

import glob
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import jsonschema_rs

from reliability.config.adjustments import adjustment_problems, read_adjustment
from reliability.config.change_sources import change_event_source
from reliability.config.defaults import BUILTIN_WINDOW_SETS, DEFAULT_WINDOW_SET
from reliability.config.event_checks import event_source_checks, sql_mapping_problems
from reliability.config.file_sources import FILE_SOURCE_TYPES, file_source
from reliability.config.group_checks import group_keys, group_problems
from reliability.config.labels import inherited, label_problems, severity_names_problem
from reliability.config.limits import (
    MAX_SPAN_SECONDS,
    SELECTOR_KEYS,
    instant_problem,
    label_name_problem,
    size_bytes,
    span_problem,
    url_problem,
)
from reliability.config.model import (
    METRIC_SOURCES,
    Adjustment,
    AlertmanagerSpec,
    AlertWindowPair,
    Budgeting,
    BudgetingMethod,
    CalendarUnit,
    ChangeEventSource,
    ColumnMapping,
    Component,
    Composite,
    CompositeMethod,
    CompositePart,
    Config,
    CounterSelectors,
    CreditTier,
    EventSource,
    GoodRule,
    Hook,
    LatencyColumns,
    MetricSource,
    OpenMetricsSource,
    Origin,
    OtlpTracesSource,
    PolicyRule,
    PrometheusSource,
    RowFilter,
    RowSource,
    Selector,
    Settings,
    SeverityNames,
    Sla,
    Sli,
    SliKind,
    Slo,
    SloWindow,
    Source,
    SqlSource,
    TimestampFormat,
    Trigger,
    WebhookFormat,
    WebhookSpec,
    field_default,
)
from reliability.config.objectives import expand_objectives
from reliability.config.openslo_files import is_openslo
from reliability.config.salvage import mentions, without_items
from reliability.config.schema_messages import SchemaMessage, describe, did_you_mean, without_moot
from reliability.config.sql_sources import sql_location_problems, sql_server
from reliability.config.window_sets import is_builtin_or_scaled, with_scaled_sets
from reliability.config.yaml_source import KeyPath, YamlDocument, load_yaml
from reliability.durations import parse_duration
from reliability.errors import ConfigError, Problem
from reliability.files import regular_file_problem
from reliability.redact import without_credentials
from reliability.timefmt import parse_rfc3339
from reliability.vocabulary import Objective, Window, item_id

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

# Defaults the model cannot hold (the field has none there); every other default is the model's field default.
DEFAULT_SLO_WINDOW = "30d"
DEFAULT_HOOK_TIMEOUT = "30s"


def config_schema() -> dict[str, Any]:
    text = resources.files("reliability.schemas").joinpath("config.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _fast_validator() -> Any:
    return jsonschema_rs.Draft202012Validator(config_schema())


def _surely_valid(data: Any) -> bool:
    """jsonschema-rs's verdict, compiled and quick; jsonschema then only explains a document it rejects.

    Where the two differ, jsonschema-rs is the stricter (NaN, a trailing newline before `$`), so a
    document it passes passes jsonschema too; a value it cannot take (a key that is not text) counts
    as not valid, and jsonschema decides.
    """
    try:
        return bool(_fast_validator().is_valid(data))
    except ValueError:
        return False


def config_files(path: Path) -> list[Path]:
    """The YAML files a path stands for: the file itself, or a folder's *.yaml / *.yml."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml"} and p.is_file())
        if not files:
            raise ConfigError(f"{path}: no .yaml or .yml files in this folder")
        return files
    if not path.exists():
        raise ConfigError(f"{path}: no such file or folder")
    return [path]


def _format_key_path(key_path: KeyPath) -> str:
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _schema_messages(doc: YamlDocument) -> list[SchemaMessage]:
    if _surely_valid(doc.data):
        return []
    # Imported only for a document with problems: a valid config is loaded without it.
    import jsonschema

    schema = config_schema()
    defs: dict[str, Any] = schema["$defs"]
    # A value that fails `const: auto` is rarely meant to be "auto": prefer the other branch's reason.
    relevance = jsonschema.exceptions.by_relevance(weak=frozenset({"anyOf", "oneOf", "const"}))

    def best(errors: Iterable[ValidationError]) -> ValidationError | None:
        found: ValidationError | None = jsonschema.exceptions.best_match(errors, key=relevance)
        return found

    validator = jsonschema.Draft202012Validator(schema)
    return without_moot([m for e in validator.iter_errors(doc.data) for m in describe(e, defs, best)])


def _schema_problems(doc: YamlDocument, messages: list[SchemaMessage]) -> list[Problem]:
    problems = [
        # the message may quote the value: a URL with a password, maybe
        Problem(
            str(doc.path), without_credentials(m.text), doc.line_of(m.key_path), _format_key_path(m.key_path)
        )
        for m in messages
    ]
    return sorted(problems, key=lambda p: (p.line or 0, p.field or ""))


@dataclass
class _Builder:
    """Collects model objects and problems while walking validated documents."""

    problems: list[Problem] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    sources: list[Source] = field(default_factory=list)
    components: list[Component] = field(default_factory=list)
    slos: list[Slo] = field(default_factory=list)
    slas: list[Sla] = field(default_factory=list)
    hooks: list[Hook] = field(default_factory=list)
    change_events: list[ChangeEventSource] = field(default_factory=list)
    adjustments: list[Adjustment] = field(default_factory=list)
    services: list[str] = field(default_factory=list)
    alert_window_sets: dict[str, tuple[AlertWindowPair, ...]] = field(
        default_factory=lambda: dict(BUILTIN_WINDOW_SETS)
    )
    # what an item is ("source 'x'") -> where the first one was declared, across all files
    declared: dict[str, Origin] = field(default_factory=dict)

    def problem(self, doc: YamlDocument, key_path: KeyPath, message: str) -> None:
        self.problems.append(
            Problem(str(doc.path), message, doc.line_of(key_path), _format_key_path(key_path))
        )

    def unique(self, doc: YamlDocument, key_path: KeyPath, what: str) -> None:
        """Report a second item named like an earlier one where it stands, naming the first one's place."""
        first = self.declared.get(what)
        if first is None:
            self.declared[what] = Origin(str(doc.path), doc.line_of(key_path))
        else:
            self.problem(doc, key_path, f"{what} is declared twice; first at {first.location()}")

    def add_document(self, doc: YamlDocument) -> None:
        data = doc.data or {}
        for key, value in (data.get("settings") or {}).items():
            if key in self.settings:
                first = self.settings[key][0]
                where = Origin(str(first.path), first.line_of(("settings", key))).location()
                self.problem(doc, ("settings", key), f"set in more than one file; first at {where}")
            self.settings[key] = (doc, value)
        for index, raw in enumerate(data.get("sources") or []):
            self.unique(doc, ("sources", index, "name"), f"source {raw['name']!r}")
            self.sources.append(self._source(doc, ("sources", index), raw))
        for index, raw in enumerate(data.get("services") or []):
            self._service(doc, ("services", index), raw)
        for index, raw in enumerate(data.get("alert_windows") or []):
            self._alert_window_set(doc, ("alert_windows", index), raw)
        for index, raw in enumerate(data.get("hooks") or []):
            self.unique(doc, ("hooks", index, "name"), f"hook {raw['name']!r}")
            self.hooks.append(self._hook(doc, ("hooks", index), raw))
        for index, raw in enumerate(data.get("change_events") or []):
            at: KeyPath = ("change_events", index)
            self.unique(doc, (*at, "name"), f"change events {raw['name']!r}")
            origin = Origin(str(doc.path), doc.line_of(at))

            def complain(key_path: KeyPath, message: str, at: KeyPath = at) -> None:
                self.problem(doc, (*at, *key_path), message)

            self.change_events.append(change_event_source(raw, doc.path.parent, origin, complain))
        for index, raw in enumerate(data.get("adjustments") or []):
            self.unique(doc, ("adjustments", index, "name"), f"adjustment {raw['name']!r}")
            if adjustment := read_adjustment(doc, ("adjustments", index), raw, self.problem):
                self.adjustments.append(adjustment)

    def _paths(self, doc: YamlDocument, at: KeyPath, patterns: list[str], first_index: int = 0) -> list[Path]:
        paths: list[Path] = []
        for index, pattern in enumerate(patterns, first_index):
            matches = sorted(glob.glob(str(doc.path.parent / pattern)))
            if not matches:
                self.problem(doc, (*at, "paths", index), f"no file matches {pattern!r}")
            for match in matches:
                refused = regular_file_problem(Path(match))
                if refused:
                    self.problem(doc, (*at, "paths", index), f"{pattern!r} matches {match}, which {refused}")
                else:
                    paths.append(Path(match))
        return paths

    def _prometheus_source(self, doc: YamlDocument, at: KeyPath, raw: dict[str, Any]) -> PrometheusSource:
        unusable = _base_url_problem(raw["url"])
        if unusable:
            self.problem(doc, (*at, "url"), unusable)
        timeout = _seconds(raw, "timeout", PrometheusSource, "timeout_seconds")
        if timeout <= 0:
            self.problem(doc, (*at, "timeout"), "must be longer than 0s")
        auth = raw.get("basic_auth", {})
        # The schema admits only sizes, so size_bytes finds one whenever the key is there.
        answer_limit = size_bytes(raw.get("max_answer_size", "")) or field_default(
            PrometheusSource, "max_answer_bytes"
        )
        return PrometheusSource(
            name=raw["name"],
            url=raw["url"].rstrip("/"),
            origin=Origin(str(doc.path), doc.line_of(at)),
            bearer_token_env=raw.get("bearer_token_env"),
            username_env=auth.get("username_env"),
            password_env=auth.get("password_env"),
            timeout_seconds=timeout,
            retries=int(raw.get("retries", field_default(PrometheusSource, "retries"))),
            max_answer_bytes=answer_limit,
            concurrency=int(raw.get("concurrency", field_default(PrometheusSource, "concurrency"))),
        )

    def _sql_source(self, doc: YamlDocument, at: KeyPath, raw: dict[str, Any]) -> SqlSource:
        for key_path, message in sql_location_problems(raw):
            self.problem(doc, (*at, *key_path), message)
        patterns, paths = [], []
        for index, pattern in enumerate(raw.get("paths", [])):
            if "://" in pattern:  # remote: the engine resolves it
                patterns.append(pattern)
                continue
            patterns.append(str(doc.path.parent / pattern))
            paths += self._paths(doc, at, [pattern], index)
        file_format = raw.get("format") or (_sql_format(patterns[0]) if patterns else "parquet")
        if file_format is None:
            self.problem(doc, (*at, "paths", 0), "cannot tell the format from the name; set `format`")
        mapping = _column_mapping(raw["columns"])
        if mapping.latency is not None and mapping.latency.column is None:
            self.problem(doc, (*at, "columns", "latency"), "a sql source takes the latency from one column")
        for key_path, message in sql_mapping_problems(mapping):
            self.problem(doc, (*at, *key_path), message)
        return SqlSource(
            name=raw["name"],
            engine=raw.get("engine", "duckdb"),
            patterns=tuple(patterns),
            paths=tuple(paths),
            format=file_format or "parquet",
            columns=mapping,
            origin=Origin(str(doc.path), doc.line_of(at)),
            table=raw.get("table"),
            server=sql_server(raw),
        )

    def _source(self, doc: YamlDocument, at: KeyPath, raw: dict[str, Any]) -> Source:
        if raw["type"] == "prometheus":
            return self._prometheus_source(doc, at, raw)
        if raw["type"] == "sql":
            return self._sql_source(doc, at, raw)
        paths = self._paths(doc, at, raw["paths"])
        if raw["type"] in FILE_SOURCE_TYPES:
            origin = Origin(str(doc.path), doc.line_of(at))
            return file_source(raw, paths, origin, lambda key, text: self.problem(doc, (*at, *key), text))
        if raw["type"] == "openmetrics":
            return OpenMetricsSource(raw["name"], tuple(paths), Origin(str(doc.path), doc.line_of(at)))
        mapping = _column_mapping(raw["columns"])
        line_pattern, problems = event_source_checks(raw, mapping)
        for key_path, message in problems:
            self.problem(doc, (*at, *key_path), message)
        row_filter = None
        if "filter" in raw:
            flt = raw["filter"]
            values = flt["in"] if "in" in flt else [flt["equals"]]
            row_filter = RowFilter(flt["column"], tuple(_as_text(v) for v in values))
        return EventSource(
            name=raw["name"],
            paths=tuple(paths),
            format=raw.get("format"),
            columns=mapping,
            row_filter=row_filter,
            origin=Origin(str(doc.path), doc.line_of(at)),
            line_pattern=line_pattern,
        )

    def _service(self, doc: YamlDocument, at: KeyPath, raw: dict[str, Any]) -> None:
        service = raw["name"]
        self.unique(doc, (*at, "name"), f"service {service!r}")
        service_labels = self._labels(doc, at, raw)
        self.services.append(service)
        for c_index, comp in enumerate(raw["components"]):
            c_at = (*at, "components", c_index)
            comp_id = item_id(service, comp["name"])
            self.unique(doc, (*c_at, "name"), f"component {comp_id!r}")
            sli_names: dict[str, int] = {}  # SLI names are unique within one component's list
            for i, sli in enumerate(comp.get("slis", [])):
                first = sli_names.setdefault(sli["name"], i)
                if first != i:
                    where = Origin(str(doc.path), doc.line_of((*c_at, "slis", first, "name"))).location()
                    message = f"SLI {sli['name']!r} is declared twice in {comp_id}; first at {where}"
                    self.problem(doc, (*c_at, "slis", i, "name"), message)
                for key in SELECTOR_KEYS:
                    for label in (sli.get(key) or {}).get("match", {}):
                        if wrong := label_name_problem(label):
                            self.problem(doc, (*c_at, "slis", i, key, "match", label), wrong)
            slis = tuple(_sli(s) for s in comp.get("slis", []))
            self.components.append(
                Component(
                    service=service,
                    name=comp["name"],
                    source=comp["source"],
                    match=_as_text(comp.get("match", comp["name"])),
                    slis=slis,
                    origin=Origin(str(doc.path), doc.line_of(c_at)),
                    group_by=group_keys(comp.get("group_by", ())),
                    max_groups=int(comp.get("max_groups", field_default(Component, "max_groups"))),
                )
            )
            comp_labels = self._labels(doc, c_at, comp)
            for s_index, slo in enumerate(comp.get("slos", [])):
                s_at = (*c_at, "slos", s_index)
                made = self._slo(doc, s_at, service, slo, (comp["name"],), slo["sli"], None)
                self.slos.append(self._labelled(doc, s_at, made, slo, service_labels, comp_labels))
        for s_index, slo in enumerate(raw.get("slos", [])):
            s_at = (*at, "slos", s_index)
            composite = None
            if "composite" in slo:
                spec = slo["composite"]
                weight = field_default(CompositePart, "weight")
                parts = tuple(CompositePart(p["slo"], float(p.get("weight", weight))) for p in spec["of"])
                composite = Composite(CompositeMethod(spec["method"]), parts)
            components = tuple(slo.get("components", ()))
            made = self._slo(doc, s_at, service, slo, components, slo.get("sli"), composite)
            self.slos.append(self._labelled(doc, s_at, made, slo, service_labels))
        for s_index, sla in enumerate(raw.get("slas", [])):
            s_at = (*at, "slas", s_index)
            self.unique(doc, (*s_at, "name"), f"SLA {item_id(service, sla['name'])!r}")
            tiers = sorted(
                (CreditTier(float(t["below"]), float(t["credit_percent"])) for t in sla.get("credits", [])),
                key=lambda t: -t.below_percent,
            )
            self.slas.append(
                Sla(
                    service=service,
                    name=sla["name"],
                    component=sla["component"],
                    sli=sla["sli"],
                    target_percent=float(sla["target"]),
                    credits=tuple(tiers),
                    origin=Origin(str(doc.path), doc.line_of(s_at)),
                    description=sla.get("description", ""),
                )
            )

    def _slo(
        self,
        doc: YamlDocument,
        at: KeyPath,
        service: str,
        raw: dict[str, Any],
        components: tuple[str, ...],
        sli: str | None,
        composite: Composite | None,
    ) -> Slo:
        objective = raw["objective"]
        budgeting = Budgeting()
        if "budgeting" in raw:
            spec = raw["budgeting"]
            target = spec.get("target")
            budgeting = Budgeting(
                BudgetingMethod(spec["method"]),
                int(_seconds(spec, "slice", Budgeting, "slice_seconds")),
                None if target is None else Objective(target).ratio,
            )
        alerting = raw.get("alerting", {})
        self.unique(doc, (*at, "name"), f"SLO {item_id(service, raw['name'])!r}")
        return Slo(
            service=service,
            name=raw["name"],
            components=components,
            sli=sli,
            objective_percent=None if objective == "auto" else float(objective),
            window=self._slo_window(doc, (*at, "window"), raw.get("window", DEFAULT_SLO_WINDOW)),
            origin=Origin(str(doc.path), doc.line_of(at)),
            description=raw.get("description", ""),
            budgeting=budgeting,
            alert_windows=alerting.get("windows", DEFAULT_WINDOW_SET),
            min_events=int(alerting.get("min_events", field_default(Slo, "min_events"))),
            policy=_policy(raw["policy"]) if "policy" in raw else (),
            composite=composite,
        )

    def _labels(self, doc: YamlDocument, at: KeyPath, raw: dict[str, Any]) -> dict[str, str]:
        """An item's own `labels:`, each unusable one reported where it stands."""
        labels: dict[str, str] = raw.get("labels") or {}
        for name, message in label_problems(labels):
            self.problem(doc, (*at, "labels", name), message)
        return labels

    def _labelled(
        self, doc: YamlDocument, at: KeyPath, slo: Slo, raw: dict[str, Any], *outer: dict[str, str]
    ) -> Slo:
        """`slo` with the labels of its service and component and its own, its own winning."""
        return replace(slo, labels=inherited(*outer, self._labels(doc, at, raw)))

    def _alert_window_set(self, doc: YamlDocument, at: KeyPath, raw: dict[str, Any]) -> None:
        name = raw["name"]
        if is_builtin_or_scaled(name):
            self.problem(doc, (*at, "name"), f"alert window set {name!r} is already defined")
        else:
            self.unique(doc, (*at, "name"), f"alert window set {name!r}")
        self.alert_window_sets[name] = tuple(
            AlertWindowPair(
                p["severity"],
                self.window(doc, (*at, "pairs", i, "long"), p["long"]),
                self.window(doc, (*at, "pairs", i, "short"), p["short"]),
                float(p["budget_share"]),
            )
            for i, p in enumerate(raw["pairs"])
        )

    def window(self, doc: YamlDocument, at: KeyPath, text: str) -> Window:
        """The window `text` names; one of no whole seconds is a problem where it stands."""
        try:
            return Window.parse(text)
        except ValueError as exc:
            self.problem(doc, at, str(exc))
            return Window.of(60)  # never used: a load with problems stops before the model is made

    def _slo_window(self, doc: YamlDocument, at: KeyPath, raw: str | dict[str, Any]) -> SloWindow:
        if isinstance(raw, str):
            return SloWindow(rolling=self.window(doc, at, raw))
        time_zone = raw.get("time_zone", field_default(SloWindow, "time_zone"))
        return SloWindow(calendar=CalendarUnit(raw["calendar"]), time_zone=time_zone)

    def _hook(self, doc: YamlDocument, at: KeyPath, raw: dict[str, Any]) -> Hook:
        targets = [key for key in HOOK_TARGETS if key in raw]
        if len(targets) != 1:
            self.problem(
                doc, at, f"hook {raw['name']!r} needs exactly one of `command`, `webhook` and `alertmanager`"
            )
        if targets != ["command"] and ("cwd" in raw or "env" in raw or "pass_env" in raw):
            self.problem(
                doc,
                at,
                f"hook {raw['name']!r}: `cwd`, `env` and `pass_env` apply to a command, not a webhook",
            )
        for target in ("webhook", "alertmanager"):
            if target in raw and (bad_url := url_problem(raw[target]["url"])):
                self.problem(doc, (*at, target, "url"), bad_url)
        if "budget_below" in raw and "budget_below" not in raw["triggers"]:
            self.problem(
                doc, (*at, "budget_below"), f"hook {raw['name']!r} sets budget_below without that trigger"
            )
        return Hook(
            name=raw["name"],
            triggers=tuple(Trigger(t) for t in raw["triggers"]),
            command=tuple(raw.get("command", ())),
            timeout_seconds=parse_duration(raw.get("timeout", DEFAULT_HOOK_TIMEOUT)),
            origin=Origin(str(doc.path), doc.line_of(at)),
            services=tuple(raw.get("services", [])),
            slos=tuple(raw.get("slos", [])),
            cwd=raw.get("cwd"),
            env=tuple(sorted((raw.get("env") or {}).items())),
            pass_env=tuple(raw.get("pass_env", [])),
            webhook=_webhook(raw["webhook"]) if "webhook" in raw else None,
            alertmanager=_alertmanager(raw["alertmanager"]) if "alertmanager" in raw else None,
            cooldown_seconds=_seconds(raw, "cooldown", Hook, "cooldown_seconds"),
            min_confidence=float(raw.get("min_confidence", field_default(Hook, "min_confidence"))),
            approval_required=raw.get("approval") == "required",
            destructive=bool(raw.get("destructive", field_default(Hook, "destructive"))),
            budget_below=None if "budget_below" not in raw else float(raw["budget_below"]),
        )


HOOK_TARGETS = ("command", "webhook", "alertmanager")


def _alertmanager(raw: dict[str, Any]) -> AlertmanagerSpec:
    def text(key: str) -> str:
        return str(raw.get(key, field_default(AlertmanagerSpec, key)))

    return AlertmanagerSpec(
        url=raw["url"],
        bearer_token_env=text("bearer_token_env"),
        username_env=text("username_env"),
        password_env=text("password_env"),
        generator_url=text("generator_url"),
        retries=int(raw.get("retries", field_default(AlertmanagerSpec, "retries"))),
    )


def _webhook(raw: dict[str, Any]) -> WebhookSpec:
    return WebhookSpec(
        url=raw["url"],
        secret_env=raw["secret_env"],
        format=WebhookFormat(raw.get("format", field_default(WebhookSpec, "format"))),
        retries=int(raw.get("retries", field_default(WebhookSpec, "retries"))),
        receiver=raw.get("receiver", field_default(WebhookSpec, "receiver")),
        external_url=raw.get("external_url", field_default(WebhookSpec, "external_url")),
    )


def _base_url_problem(url: str) -> str | None:
    """Why a Prometheus base URL cannot be queried (API paths are appended to it), or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (reading it checks it: a port that is not a number in range raises)
    except ValueError as exc:
        return f"not a usable URL: {exc}"
    if not parts.hostname:
        return "the URL names no host"
    if parts.query or parts.fragment:
        return "a base URL takes no ?query or #fragment (API paths are appended to it)"
    return None


def _seconds(raw: dict[str, Any], key: str, model: type[Any], field_name: str) -> float:
    """A duration from the YAML, or the model's default when the key is left out."""
    return parse_duration(raw[key]) if key in raw else float(field_default(model, field_name))


def _policy(raw: list[dict[str, Any]]) -> tuple[PolicyRule, ...]:
    return tuple(
        PolicyRule(r["state"], r.get("budget_remaining_below"), tuple(r.get("alert", ()))) for r in raw
    )


def _column_mapping(cols: dict[str, Any]) -> ColumnMapping:
    stamp = cols["timestamp"]
    written = stamp.get("format", field_default(ColumnMapping, "timestamp_format").value)
    strptime = "%" in written
    component = cols.get("component")
    latency = None
    if "latency" in cols:
        lat = cols["latency"]
        latency = LatencyColumns(
            column=lat.get("column"),
            unit=lat.get("unit", field_default(LatencyColumns, "unit")),
            start=lat.get("start"),
            end=lat.get("end"),
        )
    return ColumnMapping(
        timestamp=stamp["column"],
        timestamp_format=TimestampFormat.STRPTIME if strptime else TimestampFormat(written),
        timestamp_pattern=written if strptime else None,
        time_zone=stamp.get("time_zone"),
        component=component["column"] if isinstance(component, dict) else component,
        component_pattern=component["pattern"] if isinstance(component, dict) else None,
        status=cols.get("status"),
        success=cols.get("success"),
        error=cols.get("error"),
        latency=latency,
    )


def _sql_format(pattern: str) -> str | None:
    suffix = Path(pattern.split("?")[0]).suffix.lower()
    return {".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}.get(suffix)


def _as_text(value: Any) -> str:
    """Filter and match values compare as text, the way they appear in a CSV file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _selector(raw: dict[str, Any] | None) -> Selector | None:
    if raw is None:
        return None
    return Selector(raw["metric"], tuple(sorted(raw.get("match", {}).items())))


def _sli(raw: dict[str, Any]) -> Sli:
    kind = SliKind(raw["kind"])
    if kind is SliKind.LATENCY:
        return Sli(
            raw["name"],
            kind,
            threshold_seconds=parse_duration(raw["threshold"]),
            description=raw.get("description", ""),
            histogram=_selector(raw.get("histogram")),
            interpolate=bool(raw.get("interpolate", field_default(Sli, "interpolate"))),
        )
    total = _selector(raw.get("total"))
    if total is not None:
        good, bad = _selector(raw.get("good_counter")), _selector(raw.get("bad_counter"))
        counters = CounterSelectors(total, good, bad)
        return Sli(raw["name"], kind, counters=counters, description=raw.get("description", ""))
    good = raw.get("good")
    rule = (
        GoodRule(
            status_below=good.get("status_below"),
            status_in=tuple(good["status_in"]) if "status_in" in good else None,
            status_not_in=tuple(good["status_not_in"]) if "status_not_in" in good else None,
            success_flag=bool(good.get("success", False)),
        )
        if good
        else GoodRule()
    )  # filled in by _default_good_rules once the source is known
    return Sli(raw["name"], kind, good=rule, description=raw.get("description", ""))


def _default_good_rules(components: list[Component], sources: dict[str, Source]) -> list[Component]:
    """An availability SLI without `good`: status < 500 if the source maps a status, else its flag."""
    result = []
    for comp in components:
        source = sources.get(comp.source)
        slis = []
        for sli in comp.slis:
            if (
                isinstance(source, (EventSource, SqlSource, OtlpTracesSource))
                and sli.kind is SliKind.AVAILABILITY
                and sli.good == GoodRule()
            ):
                rule = GoodRule(status_below=500) if source.columns.status else GoodRule(success_flag=True)
                sli = Sli(sli.name, sli.kind, good=rule, description=sli.description)
            slis.append(sli)
        result.append(replace(comp, slis=tuple(slis)))
    return result


def _check_event_slis(config: Config, comp: Component, source: RowSource) -> Iterator[Problem]:
    def at(origin: Origin, field_name: str, message: str) -> Problem:
        return Problem(origin.file, message, origin.line, field_name)

    if source.columns.component is None and len(config.index.components_reading[comp.source]) > 1:
        yield at(
            comp.origin,
            "source",
            f"source {comp.source!r} has no component column but feeds several components",
        )
    for sli in comp.slis:
        if sli.kind is SliKind.LATENCY and source.columns.latency is None:
            yield at(
                comp.origin,
                "slis",
                f"latency SLI {sli.name!r} needs a latency column in source {source.name!r}",
            )
        if sli.kind is SliKind.AVAILABILITY and sli.good is not None:
            if sli.good.success_flag and not source.columns.has_flag:
                yield at(
                    comp.origin,
                    "slis",
                    f"SLI {sli.name!r} uses the success flag but source "
                    f"{source.name!r} maps no success or error column",
                )
            if not sli.good.success_flag and source.columns.status is None:
                yield at(
                    comp.origin,
                    "slis",
                    f"SLI {sli.name!r} uses the status code but source {source.name!r} maps no status column",
                )
        if sli.counters is not None or sli.histogram is not None:
            yield at(
                comp.origin,
                "slis",
                f"SLI {sli.name!r} names metrics, but source {source.name!r} holds events",
            )


def _check_metric_slis(comp: Component, source: MetricSource) -> Iterator[Problem]:
    for sli in comp.slis:
        where = Problem(comp.origin.file, "", comp.origin.line, "slis")
        if sli.kind is SliKind.LATENCY and sli.histogram is None:
            yield replace(
                where,
                message=f"latency SLI {sli.name!r} needs `histogram` with metrics source {source.name!r}",
            )
        if sli.kind is SliKind.AVAILABILITY:
            counters = sli.counters
            if counters is None:
                yield replace(
                    where,
                    message=f"SLI {sli.name!r} needs `total` and `good_counter` or "
                    f"`bad_counter` with metrics source {source.name!r}",
                )
            elif (counters.good is None) == (counters.bad is None):
                yield replace(
                    where, message=f"SLI {sli.name!r} needs exactly one of `good_counter` and `bad_counter`"
                )


def _cross_check(config: Config) -> Iterator[Problem]:
    """References between items: every name points at something that exists and fits."""
    index = config.index

    def at(origin: Origin, field_name: str, message: str) -> Problem:
        return Problem(origin.file, message, origin.line, field_name)

    for comp in config.components:
        source = index.sources.get(comp.source)
        if source is None:
            hint = did_you_mean(comp.source, index.sources)
            yield at(comp.origin, "source", f"component {comp.id} uses unknown source {comp.source!r}{hint}")
            continue
        if isinstance(source, METRIC_SOURCES):
            yield from _check_metric_slis(comp, source)
        else:
            yield from _check_event_slis(config, comp, source)
    for slo in config.slos:
        yield from _check_slo(config, slo)
    yield from group_problems(config)
    for sla in config.slas:
        component = index.component(sla.service, sla.component)
        if component is None:
            hint = did_you_mean(sla.component, _component_names(config, sla.service))
            yield at(
                sla.origin, "component", f"SLA {sla.id} refers to unknown component {sla.component!r}{hint}"
            )
        elif index.sli(component, sla.sli) is None:
            hint = did_you_mean(sla.sli, (s.name for s in component.slis))
            yield at(sla.origin, "sli", f"SLA {sla.id} refers to unknown SLI {sla.sli!r}{hint}")
        for tier in sla.credits:
            if tier.below_percent > sla.target_percent:
                yield at(
                    sla.origin,
                    "credits",
                    f"credit tier below {tier.below_percent} is above the target {sla.target_percent}",
                )
    for hook in config.hooks:
        for service in hook.services:
            if service not in index.services:
                hint = did_you_mean(service, index.services)
                yield at(
                    hook.origin, "services", f"hook {hook.name!r} names unknown service {service!r}{hint}"
                )
        for slo_id in hook.slos:
            if slo_id not in index.slos:
                hint = did_you_mean(slo_id, index.slos)
                yield at(hook.origin, "slos", f"hook {hook.name!r} names unknown SLO {slo_id!r}{hint}")


def _component_names(config: Config, service: str) -> list[str]:
    return [c.name for c in config.components if c.service == service]


def _check_slo(config: Config, slo: Slo) -> Iterator[Problem]:
    def at(field_name: str, message: str) -> Problem:
        return Problem(slo.origin.file, message, slo.origin.line, field_name)

    index = config.index
    for name in slo.components:
        comp = index.component(slo.service, name)
        if comp is None:
            hint = did_you_mean(name, _component_names(config, slo.service))
            yield at("components", f"SLO {slo.id} refers to unknown component {name!r}{hint}")
        elif index.sli(comp, slo.sli) is None:
            hint = did_you_mean(slo.sli or "", (s.name for s in comp.slis))
            yield at("sli", f"SLO {slo.id} refers to unknown SLI {slo.sli!r} of {comp.id}{hint}")
    if slo.composite is not None:
        for part in slo.composite.parts:
            dependency = index.slos.get(part.slo)
            if dependency is None:
                hint = did_you_mean(part.slo, index.slos)
                yield at("composite", f"composite SLO {slo.id} refers to unknown SLO {part.slo!r}{hint}")
            elif dependency.composite is not None:
                yield at("composite", f"composite SLO {slo.id} cannot depend on composite {part.slo!r}")
    window = slo.window
    if window.rolling is not None and (wrong := span_problem(window.rolling.seconds, "the window")):
        yield at("window", wrong)
    if window.calendar is not None:
        try:
            ZoneInfo(window.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            yield at("window", f"unknown time zone {window.time_zone!r} (expected an IANA name)")
    budgeting = slo.budgeting
    if budgeting.slice_seconds % 60 or budgeting.slice_seconds < 60:
        yield at("budgeting", "the time slice must be whole minutes")
    if budgeting.method is BudgetingMethod.TIMESLICES and budgeting.slice_target is None:
        yield at(
            "budgeting", "timeslices needs a `target`: the percent of good events that makes a slice good"
        )
    pairs = config.alert_window_sets.get(slo.alert_windows)
    if pairs is None:
        known_sets = ", ".join(sorted(config.alert_window_sets))
        yield at("alerting", f"unknown alert window set {slo.alert_windows!r} (known: {known_sets})")
    else:
        for pair in pairs:
            long, short = pair.long.seconds, pair.short.seconds
            if long % 60 or short % 60 or short >= long or long > MAX_SPAN_SECONDS:
                yield at(
                    "alerting", f"alert windows {pair.label} must be whole minutes, the short one shorter"
                )


def _settings(builder: _Builder) -> Settings:
    values: dict[str, Any] = {}
    if "evaluate_at" in builder.settings:
        doc, text = builder.settings["evaluate_at"]
        try:
            values["evaluate_at"] = parse_rfc3339(text)
        except ValueError as exc:
            builder.problem(doc, ("settings", "evaluate_at"), str(exc))
        else:
            if wrong := instant_problem(values["evaluate_at"]):
                builder.problem(doc, ("settings", "evaluate_at"), wrong)
    if "history" in builder.settings:
        doc, text = builder.settings["history"]
        values["history_seconds"] = int(parse_duration(text))
        if wrong := span_problem(values["history_seconds"], "the history"):
            builder.problem(doc, ("settings", "history"), wrong)
    if "policy" in builder.settings:
        values["policy"] = _policy(builder.settings["policy"][1])
    if "auto_objective_margin" in builder.settings:
        values["auto_objective_margin"] = float(builder.settings["auto_objective_margin"][1])
    if "auto_objective_max_pages_per_30d" in builder.settings:
        pages = builder.settings["auto_objective_max_pages_per_30d"][1]
        values["auto_objective_max_pages_per_30d"] = float(pages)
    if "max_actions_per_run" in builder.settings:
        values["max_actions_per_run"] = int(builder.settings["max_actions_per_run"][1])
    if "severity_names" in builder.settings:
        doc, names = builder.settings["severity_names"]
        values["severity_names"] = SeverityNames(**names)
        if wrong := severity_names_problem(values["severity_names"].page, values["severity_names"].ticket):
            builder.problem(doc, ("settings", "severity_names"), wrong)
    return Settings(**values)


def load_config(path: Path) -> Config:
    """Load, schema-check and cross-check a config file or folder; ConfigError lists every problem."""
    files = config_files(path)
    docs: list[YamlDocument] = []
    problems: list[Problem] = []
    cut_names: set[str] = set()  # items cut for their schema problems: references to them stand
    whole = True  # every file is in `docs`, whole or less its invalid items: references can be checked
    openslo_files = [file for file in files if is_openslo(file)]
    ours = [load_yaml(file) for file in files if file not in openslo_files]
    for doc in ours + (_openslo_documents(openslo_files) if openslo_files else []):
        if doc.data is None:
            problems.append(Problem(str(doc.path), "the file is empty (or holds only comments)", 1))
            whole = False
            continue
        if not isinstance(doc.data, dict):
            problems.append(Problem(str(doc.path), "the top level must be a mapping", 1))
            whole = False
            continue
        messages = _schema_messages(doc)
        problems.extend(_schema_problems(doc, messages))
        salvaged = without_items(doc, [m.key_path for m in messages]) if messages else None
        if not messages:
            docs.append(doc)
        elif salvaged is not None and not _schema_messages(salvaged.doc):
            docs.append(salvaged.doc)
            cut_names |= salvaged.cut_names
        else:
            whole = False
    builder = _Builder()
    for doc in docs:
        doc, unexpandable = expand_objectives(doc)
        builder.problems += unexpandable
        builder.add_document(doc)
    settings = _settings(builder)
    problems.extend(builder.problems)
    # Schema problems leave the rest checkable; value problems (a name twice) would mislead the checks.
    if problems and (builder.problems or not whole):
        raise _invalid(problems)
    sources = {s.name: s for s in builder.sources}
    slos, window_sets = with_scaled_sets(builder.slos, builder.alert_window_sets)
    config = Config(
        files=tuple(files),
        settings=settings,
        sources=tuple(builder.sources),
        components=tuple(_default_good_rules(builder.components, sources)),
        slos=tuple(slos),
        slas=tuple(builder.slas),
        hooks=tuple(builder.hooks),
        services=tuple(builder.services),
        alert_window_sets=window_sets,
        change_events=tuple(builder.change_events),
        adjustments=tuple(builder.adjustments),
    )
    problems += [p for p in _cross_check(config) if not mentions(p.message, cut_names)]
    problems += adjustment_problems(config)
    if problems:
        raise _invalid(problems)
    return config


def _openslo_documents(files: list[Path]) -> list[YamlDocument]:
    # The OpenSLO translator loads only for a config that has OpenSLO files.
    from reliability.config.openslo import openslo_documents

    return openslo_documents(files)


def _invalid(problems: list[Problem]) -> ConfigError:
    count = len(problems)
    first = problems[0]
    more = f" (and {count - 1} more problem{'s' if count > 2 else ''})" if count > 1 else ""
    return ConfigError(f"invalid configuration: {first}{more}", problems)
