"""Command-line options every command that prints results or loads telemetry shares."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reliability.terminal.output import OutputFormat

FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        help="table: text, coloured on a terminal (NO_COLOR honoured); json; markdown (CI summaries).",
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option("--quiet", "-q", help="No progress bars (they show only when stderr is a terminal)."),
]
VerboseOption = Annotated[
    bool, typer.Option("--verbose", "-v", help="Show every problem and, on internal errors, the traceback.")
]
ConfigPathArgument = Annotated[
    Path, typer.Argument(help="A configuration file, or a folder of *.yaml files.")
]
