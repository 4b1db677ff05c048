"""An explanation and the pipeline's map as plain text and as markdown (JSON is the data as it is)."""

from __future__ import annotations

from typing import Any

from reliability.terminal.table import Table, render_markdown

# --- an SLO's explanation ---------------------------------------------------------------------------


def _file_line(file: dict[str, Any]) -> str:
    if file["missing"]:
        return f"{file['path']}  MISSING now"
    read = file["records"]
    counted = f"  ({read:,} records read in the run)" if read is not None else ""
    return f"{file['path']}  {file['bytes']:,} bytes  sha256 {file['sha256']}{counted}"


def _configuration_lines(rows: list[dict[str, str]]) -> list[str]:
    width = max(len(row["role"]) for row in rows)
    lines = [f"  {row['role'].ljust(width)}  {row['name']}  {row['where']}" for row in rows]
    return ["configuration", *lines]


def _input_lines(sources: list[dict[str, Any]]) -> list[str]:
    """The telemetry behind the SLO: files with size and sha256 as they are now, or the queries."""
    lines = ["inputs (sizes and sha256 computed now)"]
    for source in sources:
        lines.append(f"  {source['source']}: {source['reads']}")
        lines.extend(f"    {_file_line(file)}" for file in source["files"])
    return lines


def _field_lines(section: dict[str, Any]) -> list[str]:
    head = f"{section['field']}  [{section['artifact']}, stage {section['stage']}]"
    return [head, *(f"  {line}" for line in section["lines"])]


def explanation_text(data: dict[str, Any]) -> str:
    lines = [
        f"{data['slo']}: run {data['run_id']}, evaluated at {data['evaluated_at']}, "
        f"artifacts in {data['artifacts']}",
        *data["notes"],
        *_configuration_lines(data["configuration"]),
        *_input_lines(data["inputs"]),
    ]
    for section in data["fields"]:
        lines += ["", *_field_lines(section)]
    return "\n".join(lines)


def _file_markdown(file: dict[str, Any]) -> str:
    if file["missing"]:
        return f"  - `{file['path']}`: MISSING now"
    read = "" if file["records"] is None else f", {file['records']:,} records read in the run"
    return f"  - `{file['path']}`: {file['bytes']:,} bytes, sha256 `{file['sha256']}`{read}"


def explanation_markdown(data: dict[str, Any]) -> str:
    lines = [
        f"- **{data['slo']}**: run `{data['run_id']}`, evaluated at `{data['evaluated_at']}`, "
        f"artifacts in `{data['artifacts']}`",
        *(f"- {note}" for note in data["notes"]),
        "",
        render_markdown(
            Table(("CONFIGURATION", "NAME", "WHERE"), [tuple(row.values()) for row in data["configuration"]])
        ),
        "",
        "Inputs (sizes and sha256 computed now):",
        "",
    ]
    for source in data["inputs"]:
        lines.append(f"- {source['source']}: {source['reads']}")
        lines += [_file_markdown(file) for file in source["files"]]
    for section in data["fields"]:
        lines += ["", f"#### {section['field']} (`{section['artifact']}`, stage {section['stage']})", ""]
        lines += ["```text", *section["lines"], "```"]
    return "\n".join(lines)


# --- the pipeline's map -----------------------------------------------------------------------------


def map_text(data: dict[str, Any]) -> str:
    """Every artifact: the stages writing it, what each reads, the explain fields and the fields held."""
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


def map_markdown(data: dict[str, Any]) -> str:
    described = data["run"]
    if described is None:
        lines = [f"- no artifacts to name the files from: {data['why_no_run']}"]
    else:
        lines = [
            f"- artifacts in `{described['folder']}`: run `{described['run_id']}`, "
            f"evaluated at `{described['evaluated_at']}`",
            f"- the configuration: {', '.join(f'`{f}`' for f in described['configuration'])}",
            f"- the telemetry: {', '.join(described['telemetry'])}",
        ]
    for artifact in data["artifacts"]:
        stages = ", ".join(s["stage"] for s in artifact["stages"])
        lines += ["", f"#### `{artifact['file']}` (stage {stages})", ""]
        lines += [f"- stage {s['stage']} reads {', '.join(s['reads'])}" for s in artifact["stages"]]
        if artifact["explain_fields"]:
            lines.append(f"- explain fields: {', '.join(artifact['explain_fields'])}")
        lines += [f"- holds {text}" for text in artifact["holds"]]
    return "\n".join(lines)
