"""`reliability history`: the trend across recorded runs: per SLO, SLI, budget left, alert and policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from reliability.commands.shared import reporting_errors
from reliability.config import load_config
from reliability.durations import parse_duration
from reliability.errors import EXIT_INVALID_CONFIG, ReliabilityError
from reliability.ledger import LEDGER_FILE, Ledger
from reliability.pipeline import lookback_seconds
from reliability.render.history_changes import (
    ChangeBesideRuns,
    RunTime,
    beside_runs,
    changes_json,
    changes_table,
)
from reliability.render.numbers import percent
from reliability.telemetry.change_events import load_change_events
from reliability.terminal.options import FormatOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_json, echo_table
from reliability.terminal.table import Cell, State, Table, render_markdown
from reliability.timefmt import parse_rfc3339
from reliability.vocabulary import Objective

DEFAULT_LEDGER = Path("generated") / LEDGER_FILE  # where `reliability run` records by default
HEADERS = ("EVALUATED AT", "RUN", "SLO", "SLI", "BUDGET LEFT", "ALERT", "POLICY")


def since_epoch(text: str, now: float) -> float:
    """--since as epoch seconds: an RFC 3339 time, or a duration such as 7d back from `now`."""
    try:
        return parse_rfc3339(text).timestamp()
    except ValueError:
        pass
    try:
        return now - parse_duration(text)
    except ValueError:
        raise ReliabilityError(
            f"--since: {text!r} is neither an RFC 3339 time nor a duration such as 7d", EXIT_INVALID_CONFIG
        ) from None


def _evaluated_epoch(run: dict[str, Any]) -> float:
    return parse_rfc3339(run["evaluated_at"]).timestamp()


def _reference_epoch(now: str | None, runs: list[dict[str, Any]]) -> float:
    """What `--since 7d` counts back from: --now, else the latest run's evaluation time.

    Runs pinned to another evaluation time (a replay, the example) are judged by their own clock.
    """
    if now is None:
        return max(_evaluated_epoch(run) for run in runs)
    try:
        return parse_rfc3339(now).timestamp()
    except ValueError as exc:
        raise ReliabilityError(f"--now: {exc}", EXIT_INVALID_CONFIG) from None


# Alert and policy states as the ledger records them; other (user-named) policy states stay plain.
KNOWN_STATES = {
    s.value: s for s in (State.OK, State.TICKET, State.PAGE, State.NO_DATA, State.WARN, State.FREEZE)
}


def _state(text: str) -> Cell:
    return Cell(text, KNOWN_STATES.get(text))


def table(runs: list[dict[str, Any]]) -> Table:
    return Table(
        HEADERS,
        [
            (
                run["evaluated_at"],
                str(run["id"]),
                slo["slo"],
                percent(slo["sli_ratio"], 3),
                percent(slo["budget_remaining_ratio"], 1),
                _state(slo["alert_state"]),
                _state(slo["policy_state"]),
            )
            for run in runs
            for slo in run["slos"]
        ],
    )


def _slo_json(slo: dict[str, Any]) -> dict[str, Any]:
    """A ledger row with its objective as a ratio, as every other number."""
    percent = slo.pop("objective_percent")
    return slo | {"objective_ratio": None if percent is None else Objective(percent).ratio}


def _run_json(run: dict[str, Any]) -> dict[str, Any]:
    return run | {"slos": [_slo_json(dict(slo)) for slo in run["slos"]]}


def _changes(
    config_path: Path, runs: list[dict[str, Any]], slo: str | None, since: float | None
) -> list[ChangeBesideRuns]:
    """The change events up to the last run, from `since` or else as far back as the first run read,
    of the SLO's service if one is asked for."""
    if not runs:
        return []
    config = load_config(config_path)
    times = [RunTime(run["id"], _evaluated_epoch(run)) for run in runs]
    first, last = min(t.evaluated_at for t in times), max(t.evaluated_at for t in times)
    start = since if since is not None else first - lookback_seconds(config, int(first))
    found = load_change_events(config, int(start), int(last) + 1).events
    service = None if slo is None else slo.partition("/")[0]
    return beside_runs([e for e in found if service in (None, e.service)], times)


def history(
    ledger: Annotated[
        Path, typer.Option("--ledger", metavar="PATH", help="The ledger `reliability run` records in.")
    ] = DEFAULT_LEDGER,
    slo: Annotated[
        str | None, typer.Option("--slo", metavar="ID", help="Only this SLO (service/slo-name).")
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="TIME",
            help="Only runs evaluated at or after this RFC 3339 time, or this long before --now (e.g. 7d).",
        ),
    ] = None,
    now: Annotated[
        str | None,
        typer.Option(
            "--now",
            metavar="TIME",
            help="The moment a --since duration counts back from, RFC 3339 "
            "(default: the latest recorded run's evaluation time, not the clock).",
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            help="Also list the change events (deploys) of this configuration up to the last run shown "
            "(from --since, or the history the first run read), each with the first run after it.",
            show_default=False,
        ),
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    verbose: VerboseOption = False,
) -> None:
    """Show the trend across recorded runs, oldest evaluation first.

    Per succeeded run and SLO: the evaluation time, the run's row in the ledger, the SLI,
    the error budget left, the alert state and the budget policy state.
    """
    with reporting_errors(verbose):
        with Ledger.open(ledger, create=False) as book:
            runs = book.history(slo=slo)
        cutoff = None
        if since is not None and runs:
            cutoff = since_epoch(since, _reference_epoch(now, runs))
            runs = [run for run in runs if _evaluated_epoch(run) >= cutoff]
        changes = None if config is None else _changes(config, runs, slo, cutoff)
        if output is OutputFormat.JSON:
            listed = {} if changes is None else {"changes": changes_json(changes)}
            echo_json({"ledger": str(ledger), "runs": [_run_json(run) for run in runs]} | listed)
            return
        if not runs:
            nothing = (
                f"no succeeded runs in {ledger}"
                + (f" with SLO {slo}" if slo else "")
                + (f" since {since}" if since else "")
            )
            typer.echo(f"- {nothing}" if output is OutputFormat.MARKDOWN else nothing)
        elif output is OutputFormat.MARKDOWN:
            typer.echo(render_markdown(table(runs)))
        else:
            echo_table(table(runs))
        if changes:
            typer.echo("")
            if output is OutputFormat.MARKDOWN:
                typer.echo(render_markdown(changes_table(changes)))
            else:
                echo_table(changes_table(changes))


def register(app: typer.Typer) -> None:
    """Add the `history` command to the CLI."""
    app.command("history")(history)
