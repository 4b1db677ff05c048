"""Traceability: a reported number back to its configuration lines, input files, stage and formula.

Every figure shown is read from the artifacts. Formulas are filled in with the artifact's own inputs
so a reader can redo the arithmetic; nothing here computes a second answer that could disagree.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability import artifacts
from reliability.config.defaults import DEFAULT_POLICY
from reliability.config.model import (
    Component,
    Config,
    EventSource,
    OpenMetricsSource,
    PolicyRule,
    PrometheusSource,
    Selector,
    Sli,
    SliKind,
    Slo,
    Source,
)
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.core.policy import describe_rule
from reliability.durations import format_duration
from reliability.errors import EXIT_INVALID_CONFIG, InputError, ReliabilityError
from reliability.pipeline import STAGE_ORDER, _run_id
from reliability.timefmt import parse_rfc3339

# Which earlier artifacts each stage is given by pipeline.run (tests/test_explain.py checks this against
# a real run). Every stage also reads the configuration; only the first reads telemetry.
STAGE_INPUTS: dict[Stage, tuple[Stage, ...]] = {
    Stage.SLI: (),
    Stage.TARGETS: (Stage.SLI,),
    Stage.BUDGETS: (Stage.SLI, Stage.TARGETS),
    Stage.SLA: (Stage.SLI,),
    Stage.HOOKS: (Stage.SLI, Stage.BUDGETS, Stage.SLA),
}
TELEMETRY_STAGES = (Stage.SLI, Stage.TARGETS)  # targets replays the minute history for `auto`

# The fields `reliability explain` traces, and the stage whose artifact holds each.
FIELD_STAGES: dict[str, Stage] = {
    "sli": Stage.SLI,
    "objective": Stage.TARGETS,
    "budget_remaining": Stage.BUDGETS,
    "budget_consumed": Stage.BUDGETS,
    "burn_rate": Stage.BUDGETS,
    "exhaustion": Stage.BUDGETS,
    "alert": Stage.BUDGETS,
    "policy": Stage.BUDGETS,
    "forecast": Stage.BUDGETS,
    "sla": Stage.SLA,
}
FIELDS = tuple(FIELD_STAGES)
EXIT_UNKNOWN = EXIT_INVALID_CONFIG  # an unknown SLO, field or window is a bad option


# --- the pipeline's map ----------------------------------------------------------------------------


def artifact_of(stage: Stage) -> Stage:
    """The stage whose artifact `stage` writes into: its own, else the last one before it with a file."""
    earlier = STAGE_ORDER[: STAGE_ORDER.index(stage) + 1]
    return next(s for s in reversed(earlier) if s in ARTIFACT_FILES)


def producers(artifact_stage: Stage) -> list[Stage]:
    return [stage for stage in STAGE_ORDER if artifact_of(stage) is artifact_stage]


# --- reading one run's artifacts ------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """The artifacts of one pipeline run, schema-checked."""

    folder: Path
    artifacts: dict[Stage, dict[str, Any]]

    @property
    def header(self) -> dict[str, Any]:
        return next(iter(self.artifacts.values()))

    @property
    def run_id(self) -> str:
        return str(self.header["run_id"])

    @property
    def evaluated_at(self) -> str:
        return str(self.header["evaluated_at"])


def _read_artifact(path: Path, kind: str) -> dict[str, Any]:
    if not path.is_file():
        raise InputError(f"{path}: no such artifact: run `reliability run` first, or give --artifacts")
    try:
        data = artifacts.read(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    found = artifacts.problems(kind, data)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(f"{path}: does not match the {kind} schema: {found[0]}{more}")
    return data


def read_run(folder: Path, stages: Iterable[Stage] = tuple(ARTIFACT_FILES)) -> Run:
    """The artifacts of `stages` in `folder`; InputError when one is missing, broken or from another run."""
    loaded = {
        stage: _read_artifact(folder / ARTIFACT_FILES[stage], ARTIFACT_FILES[stage].removesuffix(".json"))
        for stage in stages
    }
    # A run stopped early (--until) leaves older artifacts beside newer ones: never mix them.
    first_stage, first = next(iter(loaded.items()))
    for stage, data in loaded.items():
        if data["run_id"] != first["run_id"]:
            raise InputError(
                f"{folder}: {ARTIFACT_FILES[first_stage]} and {ARTIFACT_FILES[stage]} are from different "
                f"runs ({first['run_id']} and {data['run_id']}): run the pipeline again"
            )
    return Run(folder, loaded)


def unknown(what: str, name: str, known: Iterable[str], where: str) -> ReliabilityError:
    """An unknown name as one line, with the closest known one when there is one."""
    close = difflib.get_close_matches(name, list(known), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ReliabilityError(f"unknown {what} {name!r}: not in {where}{hint}", EXIT_UNKNOWN)


def entry_of(run: Run, stage: Stage, slo_id: str) -> dict[str, Any]:
    for entry in run.artifacts[stage]["slos"]:
        if entry["slo"] == slo_id:
            return dict(entry)
    known = (e["slo"] for e in run.artifacts[stage]["slos"])
    raise unknown("SLO", slo_id, known, str(run.folder / ARTIFACT_FILES[stage]))


def matching_slas(budget_entry: dict[str, Any], sla_artifact: dict[str, Any]) -> list[dict[str, Any]]:
    """The SLAs on the SLO's component and SLI (none for composites and multi-component SLOs)."""
    key = (budget_entry["service"], budget_entry["component"], budget_entry["sli"])
    return [s for s in sla_artifact["slas"] if (s["service"], s["component"], s["sli"]) == key]


# --- numbers as text --------------------------------------------------------------------------------


def number(value: float | None) -> str:
    """Enough digits to redo the arithmetic: whole numbers in full, counts and rates to 3 decimals
    (the artifacts round event counts to 6), ratios to 6 significant digits."""
    if value is None:
        return "null"
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    if abs(value) >= 1:
        return f"{value:.3f}".rstrip("0").rstrip(".")
    return f"{value:.6g}"


def percent(ratio: float | None, digits: int = 1) -> str:
    return "no data" if ratio is None else f"{ratio * 100:.{digits}f}%"


def _duration(seconds: float) -> str:
    whole = round(seconds)
    return format_duration(whole) if whole > 0 else f"{number(seconds)}s"


# --- the configuration and inputs behind an SLO -------------------------------------------------------


@dataclass(frozen=True)
class SloTrace:
    """Everything about one SLO: its configuration and its entry in each artifact."""

    config: Config
    run: Run
    slo: Slo
    measured: dict[str, Any]  # sli-metrics.json, the SLO's section
    target: dict[str, Any]  # slo-targets.json
    budget: dict[str, Any]  # error-budgets.json

    @property
    def unit(self) -> str:
        method = self.measured["budgeting"]
        return "events" if method["method"] == "occurrences" else f"{method['slice']} slices"


def trace_slo(config: Config, run: Run, slo_id: str) -> SloTrace:
    budget = entry_of(run, Stage.BUDGETS, slo_id)
    slo = config.index.slos.get(slo_id)
    if slo is None:
        files = ", ".join(str(f) for f in config.files)
        raise ReliabilityError(
            f"SLO {slo_id!r} is in the artifacts but not in the configuration ({files}): "
            "give the configuration of that run with --config",
            EXIT_UNKNOWN,
        )
    measured = next(m for m in run.artifacts[Stage.SLI]["slos"] if m["slo"] == slo_id)
    return SloTrace(config, run, slo, measured, entry_of(run, Stage.TARGETS, slo_id), budget)


def _dependencies(config: Config, slo: Slo) -> list[Slo]:
    """The SLO and, for a composite, every SLO it is built from (nearest first), each once."""
    found: dict[str, Slo] = {}
    pending = [slo]
    while pending:
        current = pending.pop(0)
        if current.id in found:
            continue
        found[current.id] = current
        if current.composite is not None:
            pending.extend(part for part, _ in config.index.composite_parts(current))
    return list(found.values())


def _measured_parts(config: Config, slo: Slo) -> list[tuple[Component, Sli]]:
    parts: list[tuple[Component, Sli]] = []
    for item in _dependencies(config, slo):
        for component, sli in config.index.slo_slis(item):
            if (component, sli) not in parts:
                parts.append((component, sli))
    return parts


# As the configuration names them (`type:`).
_SOURCE_TYPES: dict[type, str] = {
    EventSource: "events",
    OpenMetricsSource: "openmetrics",
    PrometheusSource: "prometheus",
}


def configuration_rows(trace: SloTrace) -> list[tuple[str, str, str]]:
    """(role, name, where) for the SLO, what it depends on, its components, sources and SLAs."""
    config = trace.config
    rows: list[tuple[str, str, str]] = []
    for item in _dependencies(config, trace.slo):
        label = "slo" if item is trace.slo else "depends on"
        rows.append((label, item.id, item.origin.location()))
    sources: list[Source] = []
    for component, sli in _measured_parts(config, trace.slo):
        where = component.origin.location()
        rows.append(("component", component.id, f"{where}  ({sli.name}: {sli.describe()})"))
        source = config.source(component.source)
        if source not in sources:
            sources.append(source)
    for source in sources:
        kind = _SOURCE_TYPES.get(type(source), type(source).__name__)
        rows.append(("source", f"{source.name} (type {kind})", source.origin.location()))
    for sla in matching_slas(trace.budget, trace.run.artifacts[Stage.SLA]):
        declared = config.index.slas.get(sla["sla"])
        where = declared.origin.location() if declared else "(not in this configuration)"
        rows.append(("sla", sla["sla"], where))
    return rows


def configuration_lines(trace: SloTrace) -> list[str]:
    rows = configuration_rows(trace)
    width = max(len(r[0]) for r in rows)
    return ["configuration"] + [f"  {label.ljust(width)}  {name}  {where}" for label, name, where in rows]


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _records_read(run: Run) -> dict[Path, int]:
    counts: dict[Path, int] = {}
    for source in run.artifacts[Stage.SLI]["inputs"]:
        for file in source["files"]:
            counts[Path(file["path"]).resolve()] = file["records"]
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
    if isinstance(source, EventSource):
        column = source.columns.component
        if column is None:
            return "every row (the source feeds one component)"
        matches = ", ".join(f"{component.match!r} ({component.id})" for component, _ in parts)
        return f"rows whose {column} is {matches}"
    series = dict.fromkeys(f"{role} {sel.promql()}" for _, sli in parts for role, sel in _selectors(sli))
    where = f"Prometheus API {source.url}, " if isinstance(source, PrometheusSource) else ""
    return f"{where}series {', '.join(series)}"


def _input_file(path: Path, records: dict[Path, int]) -> dict[str, Any]:
    if not path.is_file():
        return {"path": str(path), "missing": True, "bytes": None, "sha256": None, "records": None}
    size, digest = path.stat().st_size, _sha256(path)
    read = records.get(path.resolve())
    return {"path": str(path), "missing": False, "bytes": size, "sha256": digest, "records": read}


def _file_line(file: dict[str, Any]) -> str:
    if file["missing"]:
        return f"{file['path']}  MISSING now"
    read = file["records"]
    counted = f"  ({read:,} records read in the run)" if read is not None else ""
    return f"{file['path']}  {file['bytes']:,} bytes  sha256 {file['sha256']}{counted}"


def inputs(trace: SloTrace) -> list[dict[str, Any]]:
    """Per source: what of it the SLO reads, and its files with size and sha256 as they are now."""
    config = trace.config
    records = _records_read(trace.run)
    by_source: dict[str, list[tuple[Component, Sli]]] = {}
    for component, sli in _measured_parts(config, trace.slo):
        by_source.setdefault(component.source, []).append((component, sli))
    found = []
    for name, parts in by_source.items():
        source = config.source(name)
        files = [] if isinstance(source, PrometheusSource) else source.paths
        found.append(
            {
                "source": name,
                "reads": _what_is_read(source, parts),
                "files": [_input_file(path, records) for path in files],
            }
        )
    return found


def input_lines(trace: SloTrace) -> list[str]:
    """The telemetry behind the SLO: files with size and sha256 as they are now, or the queries."""
    lines = ["inputs (sizes and sha256 computed now)"]
    for source in inputs(trace):
        lines.append(f"  {source['source']}: {source['reads']}")
        lines.extend(f"    {_file_line(file)}" for file in source["files"])
    return lines


def staleness_notes(config: Config, run: Run) -> list[str]:
    """Say so when the configuration or telemetry changed since the run: the trace shows them as now."""
    notes = []
    if [f.resolve() for f in config.files] != [Path(f).resolve() for f in run.header["config_files"]]:
        notes.append(
            f"note: the run read {', '.join(run.header['config_files'])}; "
            f"this configuration is {', '.join(str(f) for f in config.files)}"
        )
    evaluated_at = int(parse_rfc3339(run.evaluated_at).timestamp())
    try:
        current = _run_id(config, evaluated_at)
    except OSError as exc:
        return [*notes, f"note: an input of the run is gone: {exc}"]
    if current != run.run_id:
        notes.append(
            f"note: configuration or telemetry changed since run {run.run_id} (the same inputs would now "
            f"be run {current}): lines and hashes below are of the files as they are now"
        )
    return notes


# --- one block per field ---------------------------------------------------------------------------


def _measurement(trace: SloTrace, window: str) -> dict[str, Any] | None:
    return next((m for m in trace.measured["measurements"] if m["window"] == window), None)


def _sli_block(trace: SloTrace) -> list[str]:
    window = trace.measured["window"]
    item = _measurement(trace, window["name"])
    assert item is not None, "the SLI stage measures every SLO over its own window"
    lines = [
        f"window: {window['description']}, {window['start']} .. {window['end']} "
        f"({window['hours_with_data']} of {window['hours']} hours with data)"
    ]
    composite = trace.measured["composite"]
    if item["no_data"]:
        return [*lines, "no data in the window: the SLI is null, never counted as good"]
    if composite is not None:
        parts = trace.measured["bad_units"]["parts"]
        if composite["method"] == "all_must_succeed":
            terms = " x ".join(f"(1 - {number(p['error_ratio'])})" for p in parts)
            formula = "sli = product of (1 - error ratio) over the dependencies"
        else:
            weighted = " + ".join(f"{number(p['weight'])} x (1 - {number(p['error_ratio'])})" for p in parts)
            terms = f"({weighted}) / {number(sum(p['weight'] for p in parts))}"
            formula = "sli = weighted mean of (1 - error ratio) over the dependencies"
        lines.append(f"dependencies: {', '.join(p['slo'] for p in parts)} (each over this window)")
        return [*lines, f"{formula} = {terms} = {number(item['ratio'])} ({percent(item['ratio'], 4)})"]
    method = trace.measured["budgeting"]
    if method["method"] == "timeslices":
        lines.append(
            f"a {method['slice']} slice is good when its ratio is at least {number(method['slice_target'])}; "
            f"{item['slices_without_data']} slices without data are left out"
        )
        formula = "sli = good slices / slices with data"
    elif method["method"] == "ratio_timeslices":
        lines.append(f"{item['slices_without_data']} {method['slice']} slices without data are left out")
        formula = "sli = sum of slice ratios / slices with data"
    else:
        formula = "sli = good / total"
    if len(trace.measured["components"]) > 1:
        lines.append(f"counts summed over the components {' + '.join(trace.measured['components'])}")
    return [
        *lines,
        f"{formula} = {number(item['good'])} / {number(item['total'])} = {number(item['ratio'])} "
        f"({percent(item['ratio'], 4)}; {item['events']:,} events)",
    ]


def _objective_text(objective_percent: float | None) -> str:
    return "none" if objective_percent is None else f"{number(objective_percent)}%"


def _objective_block(trace: SloTrace) -> list[str]:
    target = trace.target
    origin = trace.slo.origin
    history = target["history"]
    lines = [
        f"declared: {target['declared']} at {origin.location()}; "
        f"in force: {_objective_text(target['objective_percent'])} ({target['objective_source']}); "
        f"verdict: {target['verdict']}",
        f"history {history['start']} .. {history['end']} ({history['days_with_data']} days with data): "
        f"good / total = {number(history['good'])} / {number(history['total'])} = {number(history['ratio'])}",
    ]
    if target["objective_percent"] is not None and history["ratio"] is not None:
        fraction = target["budget"]["fraction"]
        lines.append(
            f"achievable when history's error ratio <= margin x (1 - objective): "
            f"1 - {number(history['ratio'])} = {number(1 - history['ratio'])} vs "
            f"{number(target['margin'])} x {number(fraction)} = {number(target['margin'] * fraction)} "
            f"(tight when only <= {number(fraction)})"
        )
    if target["proposed_percent"] is not None:
        lines.append(f"proposed: {number(target['proposed_percent'])}%")
    replay = target.get("backtest")
    if replay is not None:
        lines.append(
            f"backtest of every ladder step ({replay['window_set']} alerts, at most "
            f"{number(replay['max_pages_per_30d'])} pages per 30 days): {replay['command']}"
        )
        lines.extend(
            f"  {number(c['objective_percent'])}%: {'kept' if c['qualified'] else 'not kept'}, {c['reason']}"
            for c in replay["candidates"]
        )
    lines.append(f"rationale: {target['rationale']}")
    if target["budget"] is not None:
        budget = target["budget"]
        lines.append(
            f"budget: (1 - objective) = {number(budget['fraction'])} of {budget['events_basis']} = "
            f"{number(budget['events'])} {trace.unit}, {number(budget['minutes'])} minutes"
        )
    return lines


def _budget_remaining_block(trace: SloTrace) -> list[str]:
    entry, budget = trace.budget, trace.budget["budget"]
    unit = trace.unit
    lines = [
        f"1 - objective = 1 - {number(entry['objective_percent'] / 100)} = "
        f"{number(entry['budget_fraction'])} (objective from {ARTIFACT_FILES[Stage.TARGETS]}), "
        f"over the {entry['window']} window so far",
        f"allowed   = (1 - objective) x total = {number(entry['budget_fraction'])} x "
        f"{number(entry['total'])} = {number(budget['allowed_events'])} {unit}",
        f"consumed  = bad {unit} = {number(budget['consumed_events'])}",
    ]
    if budget["remaining_ratio"] is None:
        why = "no data" if entry["no_data"] else "a zero budget (100 % objective) was overspent"
        lines.append(f"remaining = null: {why}")
    else:
        exhausted = "  EXHAUSTED" if budget["exhausted"] else ""
        lines.append(
            f"remaining = 1 - consumed / allowed = 1 - {number(budget['consumed_events'])} / "
            f"{number(budget['allowed_events'])} = {number(budget['remaining_ratio'])} "
            f"({percent(budget['remaining_ratio'])}){exhausted}"
        )
    if budget["remaining_minutes"] is not None:
        lines.append(
            f"in minutes: remaining = allowed - consumed = {number(budget['allowed_minutes'])} - "
            f"{number(budget['consumed_minutes'])} = {number(budget['remaining_minutes'])} "
            f"(allowed = window x (1 - objective) = {number(entry['window_seconds'] / 60)} min x "
            f"{number(entry['budget_fraction'])})"
        )
    return lines


def _budget_consumed_block(trace: SloTrace) -> list[str]:
    entry, budget = trace.budget, trace.budget["budget"]
    if budget["consumed_ratio"] is None:
        why = "no data" if entry["no_data"] else "a zero budget (100 % objective) was overspent"
        return [f"consumed = null: {why} ({number(budget['consumed_events'])} bad {trace.unit})"]
    lines = [
        f"consumed = bad / allowed = {number(budget['consumed_events'])} / "
        f"{number(budget['allowed_events'])} = {number(budget['consumed_ratio'])} "
        f"({percent(budget['consumed_ratio'])} of the budget)"
    ]
    elapsed = next(b["seconds"] for b in entry["burn_rates"] if b["window"] == entry["window"])
    if budget["consumed_minutes"] is not None:
        lines.append(
            f"in minutes: consumed = elapsed window x (1 - sli) = {number(elapsed / 60)} min x "
            f"(1 - {number(entry['sli_ratio'])}) = {number(budget['consumed_minutes'])}"
        )
    return lines


def _burn_rate_line(trace: SloTrace, rate: dict[str, Any]) -> str:
    head = f"burn rate ({rate['window']})"
    if rate["no_data"]:
        return f"{head} = null: no {trace.unit} in the window"
    if rate["unbounded"]:
        return f"{head} = unbounded: a 100 % objective leaves no budget and there were errors"
    item = _measurement(trace, rate["window"])
    bad = number(item["bad"]) if item else f"({number(rate['total'])} - {number(rate['good'])})"
    error_ratio = (
        f" = {number(item['error_ratio'])} / {number(trace.budget['budget_fraction'])}" if item else ""
    )
    low = (
        f"  (low confidence: {rate['events']} events < min_events {trace.measured['min_events']})"
        if rate["low_confidence"]
        else ""
    )
    return (
        f"{head} = error ratio / (1 - objective) = ({bad} / {number(rate['total'])}) / "
        f"{number(trace.budget['budget_fraction'])}{error_ratio} = {number(rate['burn_rate'])}{low}"
    )


def burn_rate_lines(trace: SloTrace, window: str | None) -> list[str]:
    rates = trace.budget["burn_rates"]
    chosen = [r for r in rates if window is None or r["window"] == window]
    if not chosen:
        raise unknown(
            "window", str(window), (r["window"] for r in rates), f"the burn rates of {trace.slo.id}"
        )
    return [_burn_rate_line(trace, rate) for rate in chosen]


def _exhaustion_block(trace: SloTrace) -> list[str]:
    entry = trace.budget
    seconds = entry["exhaustion"]["seconds"]
    remaining = entry["budget"]["remaining_ratio"]
    basis = f"basis: {entry['exhaustion']['basis']}"
    if seconds is None:
        rate = entry["current_burn_rate"]
        why = "no data" if remaining is None or rate is None else "nothing is burning (burn rate 0)"
        return [f"time to exhaustion = null: {why}", basis]
    if entry["budget"]["exhausted"] or seconds == 0:
        return ["time to exhaustion = 0: the budget is already spent", basis]
    at = entry["exhaustion"]["at"] or "more than a century away"
    return [
        f"time to exhaustion = remaining share x window / current burn rate ({entry['current_burn_window']}) "
        f"= {number(remaining)} x {number(entry['window_seconds'])} s / {number(entry['current_burn_rate'])} "
        f"= {number(seconds)} s (about {_duration(seconds)}), at {at}",
        basis,
    ]


def _burn_text(rate: float | None, unbounded: bool) -> str:
    return "unbounded" if unbounded else number(rate)


def _alert_block(trace: SloTrace) -> list[str]:
    entry = trace.budget
    alert = entry["alert"]
    seconds = {r["window"]: r["seconds"] for r in entry["burn_rates"]}
    lines = [
        f"state: {alert['state']} (window set {alert['window_set']}; a pair fires when the burn rate is "
        "above its factor over both windows)",
        f"factor = budget share x SLO window / long window ({entry['window_seconds']} s)",
    ]
    for pair in alert["pairs"]:
        long, short = pair["long_window"], pair["short_window"]
        low = ", low confidence: raises a ticket at most" if pair["low_confidence"] else ""
        lines.append(
            f"  {pair['severity']:<6} {long}/{short}: factor = {number(pair['budget_share'])} x "
            f"{entry['window_seconds']} / {number(seconds.get(long))} = {number(pair['factor'])}; burn "
            f"{_burn_text(pair['long_burn_rate'], pair['long_burn_unbounded'])} ({long}), "
            f"{_burn_text(pair['short_burn_rate'], pair['short_burn_unbounded'])} ({short}): "
            f"{pair['status']}{low}"
        )
    return lines


def _rule_text(rule: PolicyRule) -> str:
    return f"{rule.state} when {describe_rule(rule)}"


def _policy_block(trace: SloTrace) -> list[str]:
    entry, slo, settings = trace.budget, trace.slo, trace.config.settings
    if slo.policy:
        rules, whose = slo.policy, f"the SLO's own policy at {slo.origin.location()}"
    elif settings.policy:
        rules, whose = settings.policy, "settings.policy"
    else:
        rules, whose = DEFAULT_POLICY, "the built-in default (no SLO policy, no settings.policy)"
    policy = entry["policy"]
    decided = (
        f"rules[{policy['rule']}] decided: {policy['state']} ({policy['reason']})"
        if policy["rule"] is not None
        else f"no rule held: {policy['state']} ({policy['reason']})"
    )
    return [
        f"rules in force: {whose}; the first that holds decides",
        *(f"  rules[{index}] {_rule_text(rule)}" for index, rule in enumerate(rules)),
        f"inputs: budget remaining {number(entry['budget']['remaining_ratio'])}, "
        f"alert state {entry['alert']['state']}",
        decided,
    ]


def _forecast_block(trace: SloTrace) -> list[str]:
    forecast = trace.budget["forecast"]
    if not forecast["available"]:
        return [f"no forecast: {forecast['reason']}"]
    return [
        f"horizon: {forecast['horizon_end']} ({number(forecast['horizon_seconds'])} s ahead), "
        f"days drawn from: the last {forecast['days_sampled_from']} complete days with data",
        "remaining at the horizon = 1 - consumed so far (still in the window then) - the sum of drawn days' "
        "consumption (a day's bad / allowed)",
        f"p10 {number(forecast['remaining_ratio_p10'])}, p50 {number(forecast['remaining_ratio_p50'])}, "
        f"p90 {number(forecast['remaining_ratio_p90'])} of the budget left; "
        f"exhaustion probability {number(forecast['exhaustion_probability'])} (share of draws <= 0)",
        f"method: {forecast['method']}",
    ]


def _sla_block(trace: SloTrace) -> list[str]:
    slas = matching_slas(trace.budget, trace.run.artifacts[Stage.SLA])
    if not slas:
        entry = trace.budget
        on = (
            "a composite SLO"
            if entry["sli"] is None
            else f"{entry['service']}/{entry['component']} {entry['sli']}"
        )
        return [f"no SLA on {on}"]
    lines = []
    for sla in slas:
        lines.append(f"{sla['sla']}: target {number(sla['target_percent'])}% per UTC month; {sla['status']}")
        for period in sla["periods"]:
            head = (
                f"  {period['period']} {period['month']} ({period['start']} .. {period['end']}, "
                f"{period['days_with_data']} of {period['days_in_period']} days with data)"
            )
            if period["no_data"]:
                lines.append(f"{head}: no data")
                continue
            verdict = "breached" if period["breached"] else "met"
            relation = "<" if period["breached"] else ">="
            credit = (
                f", credit owed {number(period['credit_percent'])}%"
                if period["credit_percent"] is not None
                else ""
            )
            lines.append(
                f"{head}: attained = good / total = {number(period['good'])} / {number(period['total'])} = "
                f"{number(period['attained_percent'])}% {relation} {number(sla['target_percent'])}%: "
                f"{verdict}{credit}"
            )
    return lines


_BLOCKS: dict[str, Callable[[SloTrace], list[str]]] = {
    "sli": _sli_block,
    "objective": _objective_block,
    "budget_remaining": _budget_remaining_block,
    "budget_consumed": _budget_consumed_block,
    "exhaustion": _exhaustion_block,
    "alert": _alert_block,
    "policy": _policy_block,
    "forecast": _forecast_block,
    "sla": _sla_block,
}


def parse_field(text: str) -> tuple[str, str | None]:
    """'burn_rate:1h' -> ('burn_rate', '1h'); only burn_rate takes a window."""
    name, _, window = text.partition(":")
    if name not in FIELD_STAGES or (window and name != "burn_rate"):
        raise ReliabilityError(
            f"unknown field {text!r}: one of {', '.join(FIELDS)} (burn_rate:WINDOW for one window)",
            EXIT_UNKNOWN,
        )
    return name, window or None


def field_section(trace: SloTrace, field: str, window: str | None = None) -> dict[str, Any]:
    """One field's explanation: the artifact and stage holding it, and its lines of working."""
    stage = FIELD_STAGES[field]
    if stage is Stage.BUDGETS and trace.budget["objective_percent"] is None:
        body = [f"no objective in force, so no budget: {trace.budget['reason']}"]
    else:
        body = burn_rate_lines(trace, window) if field == "burn_rate" else _BLOCKS[field](trace)
    return {
        "field": field,
        "window": window,
        "artifact": ARTIFACT_FILES[stage],
        "stage": stage.value,
        "lines": body,
    }


def field_block(trace: SloTrace, field: str, window: str | None = None) -> list[str]:
    section = field_section(trace, field, window)
    head = f"{field}  [{section['artifact']}, stage {section['stage']}]"
    return [head, *(f"  {line}" for line in section["lines"])]


def explanation(trace: SloTrace, fields: list[tuple[str, str | None]]) -> dict[str, Any]:
    """What `explain` prints, as data."""
    run = trace.run
    return {
        "slo": trace.slo.id,
        "run_id": run.run_id,
        "evaluated_at": run.evaluated_at,
        "artifacts": str(run.folder),
        "notes": staleness_notes(trace.config, run),
        "configuration": [
            {"role": role, "name": name, "where": where} for role, name, where in configuration_rows(trace)
        ],
        "inputs": inputs(trace),
        "fields": [field_section(trace, field, window) for field, window in fields],
    }


def explain(trace: SloTrace, fields: list[tuple[str, str | None]]) -> str:
    run = trace.run
    lines = [
        f"{trace.slo.id}: run {run.run_id}, evaluated at {run.evaluated_at}, artifacts in {run.folder}",
        *staleness_notes(trace.config, run),
        *configuration_lines(trace),
        *input_lines(trace),
    ]
    for field, window in fields:
        lines += ["", *field_block(trace, field, window)]
    return "\n".join(lines)


# --- the traceability map: every artifact, its stage, inputs and fields -----------------------------


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].removeprefix("#/$defs/")]
    return node


def _field_names(schema: dict[str, Any], node: dict[str, Any]) -> list[str]:
    """Property names of an object schema, through $ref, allOf and conditional branches."""
    node = _resolve(schema, node)
    names = list(node.get("properties", {}))
    for branch in ("else", "then"):  # a conditional entry: the full form first
        if branch in node:
            names += _field_names(schema, node[branch])
    for part in node.get("allOf", []):
        names += _field_names(schema, part)
    return list(dict.fromkeys(names))


def _common_fields() -> set[str]:
    """The header every artifact carries (kind, run_id, ...): not worth listing per artifact."""
    names = [set(artifacts.schema(f.removesuffix(".json"))["properties"]) for f in ARTIFACT_FILES.values()]
    return set.intersection(*names)


def artifact_fields(kind: str) -> list[str]:
    """'name' for each top-level field; 'name[]: a, b' for lists of entries."""
    schema = artifacts.schema(kind)
    common = _common_fields()
    described = []
    for name, node in schema["properties"].items():
        if name in common:
            continue
        items = _resolve(schema, node).get("items")
        entry_fields = _field_names(schema, items) if isinstance(items, dict) else []
        described.append(f"{name}[]: {', '.join(entry_fields)}" if entry_fields else name)
    return described


def _telemetry_read(run: Run) -> list[str]:
    """The telemetry the run read: each file with its source, or the source when it has no files."""
    read = []
    for source in run.artifacts[Stage.SLI]["inputs"]:
        files = [f"{file['path']} ({source['source']})" for file in source["files"]]
        read += files or [f"{source['source']} (no files: a Prometheus API)"]
    return read


def _reads(stage: Stage) -> list[str]:
    reads = [ARTIFACT_FILES[artifact_of(s)] for s in STAGE_INPUTS[stage]]
    reads.append("the configuration")
    if stage in TELEMETRY_STAGES:
        reads.append("the telemetry")
    return reads


def pipeline_map_data(run: Run | None, why_no_run: str | None = None) -> dict[str, Any]:
    """Every artifact: the stages writing it, what each reads, the explain fields and the fields held."""
    described = None
    if run is not None:
        described = {
            "folder": str(run.folder),
            "run_id": run.run_id,
            "evaluated_at": run.evaluated_at,
            "configuration": list(run.header["config_files"]),
            "telemetry": _telemetry_read(run),
        }
    return {
        "run": described,
        "why_no_run": None if run is not None else why_no_run,
        "artifacts": [
            {
                "file": file,
                "stages": [{"stage": s.value, "reads": _reads(s)} for s in producers(artifact_stage)],
                "explain_fields": [f for f, s in FIELD_STAGES.items() if s is artifact_stage],
                "holds": artifact_fields(file.removesuffix(".json")),
            }
            for artifact_stage, file in ARTIFACT_FILES.items()
        ],
    }


def pipeline_map(run: Run | None, why_no_run: str | None = None) -> str:
    """Every artifact: the stages writing it, what each reads, the explain fields and the fields held."""
    data = pipeline_map_data(run, why_no_run)
    if data["run"] is not None:
        described = data["run"]
        lines = [
            f"artifacts in {described['folder']}: run {described['run_id']}, "
            f"evaluated at {described['evaluated_at']}",
            f"the configuration: {', '.join(described['configuration'])}",
            f"the telemetry: {', '.join(described['telemetry'])}",
        ]
    else:
        lines = [f"no artifacts to name the files from: {data['why_no_run']}"]
    for artifact in data["artifacts"]:
        stages = ", ".join(s["stage"] for s in artifact["stages"])
        lines += ["", f"{artifact['file']}  (stage {stages})"]
        lines += [f"  stage {s['stage']} reads {', '.join(s['reads'])}" for s in artifact["stages"]]
        if artifact["explain_fields"]:
            lines.append(f"  explain fields: {', '.join(artifact['explain_fields'])}")
        lines += [f"  holds {text}" for text in artifact["holds"]]
    return "\n".join(lines)
