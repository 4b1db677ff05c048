"""How a command prints its results: the --format choice, and tables styled only on a terminal."""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import typer
from rich.console import Console

from reliability.terminal.styled import render_styled
from reliability.terminal.table import Table, render_plain


class OutputFormat(StrEnum):
    TABLE = "table"  # text for people: styled on a terminal, plain when piped
    JSON = "json"
    MARKDOWN = "markdown"


def stdout_console() -> Console:
    """rich decides whether stdout is a terminal: a TTY, FORCE_COLOR and TTY_COMPATIBLE say yes;
    a pipe, TERM=dumb (no colour) and NO_COLOR (no colour, symbols kept) are honoured too."""
    return Console(highlight=False)


def echo_table(table: Table, console: Console | None = None) -> None:
    """The table with coloured states and symbols on a terminal; the plain text anywhere else."""
    console = console or stdout_console()
    if not console.is_terminal:
        typer.echo(render_plain(table))
        return
    console.print(render_styled(table, symbols=not console.options.ascii_only), soft_wrap=True)


def echo_verdict(
    output: OutputFormat,
    as_json: Callable[[], str],
    as_markdown: Callable[[], str],
    heading: Callable[[], list[str]],
    table: Callable[[], Table] | None,
) -> None:
    """A gate's verdict in the asked format: JSON, markdown, or its heading and (when there is one) its
    table, coloured on a terminal."""
    if output is OutputFormat.JSON:
        typer.echo(as_json())
    elif output is OutputFormat.MARKDOWN:
        typer.echo(as_markdown())
    else:
        typer.echo("\n".join(heading()))
        if table is not None:
            typer.echo("")
            echo_table(table())


def echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2))
