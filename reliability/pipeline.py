"""The pipeline: telemetry -> SLIs -> targets -> budgets -> SLA -> hooks, in one explicit chain.

All artifacts are computed and schema-checked in memory first and written only
when every stage asked for has succeeded, so a failed run changes no file.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reliability import artifacts
from reliability.actions.command import outcome_record, run_action
from reliability.config.model import Config, PrometheusSource
from reliability.conventions import ARTIFACT_FILES, RECENT_WINDOWS, SCHEMA_VERSION, Stage
from reliability.core.grid import MinuteGrid, evaluation_time, grid_ending_at
from reliability.core.sla import month_start, previous_month_start
from reliability.core.windows import span_at
from reliability.durations import parse_duration
from reliability.stages import error_budgets, hooks, sla_compliance, sli_metrics, slo_targets
from reliability.telemetry.ingest import Telemetry, load_telemetry
from reliability.timefmt import to_rfc3339

STAGE_ORDER = list(Stage)


@dataclass(frozen=True)
class RunOptions:
    now: float  # epoch seconds; the CLI decides the default, the pipeline never reads a clock
    out_dir: Path
    until: Stage = Stage.HOOKS
    execute: bool = False
    strict: bool = False
    allow_partial: bool = False  # an unreachable Prometheus source makes its SLOs no data


@dataclass
class RunResult:
    evaluated_at: int
    artifacts: dict[Stage, dict[str, Any]] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    telemetry: Telemetry | None = None


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


def _envelope(kind: Stage, body: dict[str, Any], header: dict[str, Any]) -> dict[str, Any]:
    name = ARTIFACT_FILES[kind].removesuffix(".json")
    return {"kind": name, "schema_version": SCHEMA_VERSION} | header | body


def run(config: Config, options: RunOptions) -> RunResult:
    grid = evaluation_grid(config, options.now)
    result = RunResult(evaluated_at=grid.end)
    evaluated_at = to_rfc3339(grid.end)
    header: dict[str, Any] = {
        "run_id": _run_id(config, grid.end),
        "requested_now": to_rfc3339(options.now),
        "evaluated_at": evaluated_at,
        "config_files": [str(f) for f in config.files],
    }
    wanted = STAGE_ORDER[: STAGE_ORDER.index(options.until) + 1]

    telemetry = load_telemetry(config, grid, strict=options.strict, allow_partial=options.allow_partial)
    result.telemetry = telemetry
    sli = sli_metrics.build(config, telemetry)
    result.artifacts[Stage.SLI] = _envelope(Stage.SLI, sli, header)
    if Stage.TARGETS in wanted:
        targets = slo_targets.build(config, sli)
        result.artifacts[Stage.TARGETS] = _envelope(Stage.TARGETS, targets, header)
    if Stage.BUDGETS in wanted:
        budgets = error_budgets.build(config, sli, targets)
        result.artifacts[Stage.BUDGETS] = _envelope(Stage.BUDGETS, budgets, header)
    if Stage.SLA in wanted:
        sla = sla_compliance.build(config, sli)
        if Stage.HOOKS in wanted:
            planned = hooks.plan(config, budgets, sla, evaluated_at)
            sla["actions"] = [outcome_record(a, run_action(a, execute=options.execute)) for a in planned]
            sla["actions_mode"] = "executed" if options.execute else "dry_run"
        result.artifacts[Stage.SLA] = _envelope(Stage.SLA, sla, header)

    rendered = {}
    for stage, data in result.artifacts.items():
        artifacts.check(ARTIFACT_FILES[stage].removesuffix(".json"), data)
        rendered[stage] = artifacts.to_json(data)
    for stage, text in rendered.items():
        path = options.out_dir / ARTIFACT_FILES[stage]
        artifacts.write_atomically(path, text)
        result.written.append(path)
    return result
