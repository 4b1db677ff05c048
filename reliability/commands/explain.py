"""`reliability explain`: where a reported number came from, or the map of every artifact's sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reliability import explain as tracing
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.errors import ReliabilityError
from reliability.explain import Run
from reliability.terminal.options import FormatOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_json
from reliability.terminal.table import Table, render_markdown

DEFAULT_ARTIFACTS = Path("generated")


def _config_path(run: Run) -> Path:
    """The configuration the run read: its one file, or the folder all its files are in."""
    files = [Path(f) for f in run.header["config_files"]]
    folders = {f.parent for f in files}
    if len(files) == 1:
        return files[0]
    if len(folders) == 1:
        return folders.pop()
    raise ReliabilityError(
        f"the run read configuration files from several folders ({', '.join(map(str, sorted(folders)))}): "
        "give --config",
        tracing.EXIT_UNKNOWN,
    )


def _run_or_why_not(artifacts: Path) -> tuple[Run | None, str | None]:
    try:
        return tracing.read_run(artifacts), None
    except ReliabilityError as exc:  # the map itself needs no run; the file names do
        return None, str(exc)


def _map_markdown(data: dict[str, Any]) -> str:
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


def _file_markdown(file: dict[str, Any]) -> str:
    if file["missing"]:
        return f"  - `{file['path']}`: MISSING now"
    read = "" if file["records"] is None else f", {file['records']:,} records read in the run"
    return f"  - `{file['path']}`: {file['bytes']:,} bytes, sha256 `{file['sha256']}`{read}"


def _explanation_markdown(data: dict[str, Any]) -> str:
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


def explain(
    slo_id: Annotated[
        str | None, typer.Argument(metavar="SLO_ID", help="The SLO, as service/name.", show_default=False)
    ] = None,
    field: Annotated[
        str | None,
        typer.Argument(
            metavar="FIELD",
            help=f"One of {', '.join(tracing.FIELDS)}; burn_rate:WINDOW for one window (default: all).",
            show_default=False,
        ),
    ] = None,
    artifacts: Annotated[
        Path, typer.Option("--artifacts", help="The folder of the run's artifacts.")
    ] = DEFAULT_ARTIFACTS,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="The configuration of that run (default: the files named in its artifacts).",
            show_default=False,
        ),
    ] = None,
    list_: Annotated[
        bool,
        typer.Option("--list", help="List every artifact: its stage, its inputs and the fields it holds."),
    ] = False,
    output: FormatOption = OutputFormat.TABLE,
    verbose: VerboseOption = False,
) -> None:
    """Trace a reported number to its sources: config lines, input files, stage and formula.

    Every number is read from the artifacts; file sizes and sha256 are of the inputs as they are now.
    Exit code 0 when explained, 2 for an unknown SLO, field or window, 3 for missing or broken artifacts.
    """
    # Imported here: the CLI module imports this one to register the command.
    from reliability.cli import _reporting_errors

    with _reporting_errors(verbose):
        if list_:
            if slo_id is not None:
                raise ReliabilityError("--list takes no SLO_ID", tracing.EXIT_UNKNOWN)
            run, why_not = _run_or_why_not(artifacts)
            if output is OutputFormat.TABLE:
                typer.echo(tracing.pipeline_map(run, why_not))
                return
            data = tracing.pipeline_map_data(run, why_not)
            if output is OutputFormat.JSON:
                echo_json(data)
            else:
                typer.echo(_map_markdown(data))
            return
        if slo_id is None:
            raise ReliabilityError("give an SLO_ID to explain, or --list", tracing.EXIT_UNKNOWN)
        everything: list[tuple[str, str | None]] = [(name, None) for name in tracing.FIELDS]
        fields = [tracing.parse_field(field)] if field else everything
        run = tracing.read_run(artifacts)
        tracing.entry_of(run, Stage.BUDGETS, slo_id)  # an unknown SLO is said before any config problem
        trace = tracing.trace_slo(load_config(config or _config_path(run)), run, slo_id)
        if output is OutputFormat.JSON:
            echo_json(tracing.explanation(trace, fields))
        elif output is OutputFormat.MARKDOWN:
            typer.echo(_explanation_markdown(tracing.explanation(trace, fields)))
        else:
            typer.echo(tracing.explain(trace, fields))


def register(app: typer.Typer) -> None:
    """Add the `explain` command to the CLI."""
    app.command("explain")(explain)
