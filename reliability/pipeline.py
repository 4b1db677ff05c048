"""The pipeline: telemetry -> SLIs -> targets -> budgets -> SLA -> hooks, in one explicit chain.

All artifacts are computed and schema-checked in memory first, written beside the published ones
when every stage asked for has succeeded, and published as one set at the very end (see
artifacts.publication), so a failed run changes no published file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reliability import artifacts, ledger
from reliability.actions.run_hooks import Journal, keep_nothing, plan_and_run
from reliability.actions.safety import LedgerView, NoHistory
from reliability.artifacts import publication
from reliability.artifacts.error_budgets import ErrorBudgets
from reliability.artifacts.header import Header
from reliability.artifacts.models import Artifact, T, stage_artifact
from reliability.artifacts.sla_compliance import SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.artifacts.slo_targets import SloTargets
from reliability.config.model import Config, PrometheusSource
from reliability.conventions import (
    ARTIFACT_FILES,
    RECENT_WINDOWS,
    REPORT_FILE,
    SCHEMA_VERSION,
    Stage,
    artifact_kind,
)
from reliability.core.grid import MinuteGrid, evaluation_time, grid_ending_at
from reliability.core.sla import month_start, previous_month_start
from reliability.core.windows import span_at
from reliability.errors import ReliabilityError
from reliability.redact import redacted_bytes, without_credentials
from reliability.stages import error_budgets, sla_compliance, sli_metrics, slo_targets
from reliability.stages.minute_detail import alert_step_detail_from, minute_detail_from
from reliability.telemetry.change_events import ChangeEvents, load_change_events
from reliability.telemetry.freed_memory import release_freed_memory
from reliability.telemetry.grouped_sources import read_groups
from reliability.telemetry.ingest import Telemetry, load_telemetry
from reliability.telemetry.progress import NO_PROGRESS, Progress
from reliability.timefmt import format_rfc3339, moment


@dataclass(frozen=True)
class RunOptions:
    now: float  # epoch seconds; the CLI decides the default, the pipeline never reads a clock
    out_dir: Path
    until: Stage = Stage.HOOKS
    execute: bool = False
    strict: bool = False
    allow_partial: bool = False  # an unreachable Prometheus source makes its SLOs no data
    ledger_path: Path | None = None  # record the run in this SQLite ledger; None: record nothing
    progress: Progress = NO_PROGRESS  # told how loading the telemetry goes; the CLI passes bars
    # Renders report.html from the artifacts, published with them (`run --html`); None: no report.
    html_report: Callable[[Mapping[Stage, Artifact]], str] | None = None


@dataclass
class RunResult:
    evaluated_at: int
    artifacts: dict[Stage, Artifact] = field(default_factory=dict)
    rendered: dict[Stage, bytes] = field(default_factory=dict)  # the artifacts' files, checked
    written: list[Path] = field(default_factory=list)  # the published files, manifest last
    telemetry: Telemetry | None = None
    run_row: int | None = None  # the run's row in the ledger, when one is kept

    def as_json(self) -> dict[Stage, dict[str, Any]]:
        """The artifacts as they are written, for readers that take the files' shape."""
        return {stage: record.to_json() for stage, record in self.artifacts.items()}

    @property
    def sli(self) -> SliMetrics:
        found = stage_artifact(self.artifacts, Stage.SLI, SliMetrics)
        assert found is not None, "every run measures the SLIs"
        return found

    @property
    def budgets(self) -> ErrorBudgets | None:
        return stage_artifact(self.artifacts, Stage.BUDGETS, ErrorBudgets)

    @property
    def sla(self) -> SlaCompliance | None:
        return stage_artifact(self.artifacts, Stage.SLA, SlaCompliance)


def lookback_seconds(config: Config, evaluated_at: int) -> int:
    """How far back to read: history, the longest SLO window and alert window, and last month."""
    longest_slo = max((evaluated_at - span_at(s.window, evaluated_at).start for s in config.slos), default=0)
    longest_alert = max(w.seconds for w in RECENT_WINDOWS)
    since_last_month = evaluated_at - previous_month_start(month_start(evaluated_at))
    return max(config.settings.history_seconds, longest_slo, longest_alert, since_last_month)


def evaluation_grid(config: Config, now: float) -> MinuteGrid:
    evaluated_at = evaluation_time(now)
    return grid_ending_at(evaluated_at, lookback_seconds(config, evaluated_at))


def run_id_of(config: Config, evaluated_at: int) -> str:
    """The id a run of `config` at `evaluated_at` gets; explain compares it to tell stale inputs.

    Credentials in URLs are redacted before hashing: the id is shown and stored everywhere, and must
    not change (or tell anything) when only a password does.
    """
    digest = hashlib.sha256(str(evaluated_at).encode())
    for file in config.files:
        digest.update(redacted_bytes(file.read_bytes()))
    # Names and sizes, not mtimes: the same inputs give the same id in every clone.
    # (Content hashes would cost a full extra read of large inputs.)
    for source in config.sources:
        if isinstance(source, PrometheusSource):
            digest.update(without_credentials(source.url).encode())
            continue
        for path in source.paths:
            digest.update(f"{path}|{path.stat().st_size}".encode())
    for changes in config.change_events:  # a command's output is not known before it runs
        if changes.path is not None:
            digest.update(f"{changes.path}|{changes.path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


StageRecorder = Callable[[str, float], None]  # stage name, seconds taken


@contextmanager
def _timed(stage: str, record: StageRecorder | None) -> Iterator[None]:
    """Measured around the stage, never inside it: the stages stay pure."""
    started = time.monotonic()
    yield
    if record is not None:
        record(stage, time.monotonic() - started)


def _failure(exc: BaseException) -> str:
    """The failure as the ledger keeps it: one line, without the credentials a URL in it may carry."""
    text = str(exc) if isinstance(exc, ReliabilityError) else f"{type(exc).__name__}: {exc}".rstrip(": ")
    return without_credentials(text)


def run(config: Config, options: RunOptions) -> RunResult:
    grid = evaluation_grid(config, options.now)
    header = Header(
        kind="",  # each stage's artifact names its own
        schema_version=SCHEMA_VERSION,
        run_id=run_id_of(config, grid.end),
        requested_now=moment(options.now),
        evaluated_at=moment(grid.end),
        config_files=tuple(str(f) for f in config.files),
    )
    if options.ledger_path is None:
        result = _run_stages(config, options, grid, header, None, None)
        _publish(result, options, header, None, lambda: None)
        return result
    with ledger.Ledger.open(options.ledger_path) as book:
        start = ledger.RunStart(
            header.run_id,
            format_rfc3339(header.requested_now),
            format_rfc3339(header.evaluated_at),
            ledger.config_sha256(config.files),
            header.config_files,
        )
        run_row = book.start_run(start)
        try:
            book.record_inputs(run_row, ledger.input_files(config))

            def record_stage(stage: str, seconds: float) -> None:
                book.record_stage(run_row, stage, seconds)

            result = _run_stages(config, options, grid, header, record_stage, (book, run_row))
            result.run_row = run_row  # its hook actions were recorded as they were decided and run

            def record_outcome() -> None:
                budgets = result.budgets
                book.finish_run(run_row, ledger.slo_records(budgets, result.sla) if budgets else [])

            _publish(result, options, header, record_stage, record_outcome)
        except BaseException as exc:
            try:
                book.fail_run(run_row, _failure(exc))
            except ledger.LedgerError as unrecorded:
                exc.add_note(f"(the failure could not be recorded: {unrecorded})")
            raise
    return result


def _publish(
    result: RunResult,
    options: RunOptions,
    header: Header,
    record_stage: StageRecorder | None,
    before_publishing: Callable[[], None],
) -> None:
    """Write the artifacts (and the report) beside the published set, then publish them as one set: the
    last step, so a run that fails anywhere before (`before_publishing` included) leaves it as it was."""
    files = {ARTIFACT_FILES[stage]: text for stage, text in result.rendered.items()}
    if options.html_report is not None and Stage.BUDGETS in result.artifacts:
        files[REPORT_FILE] = options.html_report(result.artifacts).encode("utf-8")
    started = time.monotonic()
    with publication.staged(options.out_dir, header, files) as staged:
        if record_stage is not None:
            record_stage("write", time.monotonic() - started)
        before_publishing()
        result.written = staged.publish()


@dataclass
class _StageRun:
    """What the stages of one run share: the configuration, the telemetry and the artifacts so far."""

    config: Config
    options: RunOptions
    header: Header
    telemetry: Telemetry
    history: tuple[ledger.Ledger, int] | None
    artifacts: dict[Stage, Artifact]
    changes: ChangeEvents


@dataclass(frozen=True)
class StageInputs:
    """The earlier artifacts a stage declared it reads, and nothing else."""

    stage: Stage
    reads: tuple[Stage, ...]
    run: _StageRun

    def artifact(self, stage: Stage, model: type[T]) -> T:
        if stage not in self.reads:
            raise AssertionError(f"the {self.stage} stage reads {stage} without declaring it")
        found = stage_artifact(self.run.artifacts, stage, model)
        assert found is not None, f"the {stage} stage runs before {self.stage}"
        return found

    def header(self) -> Header:
        return replace(self.run.header, kind=artifact_kind(self.stage))


@dataclass(frozen=True)
class StageStep:
    """One row of the pipeline: a stage, the file it writes into, what it reads and what it adds."""

    stage: Stage
    artifact_file: str
    reads: tuple[Stage, ...]  # earlier stages whose artifacts it is given (besides the configuration)
    reads_telemetry: bool
    produces: str
    build: Callable[[StageInputs], Artifact]


def _sli_step(given: StageInputs) -> Artifact:
    return sli_metrics.build(given.header(), given.run.config, given.run.telemetry)


def _targets_step(given: StageInputs) -> Artifact:
    sli = given.artifact(Stage.SLI, SliMetrics)
    return slo_targets.build(given.header(), given.run.config, sli, given.run.telemetry)


def _budgets_step(given: StageInputs) -> Artifact:
    sli = given.artifact(Stage.SLI, SliMetrics)
    targets = given.artifact(Stage.TARGETS, SloTargets)
    run = given.run
    changes = run.changes.events if run.config.change_events else None
    return error_budgets.build(given.header(), run.config, sli, targets, run.telemetry, changes)


def _sla_step(given: StageInputs) -> Artifact:
    return sla_compliance.build(given.header(), given.run.config, given.artifact(Stage.SLI, SliMetrics))


def _hooks_step(given: StageInputs) -> Artifact:
    """The SLA artifact again, with the hook actions of this evaluation (run only with execute)."""
    run, execute = given.run, given.run.options.execute
    sla = given.artifact(Stage.SLA, SlaCompliance)
    # Recovery needs the previous run's alert states, cooldown what earlier runs fired.
    book, run_row = run.history if run.history else (None, 0)
    previous = book.previous_alert_states(run_row) if book else {}
    view: LedgerView = book if book else NoHistory()
    journal: Journal = (
        (lambda record: book.record_action(run_row, record.to_json())) if book else keep_nothing
    )
    actions = plan_and_run(
        run.config,
        given.artifact(Stage.BUDGETS, ErrorBudgets),
        sla,
        format_rfc3339(run.header.evaluated_at),
        previous,
        view,
        execute,
        sli_metrics=given.artifact(Stage.SLI, SliMetrics),
        journal=journal,
    )
    return replace(sla, actions=tuple(actions), actions_mode="executed" if execute else "dry_run")


# The pipeline, in order. `run()` walks it; `explain --list` can print it.
STAGES: tuple[StageStep, ...] = (
    StageStep(
        Stage.SLI,
        ARTIFACT_FILES[Stage.SLI],
        (),
        True,
        "SLIs per component, window and day; latency; every SLO's measurements",
        _sli_step,
    ),
    StageStep(
        Stage.TARGETS,
        ARTIFACT_FILES[Stage.TARGETS],
        (Stage.SLI,),
        True,  # `objective: auto` replays the minute history
        "the objective in force for every SLO, judged or derived from history",
        _targets_step,
    ),
    StageStep(
        Stage.BUDGETS,
        ARTIFACT_FILES[Stage.BUDGETS],
        (Stage.SLI, Stage.TARGETS),
        True,  # the alert timeline replays the minute history
        "error budgets, burn rates, alert states, exhaustion, forecasts, policy, attribution",
        _budgets_step,
    ),
    StageStep(
        Stage.SLA,
        ARTIFACT_FILES[Stage.SLA],
        (Stage.SLI,),
        False,
        "SLA attainment for this month so far and the last one",
        _sla_step,
    ),
    StageStep(
        Stage.HOOKS,
        ARTIFACT_FILES[Stage.SLA],
        (Stage.SLI, Stage.BUDGETS, Stage.SLA),
        False,
        "the hook actions of this evaluation, added to the SLA artifact",
        _hooks_step,
    ),
)
STAGE_ORDER = [step.stage for step in STAGES]


def _artifact_stage(step: StageStep) -> Stage:
    """The stage whose artifact a step writes: the first stage writing its file."""
    return next(s.stage for s in STAGES if s.artifact_file == step.artifact_file)


def _run_stages(
    config: Config,
    options: RunOptions,
    grid: MinuteGrid,
    header: Header,
    record_stage: StageRecorder | None,
    history: tuple[ledger.Ledger, int] | None,
) -> RunResult:
    result = RunResult(evaluated_at=grid.end)
    with _timed("telemetry", record_stage):
        # Grouped items are made one per group found in the same read that counts them.
        grouped = read_groups(config, grid, strict=options.strict, progress=options.progress)
        config = grouped.config
        telemetry = load_telemetry(
            config,
            grid,
            strict=options.strict,
            allow_partial=options.allow_partial,
            progress=options.progress,
            minute_detail_from=minute_detail_from(config, grid),
            alert_steps_from=alert_step_detail_from(config, grid),
            already_read=grouped.sources,
        )
        changes = load_change_events(config, grid.origin, grid.end, strict=options.strict)
        telemetry.reports.extend(changes.reports)  # their skipped records are shown as the telemetry's
        release_freed_memory()  # what reading freed, before the stages and artifacts need as much again
    result.telemetry = telemetry
    shared = _StageRun(config, options, header, telemetry, history, result.artifacts, changes)
    for step in STAGES[: STAGE_ORDER.index(options.until) + 1]:
        with _timed(step.stage, record_stage):
            result.artifacts[_artifact_stage(step)] = step.build(StageInputs(step.stage, step.reads, shared))

    with _timed("check", record_stage):
        for stage, record in result.artifacts.items():
            result.rendered[stage] = artifacts.checked_text(artifact_kind(stage), record)
    return result
