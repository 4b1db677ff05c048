"""Run independent reads side by side in threads, their results taken back in the order given.

Arrow and numpy release the GIL while they parse and count, so two file sources read at once keep
two cores busy where one after the other leaves one idle for much of the time. The caller takes
the values back in the order it started the reads, so the first read in that order to fail is the
one that raises, and the outcome does not depend on which thread finishes first.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")


class SideBySide(Generic[T]):
    """A context in which `start` runs a read in a thread (at most one per core at a time) and
    hands back what gives its value; leaving the context early cancels the reads not yet started."""

    def __init__(self, workers: int | None = None) -> None:
        self._pool = ThreadPoolExecutor(workers or os.cpu_count() or 1, thread_name_prefix="source")

    def __enter__(self) -> SideBySide[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # On an error, the reads still queued are not started; the running ones are waited for.
        self._pool.shutdown(wait=True, cancel_futures=error is not None)

    def start(self, read: Callable[[], T]) -> Callable[[], T]:
        """The read started; call what comes back for its value (or its exception), waiting for it."""
        return self._pool.submit(read).result
