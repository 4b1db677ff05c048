"""`reliability run`: the pipeline, its artifacts, the summary table, and the metrics exported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability import pipeline, summary
from reliability.commands.shared import evaluation_time, output_folder, reporting_errors
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.exporters import metrics
from reliability.ledger import LEDGER_FILE
from reliability.redact import without_credentials
from reliability.render import run_output
from reliability.report import html as report_html
from reliability.terminal import progress
from reliability.terminal.options import ConfigPathArgument, FormatOption, QuietOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_json, echo_table
from reliability.terminal.table import markdown_bullets, render_markdown
from reliability.timefmt import format_rfc3339


def run(
    path: ConfigPathArgument = Path("config"),
    out: Annotated[Path, typer.Option("--out", help="Folder for the artifacts.")] = Path("generated"),
    now: Annotated[
        str | None,
        typer.Option(
            help="Evaluation time, RFC 3339 (default: settings.evaluate_at, else the current time). "
            "Floored to the whole minute."
        ),
    ] = None,
    until: Annotated[Stage, typer.Option(help="Stop after this stage.")] = Stage.HOOKS,
    execute: Annotated[
        bool, typer.Option("--execute", help="Run the matched hooks (default: only record what would run).")
    ] = False,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict", help="Fail on the first malformed record instead of counting and skipping it."
        ),
    ] = False,
    html_report: Annotated[
        bool,
        typer.Option(
            "--html", help="Also write the HTML report, OUT/report.html, published with the artifacts."
        ),
    ] = False,
    allow_partial: Annotated[
        bool,
        typer.Option(
            "--allow-partial",
            help="Go on when a Prometheus source cannot be read: its SLOs are reported as no data.",
        ),
    ] = False,
    output: FormatOption = OutputFormat.TABLE,
    quiet: QuietOption = False,
    push_gateway: Annotated[
        str | None,
        typer.Option(
            "--push-gateway",
            metavar="URL",
            help="Push the metrics to this Pushgateway after the run: one request, replacing the group.",
        ),
    ] = None,
    push_job: Annotated[
        str, typer.Option("--push-job", help="The job label (the group) of the push.")
    ] = metrics.DEFAULT_PUSH_JOB,
    textfile: Annotated[
        Path | None,
        typer.Option(
            "--textfile",
            metavar="PATH",
            help="Write the metrics to this *.prom file, atomically, for node_exporter's textfile collector.",
        ),
    ] = None,
    ledger: Annotated[
        Path | None,
        typer.Option(
            "--ledger",
            metavar="PATH",
            help=f"Record the run in this SQLite ledger (default: OUT/{LEDGER_FILE}).",
            show_default=False,
        ),
    ] = None,
    no_ledger: Annotated[
        bool, typer.Option("--no-ledger", help="Do not record the run in a ledger.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Run the pipeline: SLIs, SLO targets, error budgets, SLA compliance, hooks.

    Writes one JSON artifact per stage to --out, each checked against its schema, and
    publishes them as one set with manifest.json; a failed run leaves the published set untouched.
    """
    with reporting_errors(verbose):
        metrics.check_destinations(textfile, push_gateway)
        if ledger is not None and no_ledger:
            raise ReliabilityError("give --ledger or --no-ledger, not both", EXIT_INVALID_CONFIG)
        config = load_config(path)
        options = pipeline.RunOptions(
            now=evaluation_time(now, config),
            out_dir=output_folder(out),
            until=until,
            execute=execute,
            strict=strict,
            allow_partial=allow_partial,
            ledger_path=None if no_ledger else (ledger or out / LEDGER_FILE),
            progress=progress.for_cli(quiet),
            html_report=report_html.render if html_report else None,
        )
        result = pipeline.run(config, options)
        exported = metrics.export(
            result.artifacts, textfile, push_gateway, push_job, metrics.slo_labels_of(config)
        )
        table_rows = summary.rows(result.artifacts)
        if output is OutputFormat.JSON:
            destinations = {
                "textfile": None if textfile is None else str(textfile),
                "push_gateway": None if push_gateway is None else without_credentials(push_gateway),
                "push_job": None if push_gateway is None else push_job,
            }
            echo_json(run_output.run_json(result.artifacts, result.written, destinations))
            return
        typer.echo(f"evaluated at {format_rfc3339(result.sli.header.evaluated_at)}")
        notes = [
            *summary.notes(result.artifacts),
            "wrote " + ", ".join(str(p) for p in result.written),
            *exported,
        ]
        if output is OutputFormat.MARKDOWN:
            # Blank lines keep the table, and the list after it, separate blocks.
            table_text = render_markdown(summary.table(table_rows)) + "\n\n" if table_rows else ""
            typer.echo("\n" + table_text + markdown_bullets(notes))
            return
        if table_rows:
            echo_table(summary.table(table_rows))
        for line in notes:
            typer.echo(line)


def register(app: typer.Typer) -> None:
    """Add the `run` command to the CLI."""
    app.command("run")(run)
