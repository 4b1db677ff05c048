"""`reliability explain`: where a reported number came from, or the map of every artifact's sources."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability.artifacts.error_budgets import SloBudget
from reliability.artifacts.run import Run, read_run
from reliability.commands.shared import reporting_errors
from reliability.config import load_config
from reliability.config.groups import expand_groups, groups_named
from reliability.conventions import Stage
from reliability.errors import ReliabilityError
from reliability.terminal.options import FormatOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_json
from reliability.trace import render
from reliability.trace.explanation import explanation, parse_field
from reliability.trace.pipeline_map import FIELDS, pipeline_map
from reliability.trace.run import EXIT_UNKNOWN, entry_of
from reliability.trace.slo import trace_slo

DEFAULT_ARTIFACTS = Path("generated")


def _config_path(run: Run) -> Path:
    """The configuration the run read: its one file, or the folder all its files are in."""
    files = [Path(f) for f in run.header.config_files]
    folders = {f.parent for f in files}
    if len(files) == 1:
        return files[0]
    if len(folders) == 1:
        return folders.pop()
    raise ReliabilityError(
        f"the run read configuration files from several folders ({', '.join(map(str, sorted(folders)))}): "
        "give --config",
        EXIT_UNKNOWN,
    )


def _run_or_why_not(artifacts: Path) -> tuple[Run | None, str | None]:
    try:
        return read_run(artifacts), None
    except ReliabilityError as exc:  # the map itself needs no run; the file names do
        return None, str(exc)


def explain(
    slo_id: Annotated[
        str | None, typer.Argument(metavar="SLO_ID", help="The SLO, as service/name.", show_default=False)
    ] = None,
    field: Annotated[
        str | None,
        typer.Argument(
            metavar="FIELD",
            help=f"One of {', '.join(FIELDS)}; burn_rate:WINDOW for one window (default: all).",
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
    Exit code 0 when explained, 2 for an unknown SLO, field or window or an artifact set that is mixed
    or changed since it was published, 3 for missing or broken artifacts.
    """
    with reporting_errors(verbose):
        if list_:
            if slo_id is not None:
                raise ReliabilityError("--list takes no SLO_ID", EXIT_UNKNOWN)
            described = pipeline_map(*_run_or_why_not(artifacts))
            if output is OutputFormat.JSON:
                echo_json(described.to_json())
            elif output is OutputFormat.MARKDOWN:
                typer.echo(render.map_markdown(described))
            else:
                typer.echo(render.map_text(described))
            return
        if slo_id is None:
            raise ReliabilityError("give an SLO_ID to explain, or --list", EXIT_UNKNOWN)
        run = read_run(artifacts)
        # an unknown SLO is said before any config problem
        entry = entry_of(run.error_budgets, slo_id, run.path(Stage.BUDGETS))
        tracked = isinstance(entry, SloBudget) and entry.changes is not None  # change_events configured
        everything: list[tuple[str, str | None]] = [
            (name, None) for name in FIELDS if name != "changes" or tracked
        ]
        fields = [parse_field(field)] if field else everything
        written = load_config(config or _config_path(run))
        # A grouped SLO is explained per group: the groups the run found are in its artifacts.
        concrete = expand_groups(written, groups_named(written, (c.id for c in run.sli_metrics.components)))
        explained = explanation(trace_slo(concrete, run, slo_id), fields)
        if output is OutputFormat.JSON:
            echo_json(explained.to_json())
        elif output is OutputFormat.MARKDOWN:
            typer.echo(render.explanation_markdown(explained))
        else:
            typer.echo(render.explanation_text(explained))


def register(app: typer.Typer) -> None:
    """Add the `explain` command to the CLI."""
    app.command("explain")(explain)
