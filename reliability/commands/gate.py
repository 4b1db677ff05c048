"""`reliability gate`: a CI gate on the last run's error budget policy.

Exit 0 when every selected SLO's policy says ok or warn, 1 when the policy says stop (freeze, a spent
budget or a page), 2 when it cannot tell (no data, bad artifacts, an unknown selection). Stop wins over
no data: a known reason to stop stands whatever the silent SLOs would have said.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from reliability import pipeline
from reliability.actions.baseline import margins
from reliability.actions.gate import EXIT_CODES, GateResult, Verdict, decide
from reliability.artifacts.run import read_run
from reliability.commands.modes.gate_baseline import (
    AllowNoDataOption,
    BaselineOption,
    CompareOption,
    MaxSlowerRatioOption,
    MaxWorseOption,
    MaxWorseRatioOption,
    compare_with_baseline,
    show_comparison,
)
from reliability.commands.shared import evaluation_time, reporting_errors
from reliability.config import load_config
from reliability.conventions import Stage
from reliability.ledger import LEDGER_FILE
from reliability.report.gate import heading, render_json, render_markdown, table
from reliability.terminal import progress
from reliability.terminal.options import FormatOption, QuietOption, VerboseOption
from reliability.terminal.output import OutputFormat, echo_verdict

DEFAULT_ARTIFACTS = Path("generated")


def show(result: GateResult, output: OutputFormat) -> None:
    """The verdict in the asked format; on a terminal the table's states are coloured."""
    echo_verdict(
        output,
        lambda: render_json(result),
        lambda: render_markdown(result),
        lambda: heading(result),
        (lambda: table(result)) if result.slos else None,
    )


@contextmanager
def _undecided_on_error(verbose: bool) -> Iterator[None]:
    """One clear line for any failure, and exit 2 whatever it was: to a gate, exit 1 means "stop"."""
    try:
        with reporting_errors(verbose):
            yield
    except typer.Exit as exc:
        raise typer.Exit(EXIT_CODES[Verdict.UNDECIDED] if exc.exit_code else 0) from None
    except BrokenPipeError:  # the reader left before the verdict was out: not a decision to stop
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        raise typer.Exit(EXIT_CODES[Verdict.UNDECIDED]) from None


def _run_pipeline(config_path: Path, out: Path, quiet: bool) -> None:
    config = load_config(config_path)
    options = pipeline.RunOptions(  # hooks: a dry run; recorded like `reliability run`, for history
        now=evaluation_time(None, config),
        out_dir=out,
        progress=progress.for_cli(quiet),
        ledger_path=out / LEDGER_FILE,
    )
    written = pipeline.run(config, options).written
    typer.echo(f"ran the pipeline on {config_path}: wrote {', '.join(map(str, written))}", err=True)


def gate(
    artifacts: Annotated[
        Path, typer.Option("--artifacts", help="The folder of the run's artifacts.")
    ] = DEFAULT_ARTIFACTS,
    service: Annotated[
        list[str] | None, typer.Option("--service", help="Judge this service's SLOs (repeatable).")
    ] = None,
    slo: Annotated[
        list[str] | None, typer.Option("--slo", help="Judge this SLO, as service/name (repeatable).")
    ] = None,
    output: FormatOption = OutputFormat.TABLE,
    run: Annotated[
        Path | None,
        typer.Option(
            "--run",
            metavar="CONFIG",
            help="First run the pipeline on this configuration into --artifacts (hooks only planned).",
        ),
    ] = None,
    quiet: QuietOption = False,
    verbose: VerboseOption = False,
    baseline: BaselineOption = None,
    compare: CompareOption = None,
    max_worse: MaxWorseOption = None,
    max_worse_ratio: MaxWorseRatioOption = None,
    max_slower_ratio: MaxSlowerRatioOption = None,
    allow_no_data: AllowNoDataOption = False,
) -> None:
    """Pass or stop a release on the error budget policy of the last run.

    Exit 0 when every selected SLO's policy state is ok or warn; 1 when the policy says stop (freeze,
    budget exhausted or a page); 2 when it cannot decide (SLOs without data, missing or broken artifacts,
    an unknown --slo or --service). --service and --slo each add SLOs; none given: every SLO.

    With --baseline RUN (a folder of an earlier run's artifacts, or a run id in the ledger) it compares
    instead: exit 1 when an SLI got worse than the margins (or a latency p99 slower), 2 on no data.
    """
    with _undecided_on_error(verbose):
        if run is not None:
            _run_pipeline(run, artifacts, quiet)
        if baseline is not None:
            given = margins(max_worse, max_worse_ratio, max_slower_ratio, allow_no_data)
            chosen = [*(compare or []), *(slo or []), *(f"{name}/*" for name in service or [])]
            compared = compare_with_baseline(baseline, artifacts, chosen, given)
            show_comparison(compared, output)
        else:
            read = read_run(artifacts, (Stage.BUDGETS, Stage.SLA))
            result = decide(read.error_budgets, read.sla_compliance, service or [], slo or [], artifacts)
            show(result, output)
    exit_code = compared.exit_code if baseline is not None else result.exit_code
    if exit_code:
        raise typer.Exit(exit_code)


def register(app: typer.Typer) -> None:
    """Add the `gate` command to the CLI."""
    app.command("gate")(gate)
