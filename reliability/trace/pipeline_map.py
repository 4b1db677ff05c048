"""The pipeline's map for `explain --list`: every artifact, the stages writing it, what each reads."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reliability import artifacts
from reliability.artifacts.run import Run
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.pipeline import STAGES

# The pipeline's declared table, by stage: what each stage writes and reads.
STEPS = {step.stage: step for step in STAGES}

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
    "changes": Stage.BUDGETS,
    "sla": Stage.SLA,
}
FIELDS = tuple(FIELD_STAGES)


def producers(artifact_stage: Stage) -> list[Stage]:
    """The stages that write into `artifact_stage`'s file (hooks adds to the SLA artifact)."""
    return [step.stage for step in STAGES if step.artifact_file == ARTIFACT_FILES[artifact_stage]]


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
    for source in run.sli_metrics.inputs:
        files = [f"{file.path} ({source.source})" for file in source.files]
        read += files or [f"{source.source} (no files: a Prometheus API)"]
    return read


def _reads(stage: Stage) -> list[str]:
    step = STEPS[stage]
    reads = [STEPS[earlier].artifact_file for earlier in step.reads]
    reads.append("the configuration")
    if step.reads_telemetry:
        reads.append("the telemetry")
    return reads


@dataclass(frozen=True)
class RunRead:
    """The run whose artifacts name the files: its configuration and telemetry."""

    folder: str
    run_id: str
    evaluated_at: str
    configuration: tuple[str, ...]
    telemetry: tuple[str, ...]


@dataclass(frozen=True)
class StageReads:
    stage: str
    reads: tuple[str, ...]


@dataclass(frozen=True)
class ArtifactMap:
    """One artifact: the stages writing it, what each reads, the explain fields and the fields held."""

    file: str
    stages: tuple[StageReads, ...]
    explain_fields: tuple[str, ...]
    holds: tuple[str, ...]


@dataclass(frozen=True)
class PipelineMap:
    run: RunRead | None
    why_no_run: str | None  # why there is no run to name the files from
    artifacts: tuple[ArtifactMap, ...]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def pipeline_map(run: Run | None, why_no_run: str | None = None) -> PipelineMap:
    """Every artifact: the stages writing it, what each reads, the explain fields and the fields held."""
    described = None
    if run is not None:
        described = RunRead(
            folder=str(run.folder),
            run_id=run.run_id,
            evaluated_at=run.evaluated_at,
            configuration=run.header.config_files,
            telemetry=tuple(_telemetry_read(run)),
        )
    return PipelineMap(
        run=described,
        why_no_run=None if run is not None else why_no_run,
        artifacts=tuple(
            ArtifactMap(
                file=file,
                stages=tuple(StageReads(s.value, tuple(_reads(s))) for s in producers(artifact_stage)),
                explain_fields=tuple(f for f, s in FIELD_STAGES.items() if s is artifact_stage),
                holds=tuple(artifact_fields(file.removesuffix(".json"))),
            )
            for artifact_stage, file in ARTIFACT_FILES.items()
        ),
    )
