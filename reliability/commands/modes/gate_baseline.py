"""`reliability gate --baseline RUN`: its options, reading both runs, and printing the comparison."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Annotated

import typer

from reliability.actions.baseline import Comparison, Margins, compare
from reliability.actions.baseline_runs import baseline_figures, from_folder
from reliability.ledger import LEDGER_FILE
from reliability.report.baseline import heading, render_json, render_markdown, table
from reliability.terminal.output import OutputFormat, echo_verdict

BaselineOption = Annotated[
    str | None,
    typer.Option(
        "--baseline",
        metavar="RUN",
        help="Compare with this earlier run: a folder of its artifacts, or a run id in ARTIFACTS' ledger.",
    ),
]
CompareOption = Annotated[
    list[str] | None,
    typer.Option(
        "--compare",
        metavar="SLO",
        help="With --baseline: compare this SLO id or glob (repeatable; --slo and --service select too).",
    ),
]
MaxWorseOption = Annotated[
    float | None,
    typer.Option("--max-worse", metavar="POINTS", help="With --baseline: percentage points an SLI may drop."),
]
MaxWorseRatioOption = Annotated[
    float | None,
    typer.Option(
        "--max-worse-ratio",
        metavar="RATIO",
        help="With --baseline: relative growth the error ratio may have (0.1: 10% more errors).",
    ),
]
MaxSlowerRatioOption = Annotated[
    float | None,
    typer.Option(
        "--max-slower-ratio", metavar="RATIO", help="With --baseline: relative growth p99 may have."
    ),
]
AllowNoDataOption = Annotated[
    bool,
    typer.Option(
        "--allow-no-data", help="With --baseline: no data in either run passes instead of undecided."
    ),
]


def compare_with_baseline(
    baseline: str, artifacts: Path, patterns: Sequence[str], given: Margins
) -> Comparison:
    return compare(
        baseline_figures(baseline, artifacts / LEDGER_FILE), from_folder(artifacts), patterns, given
    )


def show_comparison(result: Comparison, output: OutputFormat) -> None:
    echo_verdict(
        output,
        lambda: render_json(result),
        lambda: render_markdown(result),
        lambda: heading(result),
        (lambda: table(result)) if result.changes else None,
    )
