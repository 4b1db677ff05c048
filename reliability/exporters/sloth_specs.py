"""Sloth's SLO specs as rule specs: `prometheus/v1` files and the Kubernetes CRD, read as Sloth reads them.

A file holds one or more YAML documents, each a `prometheus/v1` spec (`version`, snake_case fields)
or a `PrometheusServiceLevel` (`apiVersion: sloth.slok.dev/v1`, the same service, labels and SLOs
under `spec`, in camelCase: `errorQuery`, `pageAlert`). Every SLO gets the default period
(`--default-slo-period`, 30d) and that period's windows from Sloth's catalog (sloth_windows); the
period is named in records as Sloth names it, in Prometheus' duration format (28d is `4w`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.exporters.rule_sources import (
    Conversion,
    _check_unique,
    _documents,
    _Fields,
    _join,
    _Skip,
)
from reliability.exporters.rules import PAGE_ALERT, TICKET_ALERT, AlertSpec, SloRuleSpec
from reliability.exporters.sloth_windows import Catalog, windows_for
from reliability.vocabulary import Window, item_id

SPEC_VERSION = "prometheus/v1"
CRD_API = "sloth.slok.dev/v1"
CRD_KIND = "PrometheusServiceLevel"
DEFAULT_PERIOD = Window.parse("30d")
# Prometheus' duration units, largest first; years and weeks only when they divide exactly
_EXACT_UNITS = (("y", 365 * 86400), ("w", 7 * 86400))
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


@dataclass(frozen=True)
class Spelling:
    """The field names of one of Sloth's two formats."""

    page_alert: str
    ticket_alert: str
    error_query: str
    total_query: str
    error_ratio_query: str


SPEC_SPELLING = Spelling("page_alert", "ticket_alert", "error_query", "total_query", "error_ratio_query")
CRD_SPELLING = Spelling("pageAlert", "ticketAlert", "errorQuery", "totalQuery", "errorRatioQuery")


@dataclass(frozen=True)
class SlothOptions:
    """Sloth's generate flags that shape the rules of every SLO read."""

    period: Window = DEFAULT_PERIOD
    windows: Catalog | None = None  # --slo-period-windows-path; None: Sloth's built-in catalog
    windows_path: Path | None = None
    optimized: bool = True  # False: the period's ratio is the query over the whole period


def prometheus_duration(seconds: int) -> str:
    """A duration as Prometheus prints it (and Sloth names windows): 28d -> 4w, 30d -> 30d, 365d -> 1y."""
    parts, remaining = [], seconds
    for unit, size in _EXACT_UNITS:
        if remaining % size == 0 and remaining >= size:
            parts.append(f"{remaining // size}{unit}")
            remaining = 0
    for unit, size in _UNITS:
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def _alerts(reader: _Fields, raw: dict[str, Any], at: str, spelling: Spelling) -> tuple[AlertSpec, ...]:
    alerting = reader.mapping(raw, "alerting", at)
    at = _join(at, "alerting")
    name = reader.optional_text(alerting, "name", at)
    alerts = []
    for severity, key, default_name in (
        ("page", spelling.page_alert, PAGE_ALERT),
        ("ticket", spelling.ticket_alert, TICKET_ALERT),
    ):
        own = reader.mapping(alerting, key, at)
        if reader.flag(own, "disable", _join(at, key), default=False):
            continue
        labels = dict(reader.labels(alerting, "labels", at)) | dict(
            reader.labels(own, "labels", _join(at, key))
        )
        annotations = dict(reader.labels(alerting, "annotations", at)) | dict(
            reader.labels(own, "annotations", _join(at, key))
        )
        alerts.append(
            AlertSpec(severity, name or default_name, tuple(labels.items()), tuple(annotations.items()))
        )
    return tuple(alerts)


def _error_ratio(
    reader: _Fields, raw: dict[str, Any], at: str, spelling: Spelling
) -> tuple[str, str | None, str | None]:
    """The error ratio query, and the error and total rate queries when the SLI gives them."""
    sli = reader.mapping(raw, "sli", at, required=True)
    at = _join(at, "sli")
    if "events" in sli:
        events = reader.mapping(sli, "events", at, required=True)
        error = reader.windowed_query(events, spelling.error_query, _join(at, "events"))
        total = reader.windowed_query(events, spelling.total_query, _join(at, "events"))
        return f"({error}) / ({total})", error, total
    if "raw" in sli:
        ratio = reader.windowed_query(
            reader.mapping(sli, "raw", at, required=True), spelling.error_ratio_query, _join(at, "raw")
        )
        return ratio, None, None
    if "plugin" in sli:
        raise _Skip("SLI plugins are Sloth's own code: give the queries as sli.events or sli.raw")
    if "denominator_corrected" in sli:
        raise _Skip("denominator_corrected SLIs are not read: give the queries as sli.events or sli.raw")
    reader.fail(at, "needs events (error and total queries) or raw (an error ratio query)")


def _service_level(reader: _Fields, data: dict[str, Any]) -> tuple[dict[str, Any], str, Spelling]:
    """The part of a document holding service, labels and slos; where it is; how its fields are spelt."""
    if "version" in data or "apiVersion" not in data:
        version = reader.text(data, "version", "")
        if version != SPEC_VERSION:
            reader.fail("version", f"expected {SPEC_VERSION!r}, got {version!r}")
        return data, "", SPEC_SPELLING
    api, kind = reader.text(data, "apiVersion", ""), data.get("kind")
    if api != CRD_API or kind != CRD_KIND:
        reader.fail("kind", f"expected {CRD_API} {CRD_KIND} (or version: {SPEC_VERSION}), got {api} {kind}")
    return reader.mapping(data, "spec", "", required=True), "spec", CRD_SPELLING


def from_sloth(path: Path, options: SlothOptions | None = None) -> Conversion:
    """Every SLO of the file's Sloth specs, with the period and windows `options` give."""
    options = options or SlothOptions()
    windows = windows_for(options.period, options.windows, options.windows_path)
    result = Conversion(notes=list(windows.notes))
    for reader, data in _documents(path):
        level, top, spelling = _service_level(reader, data)
        service = reader.service(level, "service", top)
        service_labels = reader.labels(level, "labels", top)
        for index, raw in enumerate(reader.items(level, "slos", top)):
            at = _join(top, f"slos[{index}]")
            name = reader.text(raw, "name", at)
            objective = reader.objective(raw, "objective", at)
            labels = dict(service_labels) | dict(reader.labels(raw, "labels", at))
            try:
                query, error_rate, total_rate = _error_ratio(reader, raw, at, spelling)
            except _Skip as skip:
                result.skipped.append(f"{item_id(service, name)}: {skip}")
                continue
            spec = SloRuleSpec(
                service=service,
                slo=name,
                objective=objective,
                period=options.period,
                error_ratio_query=query,
                alert_pairs=windows.pairs,
                alerts=_alerts(reader, raw, at, spelling),
                error_rate_query=error_rate,
                total_rate_query=total_rate,
                labels=tuple(labels.items()),
                period_name=prometheus_duration(options.period.seconds),
                period_query_over_range=not options.optimized,
            )
            _check_unique(reader, result.specs, spec, _join(at, "name"))
            result.specs.append(spec)
    return result
