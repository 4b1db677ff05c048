"""An explanation and the pipeline's map as plain text and as markdown (JSON is their `to_json()`)."""

from __future__ import annotations

from reliability.terminal.table import Table, render_markdown
from reliability.trace.explanation import Explanation, FieldSection
from reliability.trace.pipeline_map import PipelineMap
from reliability.trace.sources import ConfigurationLine, InputFile, SourceInputs

# --- an SLO's explanation ---------------------------------------------------------------------------


def _file_line(file: InputFile) -> str:
    if file.missing:
        return f"{file.path}  MISSING now"
    counted = f"  ({file.records:,} records read in the run)" if file.records is not None else ""
    return f"{file.path}  {file.bytes:,} bytes  sha256 {file.sha256}{counted}"


def _configuration_lines(rows: tuple[ConfigurationLine, ...]) -> list[str]:
    width = max(len(row.role) for row in rows)
    return ["configuration", *(f"  {row.role.ljust(width)}  {row.name}  {row.where}" for row in rows)]


def _input_lines(sources: tuple[SourceInputs, ...]) -> list[str]:
    """The telemetry behind the SLO: files with size and sha256 as they are now, or the queries."""
    lines = ["inputs (sizes and sha256 computed now)"]
    for source in sources:
        lines.append(f"  {source.source}: {source.reads}")
        lines.extend(f"    {_file_line(file)}" for file in source.files)
    return lines


def _field_lines(section: FieldSection) -> list[str]:
    head = f"{section.field}  [{section.artifact}, stage {section.stage}]"
    return [head, *(f"  {line}" for line in section.lines)]


def explanation_text(explained: Explanation) -> str:
    lines = [
        f"{explained.slo}: run {explained.run_id}, evaluated at {explained.evaluated_at}, "
        f"artifacts in {explained.artifacts}",
        *explained.notes,
        *_configuration_lines(explained.configuration),
        *_input_lines(explained.inputs),
    ]
    for section in explained.fields:
        lines += ["", *_field_lines(section)]
    return "\n".join(lines)


def _file_markdown(file: InputFile) -> str:
    if file.missing:
        return f"  - `{file.path}`: MISSING now"
    read = "" if file.records is None else f", {file.records:,} records read in the run"
    return f"  - `{file.path}`: {file.bytes:,} bytes, sha256 `{file.sha256}`{read}"


def explanation_markdown(explained: Explanation) -> str:
    configuration = [(row.role, row.name, row.where) for row in explained.configuration]
    lines = [
        f"- **{explained.slo}**: run `{explained.run_id}`, evaluated at `{explained.evaluated_at}`, "
        f"artifacts in `{explained.artifacts}`",
        *(f"- {note}" for note in explained.notes),
        "",
        render_markdown(Table(("CONFIGURATION", "NAME", "WHERE"), configuration)),
        "",
        "Inputs (sizes and sha256 computed now):",
        "",
    ]
    for source in explained.inputs:
        lines.append(f"- {source.source}: {source.reads}")
        lines += [_file_markdown(file) for file in source.files]
    for section in explained.fields:
        lines += ["", f"#### {section.field} (`{section.artifact}`, stage {section.stage})", ""]
        lines += ["```text", *section.lines, "```"]
    return "\n".join(lines)


# --- the pipeline's map -----------------------------------------------------------------------------


def map_text(described: PipelineMap) -> str:
    """Every artifact: the stages writing it, what each reads, the explain fields and the fields held."""
    run = described.run
    if run is not None:
        lines = [
            f"artifacts in {run.folder}: run {run.run_id}, evaluated at {run.evaluated_at}",
            f"the configuration: {', '.join(run.configuration)}",
            f"the telemetry: {', '.join(run.telemetry)}",
        ]
    else:
        lines = [f"no artifacts to name the files from: {described.why_no_run}"]
    for artifact in described.artifacts:
        stages = ", ".join(s.stage for s in artifact.stages)
        lines += ["", f"{artifact.file}  (stage {stages})"]
        lines += [f"  stage {s.stage} reads {', '.join(s.reads)}" for s in artifact.stages]
        if artifact.explain_fields:
            lines.append(f"  explain fields: {', '.join(artifact.explain_fields)}")
        lines += [f"  holds {text}" for text in artifact.holds]
    return "\n".join(lines)


def map_markdown(described: PipelineMap) -> str:
    run = described.run
    if run is None:
        lines = [f"- no artifacts to name the files from: {described.why_no_run}"]
    else:
        lines = [
            f"- artifacts in `{run.folder}`: run `{run.run_id}`, evaluated at `{run.evaluated_at}`",
            f"- the configuration: {', '.join(f'`{f}`' for f in run.configuration)}",
            f"- the telemetry: {', '.join(run.telemetry)}",
        ]
    for artifact in described.artifacts:
        stages = ", ".join(s.stage for s in artifact.stages)
        lines += ["", f"#### `{artifact.file}` (stage {stages})", ""]
        lines += [f"- stage {s.stage} reads {', '.join(s.reads)}" for s in artifact.stages]
        if artifact.explain_fields:
            lines.append(f"- explain fields: {', '.join(artifact.explain_fields)}")
        lines += [f"- holds {text}" for text in artifact.holds]
    return "\n".join(lines)
