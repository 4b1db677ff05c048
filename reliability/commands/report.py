"""`reliability report`: one self-contained HTML page from the last run's artifacts."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability.artifacts import publication, write_atomically
from reliability.artifacts.run import read_run
from reliability.commands.modes.period_report import (
    ConfigArgument,
    LastOption,
    NowOption,
    PeriodOption,
    ReportFormat,
    ReportFormatOption,
    asked_for,
    period_report,
    run_format,
)
from reliability.commands.shared import reporting_errors
from reliability.conventions import REPORT_FILE, Stage
from reliability.report import html
from reliability.terminal.output import OutputFormat, echo_json

DEFAULT_ARTIFACTS = Path("generated")


def report(
    config: ConfigArgument = None,
    artifacts: Annotated[
        Path, typer.Option("--artifacts", help="The folder of the run's artifacts.")
    ] = DEFAULT_ARTIFACTS,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="The file to write: HTML, or a period report.", show_default=False),
    ] = None,
    output: ReportFormatOption = ReportFormat.TABLE,
    period: PeriodOption = None,
    last: LastOption = None,
    now: NowOption = None,
) -> None:
    """Write one self-contained HTML report of the last run (default ARTIFACTS/report.html).

    An overview of every SLO and, per SLO, its budget burn-down, daily SLI, burn rates against the
    alert thresholds, the alerts that fired, its SLA and the top budget consumers. Opens offline: no
    scripts, fonts or images. Written into the artifacts' folder, it is published with them (their
    manifest.json lists it); written elsewhere, it replaces the file atomically.

    With CONFIG and --period (2026-10, 2026-Q3) or --last month|quarter: that period's compliance per
    SLO and SLA, computed from telemetry, as markdown, CSV or HTML (--format md|csv|html), printed or
    written to --out.
    """
    with reporting_errors(False):
        if asked_for(config, period, last):
            assert config is not None
            period_report(config, period, last, now, output, out)
            return
        printed = OutputFormat(run_format(output).value)
        run = read_run(artifacts, optional=(Stage.SLA,))  # a run may stop before SLA
        page = html.render(run.artifacts)
        target = out if out is not None else artifacts / REPORT_FILE
        if _same_file(target, artifacts / REPORT_FILE):
            publication.add_to_published(artifacts, run.run_id, REPORT_FILE, page)
        else:
            write_atomically(target, page)
    if printed is OutputFormat.JSON:
        echo_json({"written": [{"path": str(target)}]})
    else:
        typer.echo(f"- wrote `{target}`" if printed is OutputFormat.MARKDOWN else f"wrote {target}")


def _same_file(path: Path, other: Path) -> bool:
    return path.resolve() == other.resolve()


def register(app: typer.Typer) -> None:
    app.command(name="report")(report)
