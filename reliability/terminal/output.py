"""How a command prints its results: the --format choice, and tables styled only on a terminal."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from reliability.terminal.table import Table, render_plain

if TYPE_CHECKING:
    from rich.console import Console


class OutputFormat(StrEnum):
    TABLE = "table"  # text for people: styled on a terminal, plain when piped
    JSON = "json"
    MARKDOWN = "markdown"


def stdout_console() -> Console:
    """rich decides whether stdout is a terminal: a TTY, FORCE_COLOR and TTY_COMPATIBLE say yes;
    a pipe, TERM=dumb (no colour) and NO_COLOR (no colour, symbols kept) are honoured too."""
    from rich.console import Console

    return Console(highlight=False)


def stdout_may_be_terminal() -> bool:
    """False where rich's Console.is_terminal is sure to be: TTY_COMPATIBLE=0, or stdout no TTY with
    neither TTY_COMPATIBLE=1 nor FORCE_COLOR set. Then a piped table skips importing rich (~25 ms)."""
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible == "0":
        return False
    if tty_compatible == "1" or "FORCE_COLOR" in os.environ:
        return True
    isatty = getattr(sys.stdout, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stdout, as rich takes it
        return False


def echo_table(table: Table, console: Console | None = None) -> None:
    """The table with coloured states and symbols on a terminal; the plain text anywhere else."""
    if console is None:
        console = stdout_console() if stdout_may_be_terminal() else None
    if console is None or not console.is_terminal:
        typer.echo(render_plain(table))
        return
    from reliability.terminal.styled import render_styled  # rich's Text: only for a terminal

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
