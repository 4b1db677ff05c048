"""Progress as rich bars on stderr: shown while a task runs, erased when the last one ends."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, TaskID, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.progress import Progress as RichProgress

from reliability.telemetry.progress import TaskHandle


class _Bar:
    def __init__(self, bars: RichProgress, task_id: TaskID) -> None:
        self._bars = bars
        self._task_id = task_id

    def advance(self, amount: float = 1) -> None:
        self._bars.advance(self._task_id, amount)


class ProgressBars:
    """A Progress (reliability.telemetry.progress) drawing one bar per open task.

    The display starts with the first open task and stops with the last, so nothing is redrawn
    while the command prints its results.
    """

    def __init__(self, console: Console, *, auto_refresh: bool = True) -> None:
        self._bars = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=True,  # the bars go when done: the results are what stays on screen
            auto_refresh=auto_refresh,
        )
        self._open = 0

    @contextmanager
    def task(self, description: str, total: float | None) -> Iterator[TaskHandle]:
        if not self._open:
            self._bars.start()
        self._open += 1
        task_id = self._bars.add_task(description, total=total)
        try:
            yield _Bar(self._bars, task_id)
        finally:
            self._bars.remove_task(task_id)
            self._open -= 1
            if not self._open:
                self._bars.stop()
