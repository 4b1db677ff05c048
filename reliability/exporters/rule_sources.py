"""Rule specs from our configuration and from OpenSLO v1 SLO documents (Sloth's specs: sloth_specs).

All sources end in the same SloRuleSpec, so one generator writes the rules. What a source holds but
rules cannot express (a calendar window, time-slice budgeting, an `auto` objective) is skipped with
the reason, never approximated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import yaml

from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.model import (
    BudgetingMethod,
    Config,
    CounterSelectors,
    EventSource,
    OpenMetricsSource,
    PrometheusSource,
    ScrapeFilesSource,
    Selector,
    Sli,
    SliKind,
    Slo,
)
from reliability.config.scaled_windows import scaled_pairs
from reliability.errors import ConfigError, Problem
from reliability.exporters.rules import (
    WINDOW,
    Labels,
    SloRuleSpec,
    number,
)
from reliability.vocabulary import Objective, Window, item_id

OPENSLO_VERSION = "openslo/v1"
_WINDOW_VARIABLE = re.compile(r"\{\{\s*\.window\s*\}\}")  # Go template spacing varies
_PLAIN_SELECTOR = re.compile(r"\s*(?:[a-zA-Z_:][a-zA-Z0-9_:]*\s*(?:\{[^{}]*\})?|\{[^{}]*\})\s*")
_LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_FILE_SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")  # a service names its rule file


@dataclass
class Conversion:
    specs: list[SloRuleSpec] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "service/slo: why", SLOs without rules
    notes: list[str] = field(default_factory=list)  # converted, with a caveat worth knowing


# --- our configuration ---


def bucket_boundary_regex(seconds: float) -> str:
    """Matches an `le` label however the boundary is written: 0.25, 0.250, .25; 1, 1.0."""
    whole, _, fraction = number(seconds).partition(".")
    leading = "0*" if whole == "0" else f"0*{whole}"
    return f"{leading}[.]{fraction}0*" if fraction else f"{leading}([.]0*)?"


def sli_counters(sli: Sli) -> CounterSelectors:
    """Counters of an SLI from metrics; a latency histogram's are its buckets at the threshold and +Inf."""
    if sli.counters is not None:
        return sli.counters
    assert sli.histogram is not None and sli.threshold_seconds is not None
    bucket = f"{sli.histogram.metric}_bucket"
    labels = sli.histogram.labels
    return CounterSelectors(
        total=Selector(bucket, (*labels, ("le", "[+]Inf"))),
        good=Selector(bucket, (*labels, ("le", bucket_boundary_regex(sli.threshold_seconds)))),
    )


def _sum_rate(selector: Selector, by: tuple[str, ...] = ()) -> str:
    """The selected counters' rate, summed (per group: by its labels, so the TSDB splits the groups)."""
    grouping = f" by ({', '.join(by)})" if by else ""
    return f"sum{grouping}(rate({selector.promql()}[{WINDOW}]))"


def _added(terms: list[str]) -> str:
    return terms[0] if len(terms) == 1 else "(" + " + ".join(terms) + ")"


def _bad_rate(counters: CounterSelectors, by: tuple[str, ...] = ()) -> str:
    if counters.bad is not None:
        return _sum_rate(counters.bad, by)
    assert counters.good is not None
    return f"({_sum_rate(counters.total, by)} - {_sum_rate(counters.good, by)})"


def counters_error_ratio(counters: tuple[CounterSelectors, ...], by: tuple[str, ...] = ()) -> str:
    """bad / total, or 1 - good / total, summed over components; a mix counts total - good as bad."""
    totals = _added([_sum_rate(c.total, by) for c in counters])
    goods = [_sum_rate(c.good, by) for c in counters if c.good is not None]
    if len(goods) == len(counters):
        return f"1 - {_added(goods)} / {totals}"
    return f"{_added([_bad_rate(c, by) for c in counters])} / {totals}"


def _source_kind(config: Config, name: str) -> str:
    return "events" if isinstance(config.source(name), EventSource) else "not a metrics source"


def _unsupported(config: Config, slo: Slo) -> str | None:
    """Why an SLO of our config cannot become rules, or None."""
    if slo.composite is not None:
        return "a composite SLO: its SLI comes from other SLOs, not from series"
    for name in slo.components:
        source = config.component(slo.service, name).source
        # OpenMetrics files and scrape folders hold the series a Prometheus scrapes or backfills: same
        # selectors, same rules.
        if not isinstance(config.source(source), (PrometheusSource, OpenMetricsSource, ScrapeFilesSource)):
            return f"its telemetry is not in metrics (source {source!r} is {_source_kind(config, source)})"
    if slo.objective_percent is None:
        return "objective is auto: rules need a fixed number"
    if slo.window.calendar is not None:
        return (
            f"{slo.window.describe()} window: Prometheus rules need a fixed range "
            "(use a rolling window such as 30d)"
        )
    if slo.budgeting.method is not BudgetingMethod.OCCURRENCES:
        return f"{slo.budgeting.method.value} budgeting: rules count occurrences only"
    return _adjustment_reason(config, slo)


def _adjustment_reason(config: Config, slo: Slo) -> str | None:
    """Rules never carry a budget adjustment: PromQL has no RRULE, and a period left out of every range
    query would need a mask per range; rules that silently disagreed with `run` would be worse."""
    adjustment = next((a for a in config.adjustments if a.applies_to(slo)), None)
    if adjustment is None:
        return None
    kind = f"recurring ({adjustment.rrule})" if adjustment.rrule else "one-off"
    return (
        f"budget adjustment {adjustment.name!r} ({kind}): PromQL range queries cannot leave out "
        "adjusted periods, so the rules would disagree with `run`"
    )


def from_config(config: Config) -> Conversion:
    """A spec for every SLO whose telemetry is in Prometheus; the others are skipped with the reason."""
    result = Conversion()
    for slo in config.slos:
        reason = _unsupported(config, slo)
        if reason is not None:
            result.skipped.append(f"{slo.id}: {reason}")
            continue
        assert slo.sli is not None and slo.objective_percent is not None
        assert slo.window.rolling is not None
        slis = [sli for _, sli in config.index.slo_slis(slo)]
        for sli in slis:
            if sli.kind is SliKind.LATENCY and sli.interpolate and sli.histogram is not None:
                threshold = number(sli.threshold_seconds or 0)
                result.notes.append(
                    f"{slo.id}: the rules need {threshold}s to be a bucket boundary of "
                    f"{sli.histogram.metric} (PromQL cannot interpolate); without one the ratio has no data"
                )
        counters = tuple(sli_counters(sli) for sli in slis)
        by = tuple(key.column for key in config.index.slo_components(slo)[0].group_by)
        result.specs.append(
            SloRuleSpec(
                service=slo.service,
                slo=slo.name,
                objective=Objective(slo.objective_percent),
                period=slo.window.rolling,
                error_ratio_query=counters_error_ratio(counters, by),
                alert_pairs=config.alert_window_sets[slo.alert_windows],
                counters=counters,
                error_rate_query=_added([_bad_rate(c, by) for c in counters]),
                total_rate_query=_added([_sum_rate(c.total, by) for c in counters]),
                min_events=slo.min_events,
                labels=slo.labels,
                alert_labels=slo.labels,
                severity_names=config.settings.severity_names,
                group_labels=by,
            )
        )
    return result


# --- other tools' documents ---


class _Skip(Exception):
    """A valid document with a feature rules cannot express: the SLO is skipped, the rest converted."""


@dataclass(frozen=True)
class _Fields:
    """Typed reads from one YAML document; a missing or wrong field fails naming the file and field."""

    where: str

    def fail(self, at: str, message: str) -> NoReturn:
        problem = Problem(self.where, message, None, at or None)
        raise ConfigError(str(problem), [problem])

    def _value(self, data: dict[str, Any], key: str, at: str) -> Any:
        if data.get(key) is None:
            self.fail(_join(at, key), "missing")
        return data[key]

    def mapping(self, data: dict[str, Any], key: str, at: str, required: bool = False) -> dict[str, Any]:
        if not required and data.get(key) is None:
            return {}
        value = self._value(data, key, at)
        if not isinstance(value, dict):
            self.fail(_join(at, key), f"expected a mapping, got {type(value).__name__}")
        return value

    def text(self, data: dict[str, Any], key: str, at: str) -> str:
        value = self._value(data, key, at)
        if not isinstance(value, str) or not value.strip():
            self.fail(_join(at, key), f"expected non-empty text, got {value!r}")
        return value

    def optional_text(self, data: dict[str, Any], key: str, at: str) -> str | None:
        return None if data.get(key) is None else self.text(data, key, at)

    def objective(self, data: dict[str, Any], key: str, at: str, *, ratio: bool = False) -> Objective:
        """A percent in (0, 100), or with `ratio` a number in (0, 1)."""
        value = self._value(data, key, at)
        scale = 100 if ratio else 1
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value * scale < 100:
            limit = "between 0 and 1" if ratio else "a percent between 0 and 100"
            self.fail(_join(at, key), f"expected {limit} (exclusive), got {value!r}")
        return Objective.from_ratio(value) if ratio else Objective(float(value))

    def flag(self, data: dict[str, Any], key: str, at: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.fail(_join(at, key), f"expected true or false, got {value!r}")
        return value

    def items(self, data: dict[str, Any], key: str, at: str) -> list[dict[str, Any]]:
        value = self._value(data, key, at)
        if not isinstance(value, list) or not value:
            self.fail(_join(at, key), "expected a non-empty list")
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"{_join(at, key)}[{index}]", f"expected a mapping, got {type(item).__name__}")
        return value

    def labels(self, data: dict[str, Any], key: str, at: str) -> Labels:
        pairs = []
        for name, value in self.mapping(data, key, at).items():
            if not isinstance(name, str) or not _LABEL_NAME.fullmatch(name):
                self.fail(_join(at, key), f"{name!r} is not a Prometheus label name")
            if not isinstance(value, str | int | float | bool):
                self.fail(_join(at, f"{key}.{name}"), f"expected a text value, got {type(value).__name__}")
            pairs.append((name, str(value)))
        return tuple(pairs)

    def service(self, data: dict[str, Any], key: str, at: str) -> str:
        value = self.text(data, key, at)
        if not _FILE_SAFE.fullmatch(value):
            self.fail(
                _join(at, key), f"{value!r}: use letters, digits, '.', '_' and '-' (it names the rule file)"
            )
        return value

    def windowed_query(self, data: dict[str, Any], key: str, at: str) -> str:
        query = _WINDOW_VARIABLE.sub(WINDOW, self.text(data, key, at).strip())
        if WINDOW not in query:
            self.fail(_join(at, key), "needs {{.window}} where the range goes, e.g. rate(x[{{.window}}])")
        return query


def _join(at: str, key: str) -> str:
    return f"{at}.{key}" if at else key


def _documents(path: Path) -> list[tuple[_Fields, dict[str, Any]]]:
    """Every non-empty YAML document of the file, each with a reader naming it in errors."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        loaded = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = Problem(str(path), f"invalid YAML: {exc.problem or exc}", mark.line + 1 if mark else None)
        raise ConfigError(str(problem), [problem]) from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc
    if not loaded:
        raise ConfigError(f"{path}: no YAML document in it")
    documents = []
    for index, data in enumerate(loaded):
        reader = _Fields(f"{path} (document {index + 1})" if len(loaded) > 1 else str(path))
        if not isinstance(data, dict):
            reader.fail("", f"expected a mapping at the top, got {type(data).__name__}")
        documents.append((reader, data))
    return documents


def _check_unique(reader: _Fields, specs: list[SloRuleSpec], spec: SloRuleSpec, at: str) -> None:
    if any(s.service == spec.service and s.slo == spec.slo for s in specs):
        reader.fail(at, f"SLO {spec.slo_id} is declared twice")


def _openslo_rate(reader: _Fields, part: dict[str, Any], at: str, counter: bool) -> str:
    """Events per second (or per window) of one ratioMetric part."""
    source = reader.mapping(part, "metricSource", at, required=True)
    at = _join(at, "metricSource")
    kind = reader.optional_text(source, "type", at)
    if kind is not None and kind.lower() != "prometheus":
        raise _Skip(f"metric source type {kind!r} is not Prometheus")
    spec_at = _join(at, "spec")
    query = reader.text(reader.mapping(source, "spec", at, required=True), "query", spec_at).strip()
    query = _WINDOW_VARIABLE.sub(WINDOW, query)
    if WINDOW in query:
        return f"({query})"
    if _PLAIN_SELECTOR.fullmatch(query):
        # Counters are rated; other series already count events per sample, so they are summed.
        function = "rate" if counter else "sum_over_time"
        return f"sum({function}({query.strip()}[{WINDOW}]))"
    reader.fail(
        _join(spec_at, "query"),
        "neither a series selector nor a query with {{.window}} where the range goes "
        "(e.g. sum(rate(x[{{.window}}])))",
    )


def _openslo_error_ratio(reader: _Fields, indicator: dict[str, Any], at: str) -> str:
    if "ratioMetric" not in indicator:
        raise _Skip("only ratioMetric indicators become rules")
    ratio = reader.mapping(indicator, "ratioMetric", at, required=True)
    at = _join(at, "ratioMetric")
    counter = reader.flag(ratio, "counter", at, default=True)
    if "raw" in ratio:
        raise _Skip("raw ratio metrics are not supported: give good or bad, and total")
    total = _openslo_rate(
        reader, reader.mapping(ratio, "total", at, required=True), _join(at, "total"), counter
    )
    if ("good" in ratio) == ("bad" in ratio):
        reader.fail(at, "needs exactly one of good and bad")
    key = "good" if "good" in ratio else "bad"
    part = _openslo_rate(reader, reader.mapping(ratio, key, at, required=True), _join(at, key), counter)
    return f"1 - {part} / {total}" if key == "good" else f"{part} / {total}"


def _openslo_indicator(
    reader: _Fields, spec: dict[str, Any], slis: dict[str, tuple[_Fields, dict[str, Any]]]
) -> tuple[_Fields, dict[str, Any], str]:
    """The indicator's spec, inline or an SLI document of the same file named by indicatorRef."""
    if "indicatorRef" in spec:
        name = reader.text(spec, "indicatorRef", "spec")
        if name not in slis:
            reader.fail("spec.indicatorRef", f"no SLI document named {name!r} in this file")
        sli_reader, sli = slis[name]
        return sli_reader, reader.mapping(sli, "spec", "", required=True), "spec"
    indicator = reader.mapping(spec, "indicator", "spec", required=True)
    return reader, reader.mapping(indicator, "spec", "spec.indicator", required=True), "spec.indicator.spec"


def _openslo_objective(reader: _Fields, spec: dict[str, Any]) -> Objective:
    objectives = reader.items(spec, "objectives", "spec")
    if len(objectives) > 1:
        raise _Skip("several objectives: rules take one")
    if objectives[0].get("targetPercent") is not None:
        return reader.objective(objectives[0], "targetPercent", "spec.objectives[0]")
    return reader.objective(objectives[0], "target", "spec.objectives[0]", ratio=True)


def _openslo_period(reader: _Fields, spec: dict[str, Any]) -> Window:
    window = reader.items(spec, "timeWindow", "spec")[0]
    if "calendar" in window or not reader.flag(window, "isRolling", "spec.timeWindow[0]", default=True):
        raise _Skip("calendar window: Prometheus rules need a fixed range (use isRolling: true)")
    duration = reader.text(window, "duration", "spec.timeWindow[0]")
    try:
        return Window.parse(duration)
    except ValueError as exc:
        reader.fail("spec.timeWindow[0].duration", str(exc))


def _openslo_spec(
    reader: _Fields, data: dict[str, Any], slis: dict[str, tuple[_Fields, dict[str, Any]]]
) -> SloRuleSpec:
    spec = reader.mapping(data, "spec", "", required=True)
    method = reader.text(spec, "budgetingMethod", "spec")
    if method != "Occurrences":
        raise _Skip(f"{method} budgeting: rules count occurrences only")
    period = _openslo_period(reader, spec)
    objective = _openslo_objective(reader, spec)
    indicator_reader, indicator, at = _openslo_indicator(reader, spec, slis)
    query = _openslo_error_ratio(indicator_reader, indicator, at)
    pairs = scaled_pairs(WORKBOOK_PAIRS, period.seconds)
    return SloRuleSpec(
        service=reader.service(spec, "service", "spec"),
        slo=reader.text(reader.mapping(data, "metadata", "", required=True), "name", "metadata"),
        objective=objective,
        period=period,
        error_ratio_query=query,
        alert_pairs=pairs,
    )


def from_openslo(path: Path) -> Conversion:
    """OpenSLO v1 `SLO` documents with a ratioMetric indicator (inline, or an `SLI` document of the file)."""
    documents = _documents(path)
    for reader, data in documents:
        version = reader.text(data, "apiVersion", "")
        if version != OPENSLO_VERSION:
            reader.fail("apiVersion", f"expected {OPENSLO_VERSION!r}, got {version!r}")
    slis = {
        reader.text(reader.mapping(data, "metadata", "", required=True), "name", "metadata"): (reader, data)
        for reader, data in documents
        if data.get("kind") == "SLI"
    }
    slos = [(reader, data) for reader, data in documents if data.get("kind") == "SLO"]
    if not slos:
        raise ConfigError(f"{path}: no document of kind SLO")
    result = Conversion()
    for reader, data in slos:
        name = reader.text(reader.mapping(data, "metadata", "", required=True), "name", "metadata")
        service = reader.service(reader.mapping(data, "spec", "", required=True), "service", "spec")
        try:
            spec = _openslo_spec(reader, data, slis)
        except _Skip as skip:
            result.skipped.append(f"{item_id(service, name)}: {skip}")
            continue
        _check_unique(reader, result.specs, spec, "metadata.name")
        result.specs.append(spec)
        if data["spec"].get("alertPolicies"):
            result.notes.append(
                f"{item_id(service, name)}: alertPolicies are not converted; "
                "the SRE Workbook's burn-rate windows are used instead"
            )
    return result
