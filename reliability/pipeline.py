"""The pipeline: telemetry -> SLIs -> targets -> budgets -> SLA -> hooks, in one explicit chain.

All artifacts are computed and schema-checked in memory first and written only
when every stage asked for has succeeded, so a failed run changes no file.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from reliability import artifacts, ledger
from reliability.actions.run_hooks import plan_and_run
from reliability.actions.safety import LedgerView, NoHistory
from reliability.artifacts.error_budgets import ErrorBudgets
from reliability.artifacts.header import Header
from reliability.artifacts.models import Artifact
from reliability.artifacts.sla_compliance import ActionRecord, SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.artifacts.slo_targets import SloTargets
from reliability.config.model import Config, PrometheusSource
from reliability.conventions import ARTIFACT_FILES, RECENT_WINDOWS, SCHEMA_VERSION, Stage
from reliability.core.grid import MinuteGrid, evaluation_time, grid_ending_at
from reliability.core.sla import month_start, previous_month_start
from reliability.core.windows import span_at
from reliability.durations import parse_duration
from reliability.errors import ReliabilityError
from reliability.stages import error_budgets, sla_compliance, sli_metrics, slo_targets
from reliability.telemetry.ingest import Telemetry, load_telemetry
from reliability.terminal.progress import NO_PROGRESS, Progress
from reliability.timefmt import format_rfc3339, moment

STAGE_ORDER = list(Stage)


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


@dataclass
class RunResult:
    evaluated_at: int
    artifacts: dict[Stage, Artifact] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    telemetry: Telemetry | None = None
    run_row: int | None = None  # the run's row in the ledger, when one is kept

    def as_json(self) -> dict[Stage, dict[str, Any]]:
        """The artifacts as they are written, for readers that take the files' shape."""
        return {stage: record.to_json() for stage, record in self.artifacts.items()}

    @property
    def sli(self) -> SliMetrics:
        found = self.artifacts[Stage.SLI]
        assert isinstance(found, SliMetrics)
        return found

    @property
    def targets(self) -> SloTargets | None:
        found = self.artifacts.get(Stage.TARGETS)
        assert found is None or isinstance(found, SloTargets)
        return found

    @property
    def budgets(self) -> ErrorBudgets | None:
        found = self.artifacts.get(Stage.BUDGETS)
        assert found is None or isinstance(found, ErrorBudgets)
        return found

    @property
    def sla(self) -> SlaCompliance | None:
        found = self.artifacts.get(Stage.SLA)
        assert found is None or isinstance(found, SlaCompliance)
        return found


def lookback_seconds(config: Config, evaluated_at: int) -> int:
    """How far back to read: history, the longest SLO window and alert window, and last month."""
    longest_slo = max((evaluated_at - span_at(s.window, evaluated_at).start for s in config.slos), default=0)
    longest_alert = max(int(parse_duration(w)) for w in RECENT_WINDOWS)
    since_last_month = evaluated_at - previous_month_start(month_start(evaluated_at))
    return max(config.settings.history_seconds, longest_slo, longest_alert, since_last_month)


def evaluation_grid(config: Config, now: float) -> MinuteGrid:
    evaluated_at = evaluation_time(now)
    return grid_ending_at(evaluated_at, lookback_seconds(config, evaluated_at))


def _run_id(config: Config, evaluated_at: int) -> str:
    digest = hashlib.sha256(str(evaluated_at).encode())
    for file in config.files:
        digest.update(file.read_bytes())
    # Names and sizes, not mtimes: the same inputs give the same id in every clone.
    # (Content hashes would cost a full extra read of large inputs.)
    for source in config.sources:
        if isinstance(source, PrometheusSource):
            digest.update(source.url.encode())
            continue
        for path in source.paths:
            digest.update(f"{path}|{path.stat().st_size}".encode())
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
    return str(exc) if isinstance(exc, ReliabilityError) else f"{type(exc).__name__}: {exc}".rstrip(": ")


def _kind(stage: Stage) -> str:
    return ARTIFACT_FILES[stage].removesuffix(".json")


def run(config: Config, options: RunOptions) -> RunResult:
    grid = evaluation_grid(config, options.now)
    header = Header(
        kind="",  # each stage's artifact names its own
        schema_version=SCHEMA_VERSION,
        run_id=_run_id(config, grid.end),
        requested_now=moment(options.now),
        evaluated_at=moment(grid.end),
        config_files=tuple(str(f) for f in config.files),
    )
    if options.ledger_path is None:
        return _run_stages(config, options, grid, header, None, None)
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
            result = _run_stages(
                config, options, grid, header, lambda s, t: book.record_stage(run_row, s, t), (book, run_row)
            )
            result.run_row = run_row
            sla = result.sla
            for action in sla.actions if sla else ():
                book.record_action(run_row, action.to_json())
            budgets = result.budgets
            book.finish_run(run_row, ledger.slo_records(budgets, sla) if budgets else [])
        except BaseException as exc:
            try:
                book.fail_run(run_row, _failure(exc))
            except ledger.LedgerError as unrecorded:
                exc.add_note(f"(the failure could not be recorded: {unrecorded})")
            raise
    return result


def _run_stages(
    config: Config,
    options: RunOptions,
    grid: MinuteGrid,
    header: Header,
    record_stage: StageRecorder | None,
    history: tuple[ledger.Ledger, int] | None,
) -> RunResult:
    result = RunResult(evaluated_at=grid.end)
    evaluated_at = format_rfc3339(header.evaluated_at)
    wanted = STAGE_ORDER[: STAGE_ORDER.index(options.until) + 1]

    with _timed("telemetry", record_stage):
        telemetry = load_telemetry(
            config,
            grid,
            strict=options.strict,
            allow_partial=options.allow_partial,
            progress=options.progress,
        )
    result.telemetry = telemetry
    with _timed(Stage.SLI, record_stage):
        sli = sli_metrics.build(replace(header, kind=_kind(Stage.SLI)), config, telemetry)
    result.artifacts[Stage.SLI] = sli
    if Stage.TARGETS in wanted:
        with _timed(Stage.TARGETS, record_stage):
            targets = slo_targets.build(replace(header, kind=_kind(Stage.TARGETS)), config, sli, telemetry)
        result.artifacts[Stage.TARGETS] = targets
    if Stage.BUDGETS in wanted:
        with _timed(Stage.BUDGETS, record_stage):
            budgets = error_budgets.build(replace(header, kind=_kind(Stage.BUDGETS)), config, sli, targets)
        result.artifacts[Stage.BUDGETS] = budgets
    if Stage.SLA in wanted:
        with _timed(Stage.SLA, record_stage):
            sla = sla_compliance.build(replace(header, kind=_kind(Stage.SLA)), config, sli)
        if Stage.HOOKS in wanted:
            with _timed(Stage.HOOKS, record_stage):
                # Recovery needs the previous run's alert states, cooldown what earlier runs fired.
                book, run_row = history if history else (None, 0)
                previous = book.previous_alert_states(run_row) if book else {}
                view: LedgerView = book if book else NoHistory()
                records = plan_and_run(
                    config, budgets, sla, evaluated_at, previous, view, options.execute, sli_metrics=sli
                )
                actions = tuple(ActionRecord.from_json(r) for r in records)
                sla = replace(sla, actions=actions, actions_mode="executed" if options.execute else "dry_run")
        result.artifacts[Stage.SLA] = sla

    rendered = {}
    with _timed("check", record_stage):
        for stage, record in result.artifacts.items():
            data = record.to_json()
            artifacts.check(_kind(stage), data)
            rendered[stage] = artifacts.to_json(data)
    with _timed("write", record_stage):
        for stage, text in rendered.items():
            path = options.out_dir / ARTIFACT_FILES[stage]
            artifacts.write_atomically(path, text)
            result.written.append(path)
    return result
