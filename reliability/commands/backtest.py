"""`reliability backtest`: replay the history for candidate objectives and alert window sets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability import pipeline
from reliability.commands.shared import evaluation_time, reporting_errors
from reliability.config import load_config
from reliability.config.model import Config, Slo
from reliability.config.window_sets import resolved
from reliability.core import backtest as engine
from reliability.core.targets import OBJECTIVE_LADDER
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.report import backtest as text
from reliability.stages.replayable import replayable
from reliability.telemetry.grouped_sources import read_groups
from reliability.telemetry.ingest import load_telemetry
from reliability.terminal import progress
from reliability.terminal.options import ConfigPathArgument, FormatOption, QuietOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_json, echo_table
from reliability.terminal.table import render_markdown
from reliability.vocabulary import Objective


def parse_objectives(listed: str) -> list[float]:
    """'99,99.5' as percents; each must lie in (0, 100). Empty: the `objective: auto` ladder."""
    if not listed.strip():
        return list(OBJECTIVE_LADDER)
    try:
        values = [float(part) for part in listed.split(",") if part.strip()]
    except ValueError:
        raise ReliabilityError(
            f"--objectives: {listed!r} is not a list of percents", EXIT_INVALID_CONFIG
        ) from None
    if not values or any(not 0 < v < 100 for v in values):
        # 100 % leaves no budget: every error would be an infinite overspend, nothing to compare.
        raise ReliabilityError(f"--objectives: {listed!r}: give percents in (0, 100)", EXIT_INVALID_CONFIG)
    return values


def _slo(config: Config, slo_id: str) -> Slo:
    found = config.index.slos.get(slo_id)
    if found is None:
        known = ", ".join(s.id for s in config.slos)
        raise ReliabilityError(f"no SLO {slo_id!r} (known: {known})", EXIT_INVALID_CONFIG)
    return found


def backtest(
    slo_id: Annotated[str, typer.Argument(help="The SLO to replay: service/name.")],
    path: ConfigPathArgument = Path("config"),
    objectives: Annotated[
        str,
        typer.Option(
            "--objectives",
            help="Candidate objectives in percent, comma-separated: 99,99.5,99.9 "
            "(default: the ladder `objective: auto` climbs).",
        ),
    ] = "",
    windows: Annotated[
        str | None,
        typer.Option("--windows", help="Alert window sets, comma-separated (default: the SLO's own)."),
    ] = None,
    now: Annotated[
        str | None, typer.Option(help="End of the replayed history, RFC 3339 (default as for `run`).")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
) -> None:
    """Replay the telemetry history: how each candidate objective would have fared.

    Per candidate: share of period ends (UTC day ends, and calendar period ends) at
    which the SLO was met, the budget left at each, the page and ticket alerts its window
    sets would have fired, pages on low traffic, and each incident's time to page.
    """
    with reporting_errors(verbose):
        candidates_percent = parse_objectives(objectives)
        written = load_config(path)
        grid = pipeline.evaluation_grid(written, evaluation_time(now, written))
        shown = progress.for_cli(quiet)
        grouped = read_groups(written, grid, progress=shown)
        config = grouped.config  # a grouped SLO is backtested per group
        slo = _slo(config, slo_id)
        set_names = [w.strip() for w in (windows or slo.alert_windows).split(",") if w.strip()]
        unknown = [w for w in set_names if w not in config.alert_window_sets]
        if unknown:
            known = ", ".join(sorted(config.alert_window_sets))
            raise ReliabilityError(
                f"--windows: unknown set(s) {', '.join(unknown)} (known: {known})", EXIT_INVALID_CONFIG
            )
        telemetry = load_telemetry(config, grid, progress=shown, already_read=grouped.sources)
        series = replayable(config, slo, telemetry.series, telemetry.grid)
        try:  # a built-in set is scaled to the SLO's period, as run scales it
            window_sets = dict(resolved(name, slo.window, config.alert_window_sets) for name in set_names)
        except ValueError as exc:
            raise ReliabilityError(f"--windows: {exc}", EXIT_INVALID_CONFIG) from None
        ratios = [Objective(percent).ratio for percent in candidates_percent]
        results = engine.backtests(series, grid, ratios, slo.window, window_sets, min_events=slo.min_events)
        report = text.as_json(slo, grid.end, results)
        if output is OutputFormat.JSON:
            echo_json(report)
            return
        table = text.comparison_table(report)
        if output is OutputFormat.MARKDOWN:
            typer.echo(f"**{text.heading(report)}**\n\n{render_markdown(table)}\n\n{text.footnote()}")
            return
        typer.echo(text.heading(report))
        echo_table(table)
        typer.echo("\n".join(["", *text.details(report), "", text.footnote()]))


def register(app: typer.Typer) -> None:
    """Add the `backtest` command to the CLI."""
    app.command("backtest")(backtest)
