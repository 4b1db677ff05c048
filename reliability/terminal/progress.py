"""Whether the command line shows progress bars: the readers' protocol is reliability.telemetry.progress."""

from __future__ import annotations

import sys

from reliability.telemetry.progress import NO_PROGRESS, Progress


def for_cli(quiet: bool) -> Progress:
    """Bars on stderr when it is an interactive terminal and --quiet was not given; else nothing.

    A TTY is required, not only FORCE_COLOR: coloured CI logs want colour, not redrawn bars.
    """
    if quiet or not sys.stderr.isatty():
        return NO_PROGRESS
    # Imported here: rich is loaded only when bars may be drawn.
    from rich.console import Console

    from reliability.terminal.progress_bars import ProgressBars

    console = Console(stderr=True)
    return ProgressBars(console) if console.is_interactive else NO_PROGRESS
