"""Reading one pipeline run's artifact files into their records: never a mix of two runs."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from reliability.artifacts.error_budgets import ErrorBudgets
from reliability.artifacts.header import Header
from reliability.artifacts.models import MODELS, Artifact, T, stage_artifact
from reliability.artifacts.publish import read
from reliability.artifacts.schema_check import problems
from reliability.artifacts.sla_compliance import SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.artifacts.slo_targets import SloTargets
from reliability.conventions import ARTIFACT_FILES, Stage, artifact_kind
from reliability.errors import InputError
from reliability.timefmt import format_rfc3339


@dataclass(frozen=True)
class Run:
    """The artifacts of one pipeline run, schema-checked and typed."""

    folder: Path
    artifacts: Mapping[Stage, Artifact]

    @property
    def header(self) -> Header:
        return next(iter(self.artifacts.values())).header

    @property
    def run_id(self) -> str:
        return self.header.run_id

    @property
    def evaluated_at(self) -> str:
        return format_rfc3339(self.header.evaluated_at)

    def path(self, stage: Stage) -> Path:
        return self.folder / ARTIFACT_FILES[stage]

    def _stage(self, stage: Stage, model: type[T]) -> T:
        found = stage_artifact(self.artifacts, stage, model)
        if found is None:  # the command did not ask read_run for it: a mistake in the code, not the input
            raise LookupError(f"the {stage} artifact was not read")
        return found

    @property
    def sli_metrics(self) -> SliMetrics:
        return self._stage(Stage.SLI, SliMetrics)

    @property
    def slo_targets(self) -> SloTargets:
        return self._stage(Stage.TARGETS, SloTargets)

    @property
    def error_budgets(self) -> ErrorBudgets:
        return self._stage(Stage.BUDGETS, ErrorBudgets)

    @property
    def sla_compliance(self) -> SlaCompliance:
        return self._stage(Stage.SLA, SlaCompliance)


def _read_artifact(path: Path, kind: str) -> Artifact:
    try:
        data = read(path)
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    found = problems(kind, data)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(f"{path}: does not match the {kind} schema: {found[0]}{more}")
    try:
        return MODELS[kind].from_json(data)
    except (ValueError, KeyError, TypeError) as exc:  # what the schema cannot say, such as a bad time
        raise InputError(f"{path}: not a readable {kind} artifact: {exc}") from None


def read_run(
    folder: Path, stages: Iterable[Stage] = tuple(ARTIFACT_FILES), optional: Collection[Stage] = ()
) -> Run:
    """The artifacts of `stages` in `folder` (those in `optional` when present); InputError when one
    is missing, broken or from another run."""
    loaded: dict[Stage, Artifact] = {}
    for stage in stages:
        path = folder / ARTIFACT_FILES[stage]
        if not path.is_file():
            if stage in optional:  # a run may stop before that stage (--until)
                continue
            raise InputError(f"{path}: no such artifact: run `reliability run` first, or give --artifacts")
        loaded[stage] = _read_artifact(path, artifact_kind(stage))
    # A run stopped early (--until) leaves older artifacts beside newer ones: never mix them.
    first_stage, first = next(iter(loaded.items()))
    for stage, artifact in loaded.items():
        if artifact.header.run_id != first.header.run_id:
            raise InputError(
                f"{folder}: {ARTIFACT_FILES[first_stage]} and {ARTIFACT_FILES[stage]} are from different "
                f"runs ({first.header.run_id} and {artifact.header.run_id}): run the pipeline again"
            )
    return Run(folder, loaded)
