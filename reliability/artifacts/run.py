"""Reading the artifacts a run published into their records: only as its manifest publishes them."""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reliability.artifacts.error_budgets import ErrorBudgets
from reliability.artifacts.folder_lock import locked
from reliability.artifacts.header import Header
from reliability.artifacts.manifest import MANIFEST_KIND, Manifest, PublishedFile, sha256_of
from reliability.artifacts.models import MODELS, Artifact, T, stage_artifact
from reliability.artifacts.publication import pending_path
from reliability.artifacts.schema_check import problems
from reliability.artifacts.sla_compliance import SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics
from reliability.artifacts.slo_targets import SloTargets
from reliability.conventions import ARTIFACT_FILES, MANIFEST_FILE, Stage, artifact_kind
from reliability.errors import ArtifactSetError, InputError
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


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from None


def _parsed(path: Path, kind: str, data: bytes) -> dict[str, Any]:
    try:
        loaded = json.loads(data.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON: {exc}") from None
    found = problems(kind, loaded)
    if found:
        more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
        raise InputError(f"{path}: does not match the {kind} schema: {found[0]}{more}")
    parsed: dict[str, Any] = loaded
    return parsed


def _artifact(path: Path, kind: str, data: bytes) -> Artifact:
    parsed = _parsed(path, kind, data)
    try:
        return MODELS[kind].from_json(parsed)
    except (ValueError, KeyError, TypeError) as exc:  # what the schema cannot say, such as a bad time
        raise InputError(f"{path}: not a readable {kind} artifact: {exc}") from None


def _no_such_artifact(path: Path) -> InputError:
    return InputError(f"{path}: no such artifact: run `reliability run` first, or give --artifacts")


def _manifest(folder: Path, first_needed: Path | None) -> Manifest:
    path = folder / MANIFEST_FILE
    data = _bytes(path)
    if data is None:
        if first_needed is not None and not first_needed.exists():
            raise _no_such_artifact(first_needed)
        raise InputError(
            f"{path}: no such file: the artifacts beside it were not published as one set (by an older "
            "version, or copied without it): run the pipeline again"
        )
    parsed = _parsed(path, MANIFEST_KIND, data)
    try:
        return Manifest.from_json(parsed)
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: not a readable manifest: {exc}") from None


def _published(folder: Path, entry: PublishedFile, run_id: str, kind: str) -> Artifact:
    """The artifact `entry` publishes, refused unless its bytes are the ones the manifest names."""
    path = folder / entry.file
    data = _bytes(path)
    if data is None or sha256_of(data) != entry.sha256:
        # A publication killed after its commit left the file synced under its temporary name.
        waiting = _bytes(pending_path(folder, entry.file, run_id))
        if waiting is not None and sha256_of(waiting) == entry.sha256:
            data = waiting
    if data is None:
        raise ArtifactSetError(
            f"{path}: no such artifact, though {MANIFEST_FILE} publishes it: run the pipeline again"
        )
    if sha256_of(data) != entry.sha256:
        try:
            artifact = _artifact(path, kind, data)
        except InputError:  # changed into something unreadable: still a changed set, not bad input
            raise _changed(path, run_id) from None
    else:
        artifact = _artifact(path, kind, data)
    if artifact.header.run_id != run_id:
        raise ArtifactSetError(
            f"{folder}: {entry.file} and {MANIFEST_FILE} are from different runs ({artifact.header.run_id} "
            f"and {run_id}): the set is mixed; run the pipeline again"
        )
    if sha256_of(data) != entry.sha256:
        raise _changed(path, run_id)
    return artifact


def _changed(path: Path, run_id: str) -> ArtifactSetError:
    return ArtifactSetError(
        f"{path}: does not match {MANIFEST_FILE}: changed after run {run_id} published it "
        "(its sha256 differs): run the pipeline again"
    )


def read_run(
    folder: Path, stages: Iterable[Stage] = tuple(ARTIFACT_FILES), optional: Collection[Stage] = ()
) -> Run:
    """The artifacts of `stages` in `folder` (those in `optional` when the run published them), as its
    manifest publishes them; InputError when one is missing or broken, or is not the one published."""
    stages = tuple(stages)
    needed = [folder / ARTIFACT_FILES[stage] for stage in stages if stage not in optional]
    if not folder.is_dir():
        raise _no_such_artifact(needed[0] if needed else folder / MANIFEST_FILE)
    loaded: dict[Stage, Artifact] = {}
    with locked(folder, exclusive=False):  # a publication in progress finishes first
        manifest = _manifest(folder, needed[0] if needed else None)
        for stage in stages:
            entry = manifest.entry(ARTIFACT_FILES[stage])
            if entry is not None:
                loaded[stage] = _published(folder, entry, manifest.run_id, artifact_kind(stage))
            elif stage not in optional:
                raise InputError(
                    f"{folder / ARTIFACT_FILES[stage]}: not in the set {MANIFEST_FILE} publishes: run "
                    f"{manifest.run_id} stopped before the {stage} stage (--until); run the pipeline again"
                )
    return Run(folder, loaded)
