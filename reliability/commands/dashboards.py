"""`reliability dashboards`: write Grafana dashboards for the configured SLOs."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability.artifacts import to_json, write_atomically
from reliability.config import load_config
from reliability.errors import ReliabilityError
from reliability.exporters import grafana
from reliability.terminal.options import ConfigPathArgument, FormatOption
from reliability.terminal.output import OutputFormat, echo_json


def dashboards(
    path: ConfigPathArgument = Path("config"),
    out: Annotated[Path, typer.Option("--out", help="Folder for the dashboard JSON files.")] = Path(
        "dashboards"
    ),
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Write Grafana dashboards: overview.json (every SLO) and one <service>.json per service.

    Each has a Prometheus data source variable and service / slo variables, and queries the
    metrics `reliability serve` exports and the recording rules `reliability rules` writes.
    Import them into Grafana (Dashboards > New > Import) or provision the folder.
    """
    try:
        built = grafana.dashboards(load_config(path))
    except ReliabilityError as exc:
        typer.echo(f"error: {exc}", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(exc.exit_code) from None
    # Everything is built before anything is written: a bad config leaves the folder as it was.
    written = []
    for name, dashboard in built.items():
        target = out / name
        write_atomically(target, to_json(dashboard))
        written.append({"path": str(target), "panels_total": len(dashboard["panels"])})
    if output is OutputFormat.JSON:
        echo_json({"written": written})
    else:
        template = (
            "- wrote `{path}` ({panels_total} panels)"
            if output is OutputFormat.MARKDOWN
            else "wrote {path} ({panels_total} panels)"
        )
        typer.echo("\n".join(template.format(**w) for w in written))


def register(app: typer.Typer) -> None:
    app.command(name="dashboards")(dashboards)
