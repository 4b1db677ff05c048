"""The configuration lines and input files behind one SLO, and whether they changed since the run."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from reliability.artifacts.run import Run
from reliability.config.model import (
    Component,
    Config,
    CounterSnapshotSource,
    EventSource,
    OpenMetricsSource,
    OtlpMetricsSource,
    OtlpTracesSource,
    PrometheusSource,
    ScrapeFilesSource,
    Selector,
    Sli,
    SliKind,
    Source,
    SqlSource,
)
from reliability.pipeline import run_id_of
from reliability.redact import without_credentials
from reliability.stages.sla_compliance import slas_covering
from reliability.trace.slo import SloTrace, dependencies, measured_parts


@dataclass(frozen=True)
class ConfigurationLine:
    """One item of the configuration behind the SLO: its role, its name and where it is declared."""

    role: str  # slo, depends on, component, source, sla
    name: str
    where: str


@dataclass(frozen=True)
class InputFile:
    """A telemetry file as it is now (the run may have read another version of it)."""

    path: str
    missing: bool
    bytes: int | None
    sha256: str | None
    records: int | None  # records the run read from it; None when it did not


@dataclass(frozen=True)
class SourceInputs:
    """What the SLO takes from one source, and that source's files."""

    source: str
    reads: str
    files: tuple[InputFile, ...]


# As the configuration names them (`type:`).
_SOURCE_TYPES: dict[type, str] = {
    EventSource: "events",
    OpenMetricsSource: "openmetrics",
    PrometheusSource: "prometheus",
    SqlSource: "sql",
    CounterSnapshotSource: "counter_snapshots",
    ScrapeFilesSource: "prometheus_scrapes",
    OtlpTracesSource: "otlp",
    OtlpMetricsSource: "otlp",
}


def configuration_lines(trace: SloTrace) -> list[ConfigurationLine]:
    """The SLO, what it depends on, its components, sources and SLAs, each with where it is declared."""
    config = trace.config
    rows: list[ConfigurationLine] = []
    for item in dependencies(config, trace.slo):
        label = "slo" if item is trace.slo else "depends on"
        rows.append(ConfigurationLine(label, item.id, item.origin.location()))
    sources: list[Source] = []
    for component, sli in measured_parts(config, trace.slo):
        where = component.origin.location()
        rows.append(ConfigurationLine("component", component.id, f"{where}  ({sli.name}: {sli.describe()})"))
        source = config.source(component.source)
        if source not in sources:
            sources.append(source)
    for source in sources:
        kind = _SOURCE_TYPES.get(type(source), type(source).__name__)
        rows.append(ConfigurationLine("source", f"{source.name} (type {kind})", source.origin.location()))
    entry = trace.budget
    for sla in slas_covering(trace.run.sla_compliance, entry.service, entry.component, entry.sli):
        declared = config.index.slas.get(sla.sla)
        where = declared.origin.location() if declared else "(not in this configuration)"
        rows.append(ConfigurationLine("sla", sla.sla, where))
    return rows


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _records_read(run: Run) -> dict[Path, int]:
    counts: dict[Path, int] = {}
    for source in run.sli_metrics.inputs:
        for file in source.files:
            counts[Path(file.path).resolve()] = file.records
    return counts


def _selectors(sli: Sli) -> list[tuple[str, Selector]]:
    """The series a metric SLI reads: counters as named, a histogram's `_bucket` series."""
    if sli.kind is SliKind.LATENCY and sli.histogram is not None:
        return [("buckets", Selector(f"{sli.histogram.metric}_bucket", sli.histogram.labels))]
    if sli.counters is None:
        return []
    named = (("total", sli.counters.total), ("good", sli.counters.good), ("bad", sli.counters.bad))
    return [(role, selector) for role, selector in named if selector is not None]


def _what_is_read(source: Source, parts: list[tuple[Component, Sli]]) -> str:
    """Which rows or series of a source the SLO's components take."""
    if isinstance(source, (EventSource, SqlSource, OtlpTracesSource)):
        column = source.columns.component
        group = _group_read(parts[0][0])
        if column is None:
            return f"rows {group}" if group else "every row (the source feeds one component)"
        matches = ", ".join(f"{component.match!r} ({component.id})" for component, _ in parts)
        return f"rows whose {column} is {matches}" + (f", {group}" if group else "")
    series = dict.fromkeys(f"{role} {sel.promql()}" for _, sli in parts for role, sel in _selectors(sli))
    where = (
        f"Prometheus API {without_credentials(source.url)}, " if isinstance(source, PrometheusSource) else ""
    )
    return f"{where}series {', '.join(series)}"


def _group_read(component: Component) -> str:
    """A grouped component's rows: 'where path (first group of ^/([^/?]+) over path) is 'cart''."""
    keys = {key.label: key for key in component.group_by}
    said = []
    for label, value in component.group:
        key = keys[label]
        read = f"{label} (first group of {key.pattern} over {key.column})" if key.pattern else label
        said.append(f"{read} is {value!r}")
    return "where " + " and ".join(said) if said else ""


def _input_file(path: Path, records: dict[Path, int]) -> InputFile:
    if not path.is_file():
        return InputFile(str(path), missing=True, bytes=None, sha256=None, records=None)
    size, digest = path.stat().st_size, _sha256(path)
    return InputFile(str(path), missing=False, bytes=size, sha256=digest, records=records.get(path.resolve()))


def inputs(trace: SloTrace) -> list[SourceInputs]:
    """Per source: what of it the SLO reads, and its files with size and sha256 as they are now."""
    config = trace.config
    records = _records_read(trace.run)
    by_source: dict[str, list[tuple[Component, Sli]]] = {}
    for component, sli in measured_parts(config, trace.slo):
        by_source.setdefault(component.source, []).append((component, sli))
    found = []
    for name, parts in by_source.items():
        source = config.source(name)
        files = [] if isinstance(source, PrometheusSource) else source.paths
        found.append(
            SourceInputs(
                name, _what_is_read(source, parts), tuple(_input_file(path, records) for path in files)
            )
        )
    return found


def staleness_notes(config: Config, run: Run) -> list[str]:
    """Say so when the configuration or telemetry changed since the run: the trace shows them as now."""
    notes = []
    if [f.resolve() for f in config.files] != [Path(f).resolve() for f in run.header.config_files]:
        notes.append(
            f"note: the run read {', '.join(run.header.config_files)}; "
            f"this configuration is {', '.join(str(f) for f in config.files)}"
        )
    evaluated_at = int(run.header.evaluated_at.timestamp())
    try:
        current = run_id_of(config, evaluated_at)
    except OSError as exc:
        return [*notes, f"note: an input of the run is gone: {exc}"]
    if current != run.run_id:
        notes.append(
            f"note: configuration or telemetry changed since run {run.run_id} (the same inputs would now "
            f"be run {current}): lines and hashes below are of the files as they are now"
        )
    return notes
