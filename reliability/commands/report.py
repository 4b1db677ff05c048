"""`reliability report`: one self-contained HTML page from the last run's artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability.artifacts import read, write_atomically
from reliability.artifacts.models import MODELS, Artifact
from reliability.conventions import ARTIFACT_FILES, Stage
from reliability.errors import EXIT_BAD_INPUT, ReliabilityError
from reliability.report import html
from reliability.terminal.options import FormatOption
from reliability.terminal.output import OutputFormat, echo_json

DEFAULT_ARTIFACTS = Path("generated")
REQUIRED_STAGES = (Stage.SLI, Stage.TARGETS, Stage.BUDGETS)  # a run with --until sla or later has them all


def read_artifacts(folder: Path) -> dict[Stage, Artifact]:
    """The artifacts of one run, typed; the SLA one is optional (a run may stop before that stage)."""
    artifacts: dict[Stage, Artifact] = {}
    for stage, name in ARTIFACT_FILES.items():
        path = folder / name
        if not path.exists():
            if stage in REQUIRED_STAGES:
                raise ReliabilityError(f"{path}: not found; run `reliability run` first", EXIT_BAD_INPUT)
            continue
        try:
            artifacts[stage] = MODELS[name.removesuffix(".json")].from_json(read(path))
        except (ValueError, KeyError, TypeError) as exc:  # not JSON, or not this artifact's shape
            raise ReliabilityError(f"{path}: not a readable artifact: {exc}", EXIT_BAD_INPUT) from None
    run_ids = {a.header.run_id for a in artifacts.values()}
    if len(run_ids) > 1:  # mixing runs would put one run's budget beside another's SLI
        raise ReliabilityError(f"{folder}: the artifacts come from different runs", EXIT_BAD_INPUT)
    return artifacts


def report(
    artifacts: Annotated[
        Path, typer.Option("--artifacts", help="The folder of the run's artifacts.")
    ] = DEFAULT_ARTIFACTS,
    out: Annotated[
        Path | None, typer.Option("--out", help="The HTML file to write.", show_default=False)
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
) -> None:
    """Write one self-contained HTML report of the last run (default ARTIFACTS/report.html).

    An overview of every SLO and, per SLO, its budget burn-down, daily SLI, burn rates against the
    alert thresholds, the alerts that fired, its SLA and the top budget consumers. Opens offline: no
    scripts, fonts or images.
    """
    try:
        page = html.render(read_artifacts(artifacts))
    except ReliabilityError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(exc.exit_code) from None
    target = out if out is not None else artifacts / "report.html"
    write_atomically(target, page)
    if output is OutputFormat.JSON:
        echo_json({"written": [{"path": str(target)}]})
    else:
        typer.echo(f"- wrote `{target}`" if output is OutputFormat.MARKDOWN else f"wrote {target}")


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)
