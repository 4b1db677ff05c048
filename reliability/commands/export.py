"""`reliability export`: our configuration in another tool's format."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability.artifacts import write_atomically
from reliability.commands.shared import reporting_errors
from reliability.config.openslo_export import export_openslo, openslo_yaml
from reliability.terminal.options import ConfigPathArgument, VerboseOption

HEADER = (
    "OpenSLO v1, written by `reliability export openslo` from {path}; reliability reads it back as it is."
)

export_app = typer.Typer(
    help="Write the configuration in another format: openslo (OpenSLO v1 documents).",
    no_args_is_help=True,
)


@export_app.command("openslo")
def openslo(
    path: ConfigPathArgument = Path("config"),
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="File to write (default: standard output).", show_default=False),
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Write the configuration as OpenSLO v1 documents (one multi-document YAML file).

    What OpenSLO has no field for (event columns, hooks, SLAs, settings) goes into reliability.dev/
    annotations, so `reliability run` on the output gives the same results. File paths are written
    relative to the output file's folder. Exit code 0 when written, 2 when the config is invalid.
    """
    with reporting_errors(verbose):
        folder = out.parent if out is not None else Path.cwd()
        result = export_openslo(path, folder)
        text = openslo_yaml(result.documents, HEADER.format(path=path))
        for warning in result.warnings:
            typer.echo(f"warning: {warning}", err=True)
        if out is None:
            typer.echo(text, nl=False)
        else:
            write_atomically(out, text)
            typer.echo(f"wrote {out} ({len(result.documents)} OpenSLO documents)", err=True)


def register(app: typer.Typer) -> None:
    """Add the `export` command group to the CLI."""
    app.add_typer(export_app, name="export")
