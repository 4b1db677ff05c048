"""Progress of long work, as the telemetry readers report it, without knowing who shows it.

Readers open a task with a planned total and advance it as work gets done. The default shows
nothing; the command line passes bars (reliability.terminal.progress_bars) when a person watches.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol


class TaskHandle(Protocol):
    def advance(self, amount: float = 1) -> None:
        """Record `amount` more units of the task's total as done."""


class Progress(Protocol):
    def task(self, description: str, total: float | None) -> AbstractContextManager[TaskHandle]:
        """A task with `total` units (None: unknown), finished when the context exits."""


class NoTask:
    def advance(self, amount: float = 1) -> None:
        pass


class NoProgress:
    @contextmanager
    def task(self, description: str, total: float | None) -> Iterator[TaskHandle]:
        yield NO_TASK


NO_TASK = NoTask()
NO_PROGRESS = NoProgress()
