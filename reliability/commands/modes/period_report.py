"""`reliability report CONFIG --period 2026-10` (or `--last month|quarter`): one period's compliance,
computed from telemetry, as markdown, CSV or HTML."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reliability.artifacts import write_atomically
from reliability.commands.shared import evaluation_time
from reliability.config import load_config
from reliability.core.grid import evaluation_time as whole_minute
from reliability.core.periods import RELATIVE, Period, last_period, parse_period
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.report import period as rendered
from reliability.stages import period_compliance
from reliability.telemetry.ingest import load_telemetry


class ReportFormat(StrEnum):
    """The run report's messages (table, json, markdown) and a period report's document (md, csv, html)."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    MD = "md"
    CSV = "csv"
    HTML = "html"


DOCUMENT_FORMATS = (ReportFormat.MD, ReportFormat.CSV, ReportFormat.HTML)
BY_SUFFIX = {
    ".md": ReportFormat.MD,
    ".csv": ReportFormat.CSV,
    ".html": ReportFormat.HTML,
    ".htm": ReportFormat.HTML,
}
RENDERERS = {
    ReportFormat.MD: rendered.render_markdown,
    ReportFormat.CSV: rendered.render_csv,
    ReportFormat.HTML: rendered.render_html,
}

ReportFormatOption = Annotated[
    ReportFormat,
    typer.Option(
        "--format",
        help="The run report: what it prints (table, json, markdown). A period report: the document "
        "(md, csv, html; default from --out's suffix, else md).",
    ),
]
ConfigArgument = Annotated[
    Path | None,
    typer.Argument(
        metavar="CONFIG",
        help="With --period or --last: the configuration whose telemetry the period is computed from.",
        show_default=False,
    ),
]
PeriodOption = Annotated[
    str | None,
    typer.Option("--period", metavar="PERIOD", help="A month (2026-10) or a quarter (2026-Q3), in UTC."),
]
LastOption = Annotated[
    str | None,
    typer.Option("--last", metavar="month|quarter", help="The last complete month or quarter before --now."),
]
NowOption = Annotated[
    str | None,
    typer.Option(
        "--now", metavar="RFC3339", help="The evaluation time (default: settings.evaluate_at, else now)."
    ),
]


def asked_for(config: Path | None, period: str | None, last: str | None) -> bool:
    """Whether the command is a period report; refuses half of one."""
    if period is not None and last is not None:
        raise ReliabilityError("give --period or --last, not both", EXIT_INVALID_CONFIG)
    if period is None and last is None:
        if config is not None:
            raise ReliabilityError(
                f"{config}: a configuration is read for a period report only; add --period or --last",
                EXIT_INVALID_CONFIG,
            )
        return False
    if config is None:
        raise ReliabilityError(
            "--period/--last: name the configuration (reliability report CONFIG --period ...)",
            EXIT_INVALID_CONFIG,
        )
    return True


def _period(period: str | None, last: str | None, evaluated_at: int) -> Period:
    try:
        if period is not None:
            return parse_period(period)
        assert last is not None
        return last_period(last.strip().lower(), evaluated_at)
    except ValueError as exc:
        option = "--period" if period is not None else f"--last (one of {', '.join(RELATIVE)})"
        raise ReliabilityError(f"{option}: {exc}", EXIT_INVALID_CONFIG) from None


def document_format(output: ReportFormat, out: Path | None) -> ReportFormat:
    if output in DOCUMENT_FORMATS:
        return output
    if output is ReportFormat.MARKDOWN:
        return ReportFormat.MD
    if output is ReportFormat.JSON:
        raise ReliabilityError("--format json: a period report is md, csv or html", EXIT_INVALID_CONFIG)
    return BY_SUFFIX.get(out.suffix.lower(), ReportFormat.MD) if out is not None else ReportFormat.MD


def run_format(output: ReportFormat) -> ReportFormat:
    """The run report's own --format; md, csv and html name a period report's document only."""
    if output in DOCUMENT_FORMATS:
        raise ReliabilityError(
            f"--format {output.value}: for a period report (CONFIG --period or --last)", EXIT_INVALID_CONFIG
        )
    return output


def period_report(
    config_path: Path,
    period: str | None,
    last: str | None,
    now: str | None,
    output: ReportFormat,
    out: Path | None,
) -> None:
    """Compute the period from telemetry and print it, or write it to `out`."""
    config = load_config(config_path)
    evaluated_at = whole_minute(evaluation_time(now, config))
    chosen = _period(period, last, evaluated_at)
    try:
        grid = period_compliance.period_grid(chosen, evaluated_at)
    except ValueError as exc:
        raise ReliabilityError(f"--period: {exc}", EXIT_INVALID_CONFIG) from None
    telemetry = load_telemetry(config, grid)
    report = period_compliance.build(config, chosen, evaluated_at, grid, telemetry.series)
    text = RENDERERS[document_format(output, out)](report)
    if out is None:
        typer.echo(text, nl=False)
        return
    write_atomically(out, text)
    typer.echo(f"wrote {out}")
