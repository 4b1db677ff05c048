"""Prometheus metrics from the artifacts: a fresh registry per run, a textfile, a Pushgateway push.

Names and labels are the ones in reliability.conventions. A value the artifacts do not have
(no data, nothing burning) is left out, never exported as NaN: absent is what PromQL expects.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from reliability import artifacts, formulas
from reliability.artifacts.error_budgets import ErrorBudgets, SloBudget
from reliability.artifacts.models import Artifact, stage_artifact
from reliability.artifacts.sla_compliance import SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.artifacts.slo_targets import SloTargets
from reliability.config.groups import split_group
from reliability.config.model import Config
from reliability.conventions import RECENT_WINDOWS, SLA_LABELS, SLO_LABELS, Metric, Stage
from reliability.core.alerts import AlertState
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.formulas import Formula
from reliability.vocabulary import Objective, item_name, ratio_of_percent

if TYPE_CHECKING:  # prometheus_client is imported when metrics are exported: most runs export none
    from prometheus_client import CollectorRegistry

WINDOW, SEVERITY, KIND = "window", "severity", "kind"
ALERT_SEVERITIES = (AlertState.PAGE, AlertState.TICKET)
FREEZE = "freeze"  # the policy state that stops releases (the default policy's name for it)
CURRENT_MONTH = "current_month"
DEFAULT_PUSH_JOB = "reliability"
PUSH_TIMEOUT_SECONDS = 10.0
TEXTFILE_SUFFIX = ".prom"  # node_exporter's textfile collector reads only these

Artifacts = Mapping[Stage, Artifact]
# The user's labels of each SLO, by SLO id (Slo.labels): added to every per-SLO series.
SloLabels = Mapping[str, tuple[tuple[str, str], ...]]

LABELS: dict[Metric, tuple[str, ...]] = {
    Metric.SLO_OBJECTIVE: SLO_LABELS,
    Metric.SLI: (*SLO_LABELS, WINDOW),
    Metric.BUDGET_REMAINING: SLO_LABELS,
    Metric.BURN_RATE: (*SLO_LABELS, WINDOW),
    Metric.EXHAUSTION: SLO_LABELS,
    Metric.ALERT: (*SLO_LABELS, SEVERITY),
    Metric.NO_DATA: SLO_LABELS,
    Metric.POLICY_FREEZE: SLO_LABELS,
    Metric.EVENTS: (*SLO_LABELS, KIND),
    Metric.SLA_ATTAINED: SLA_LABELS,
    Metric.SLA_BREACH: SLA_LABELS,
    Metric.LAST_RUN: (),
}


def _stating(formula: Formula, *notes: str) -> str:
    """A HELP text that gives the formula and its unit, then what is particular to the metric."""
    return "; ".join((f"{formula.text} ({formula.unit})", *notes)) + "."


HELP: dict[Metric, str] = {
    Metric.SLO_OBJECTIVE: "The SLO's objective in force, as a ratio (99.9 % is 0.999).",
    Metric.SLI: _stating(
        formulas.SLI, "in the SLO's budgeting units (slices for time slices)", "absent without data"
    ),
    Metric.BUDGET_REMAINING: _stating(formulas.BUDGET_REMAINING, "over the SLO window"),
    Metric.BURN_RATE: _stating(formulas.BURN_RATE, "over the window the label names", "+Inf when unbounded"),
    Metric.EXHAUSTION: _stating(
        formulas.EXHAUSTION, formulas.CURRENT_BURN.text, "0 when spent", "absent when nothing burns"
    ),
    Metric.ALERT: _stating(formulas.ALERT_CONDITION, "1 when the SLO's alert state is this severity, else 0"),
    Metric.NO_DATA: "1 when the SLO cannot be judged now: its window, or a window its alerts need, has "
    "no events (telemetry went silent); else 0.",
    Metric.POLICY_FREEZE: "1 when the error budget policy says freeze, else 0.",
    Metric.EVENTS: "Good and bad events in the SLO window (slices for timeslice SLOs).",
    Metric.SLA_ATTAINED: _stating(formulas.SLA_ATTAINMENT, "the current month so far"),
    Metric.SLA_BREACH: _stating(formulas.SLA_BREACH, "1 when the current month so far is breached, else 0"),
    Metric.LAST_RUN: "Evaluation time of the data shown, in Unix seconds.",
}


@dataclass(frozen=True)
class Sample:
    metric: Metric
    labels: Mapping[str, str]
    value: float


def registry_from_artifacts(
    run_artifacts: Artifacts, slo_labels: SloLabels | None = None
) -> CollectorRegistry:
    """A new registry holding one sample per value the artifacts have: safe to swap in whole.

    Every per-SLO series carries each label name any SLO has; an SLO without one gets the empty
    value, which Prometheus reads as no label."""
    from prometheus_client import CollectorRegistry, Gauge

    registry = CollectorRegistry()
    gauges: dict[Metric, Gauge] = {}
    found = list(samples(run_artifacts, slo_labels))
    user_names = sorted({name for labels in (slo_labels or {}).values() for name, _ in labels})
    names = _label_names(found, user_names)
    for sample in found:
        gauge = gauges.get(sample.metric)
        if gauge is None:
            gauge = Gauge(str(sample.metric), HELP[sample.metric], names[sample.metric], registry=registry)
            gauges[sample.metric] = gauge
        labels = {name: sample.labels.get(name, "") for name in names[sample.metric]}  # "": no such label
        (gauge.labels(**labels) if labels else gauge).set(sample.value)
    return registry


def _label_names(found: list[Sample], user_names: list[str]) -> dict[Metric, tuple[str, ...]]:
    """Each metric's labels: its own, the user's SLO labels on per-SLO series, then the group keys of
    grouped SLOs (and SLAs) in the order met."""
    names = {metric: dict.fromkeys(labels) for metric, labels in LABELS.items()}
    for labels in names.values():
        if set(SLO_LABELS) <= set(labels):
            labels.update(dict.fromkeys(user_names))
    for sample in found:
        names[sample.metric].update(dict.fromkeys(sample.labels))
    return {metric: tuple(labels) for metric, labels in names.items()}


def samples(run_artifacts: Artifacts, slo_labels: SloLabels | None = None) -> Iterator[Sample]:
    """Every exported value, from whichever stages the run reached."""
    any_artifact = next(iter(run_artifacts.values()), None)
    if any_artifact is None:
        return
    labelled = _SloLabeller(slo_labels or {})
    yield Sample(Metric.LAST_RUN, {}, any_artifact.header.evaluated_at.timestamp())
    sli = stage_artifact(run_artifacts, Stage.SLI, SliMetrics)
    if sli is not None:
        yield from _sli_samples(sli, labelled)
    targets = stage_artifact(run_artifacts, Stage.TARGETS, SloTargets)
    if targets is not None:
        yield from _objective_samples(targets, labelled)
    budgets = stage_artifact(run_artifacts, Stage.BUDGETS, ErrorBudgets)
    if budgets is not None:
        yield from _budget_samples(budgets, labelled)
    sla = stage_artifact(run_artifacts, Stage.SLA, SlaCompliance)
    if sla is not None:
        yield from _sla_samples(sla)


@dataclass(frozen=True)
class _SloLabeller:
    user: SloLabels

    def __call__(self, service: str, component: str, slo_id: str) -> dict[str, str]:
        """An SLO's series labels: the user's, then ours (which the config keeps them from naming); a
        grouped SLO's also its group's keys, each a label of its own."""
        name = item_name(slo_id)
        ours = dict(zip(SLO_LABELS, (service, component, name), strict=True)) | dict(split_group(name)[1])
        return dict(self.user.get(slo_id, ())) | ours


def _flag(condition: bool) -> float:
    return 1.0 if condition else 0.0


def _sli_samples(sli: SliMetrics, _slo_labels: _SloLabeller) -> Iterator[Sample]:
    for entry in sli.slos:
        # sli-metrics lists the components: joined by the same rule as Slo.component.
        labels = _slo_labels(entry.service, "+".join(entry.components) or "*", entry.slo)
        windows = {*(w.name for w in RECENT_WINDOWS), entry.window.name}
        for measured in entry.measurements:
            ratio = measured.figures.ratio
            if measured.window in windows and ratio is not None:
                yield Sample(Metric.SLI, labels | {WINDOW: measured.window}, ratio)


def _objective_samples(targets: SloTargets, _slo_labels: _SloLabeller) -> Iterator[Sample]:
    for entry in targets.slos:
        if entry.objective_percent is not None:
            value = Objective(entry.objective_percent).ratio
            yield Sample(Metric.SLO_OBJECTIVE, _slo_labels(entry.service, entry.component, entry.slo), value)


def _budget_samples(budgets: ErrorBudgets, _slo_labels: _SloLabeller) -> Iterator[Sample]:
    for entry in budgets.slos:
        labels = _slo_labels(entry.service, entry.component, entry.slo)
        if not isinstance(entry, SloBudget):  # no objective: nothing to judge, nothing burning
            yield Sample(Metric.NO_DATA, labels, _flag(True))
            continue
        silent = entry.no_data or entry.alert.state == "no_data"
        yield Sample(Metric.NO_DATA, labels, _flag(silent))
        if entry.budget.remaining_ratio is not None:
            yield Sample(Metric.BUDGET_REMAINING, labels, entry.budget.remaining_ratio)
        for burn in entry.burn_rates:
            rate = math.inf if burn.unbounded else burn.burn_rate
            if rate is not None:
                yield Sample(Metric.BURN_RATE, labels | {WINDOW: burn.window}, rate)
        if entry.exhaustion.seconds is not None:
            yield Sample(Metric.EXHAUSTION, labels, entry.exhaustion.seconds)
        for severity in ALERT_SEVERITIES:
            firing = entry.alert.state == severity
            yield Sample(Metric.ALERT, labels | {SEVERITY: str(severity)}, _flag(firing))
        yield Sample(Metric.POLICY_FREEZE, labels, _flag(entry.policy.state == FREEZE))
        yield Sample(Metric.EVENTS, labels | {KIND: "good"}, entry.good)
        yield Sample(Metric.EVENTS, labels | {KIND: "bad"}, entry.total - entry.good)


def _sla_samples(sla: SlaCompliance) -> Iterator[Sample]:
    for entry in sla.slas:
        service = entry.service
        name = item_name(entry.sla)
        labels = dict(zip(SLA_LABELS, (service, entry.component, name), strict=True)) | dict(
            split_group(name)[1]
        )
        current = next(p for p in entry.periods if p.period == CURRENT_MONTH)
        if current.attained_percent is None:  # no data this month: neither met nor breached
            continue
        yield Sample(Metric.SLA_ATTAINED, labels, ratio_of_percent(current.attained_percent))
        yield Sample(Metric.SLA_BREACH, labels, _flag(current.breached))


def check_destinations(textfile: Path | None, push_url: str | None) -> None:
    """Refuse bad destinations before the run, not after it (exit code 2)."""
    if textfile is not None and textfile.suffix != TEXTFILE_SUFFIX:
        raise ReliabilityError(
            f"--textfile: {textfile} must end in {TEXTFILE_SUFFIX} (node_exporter reads only those)",
            EXIT_INVALID_CONFIG,
        )
    if push_url is not None:
        parsed = urlparse(push_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ReliabilityError(
                f"--push-gateway: expected an http(s) URL such as http://127.0.0.1:9091, got {push_url!r}",
                EXIT_INVALID_CONFIG,
            )


def slo_labels_of(config: Config) -> SloLabels:
    """The user's labels of every SLO that has some, by SLO id."""
    return {slo.id: slo.labels for slo in config.slos if slo.labels}


def export(
    run_artifacts: Artifacts,
    textfile: Path | None,
    push_url: str | None,
    push_job: str,
    slo_labels: SloLabels | None = None,
) -> list[str]:
    """Write and push the run's metrics where asked; one line per destination, for the summary."""
    if textfile is None and push_url is None:
        return []
    registry = registry_from_artifacts(run_artifacts, slo_labels)
    done = []
    if textfile is not None:
        write_textfile(textfile, registry)
        done.append(f"wrote metrics to {textfile}")
    if push_url is not None:
        push(push_url, push_job, registry)
        done.append(f"pushed metrics to {push_url} (job={push_job})")
    return done


def write_textfile(path: Path, registry: CollectorRegistry) -> None:
    """The exposition text, replaced atomically: the collector never reads a half-written file."""
    from prometheus_client import generate_latest

    artifacts.write_atomically(path, generate_latest(registry).decode())


def push(url: str, job: str, registry: CollectorRegistry) -> None:
    """One PUT: the group job=<job> is replaced whole, so series of removed SLOs disappear too."""
    from prometheus_client import push_to_gateway

    try:
        push_to_gateway(url, job=job, registry=registry, timeout=PUSH_TIMEOUT_SECONDS)
    except OSError as exc:  # URLError and HTTP errors are OSErrors
        raise ReliabilityError(f"push to {url} failed: {exc}") from None
