"""Run independent reads side by side in threads, their results taken back in the order given.

Arrow and numpy release the GIL while they parse and count, so two file sources read at once keep
two cores busy where one after the other leaves one idle for much of the time. The caller takes
the values back in the order it started the reads, so the first read in that order to fail is the
one that raises, and the outcome does not depend on which thread finishes first. When the caller
gives up (an error, Ctrl-C), `stopping` is set: a long read that looks at it ends early instead of
being waited for to the end of its files.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
Item = TypeVar("Item")


class SideBySide(Generic[T]):
    """A context in which `start` runs a read in a thread (at most one per core at a time) and
    hands back what gives its value; leaving the context early cancels the reads not yet started."""

    def __init__(self, workers: int | None = None) -> None:
        from concurrent.futures import ThreadPoolExecutor  # loaded by the runs that read files only

        self._pool = ThreadPoolExecutor(workers or os.cpu_count() or 1, thread_name_prefix="source")
        self.stopping = threading.Event()

    def __enter__(self) -> SideBySide[T]:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        # On an error, the reads still queued are not started; the running ones are told to stop.
        if error is not None:
            self.stopping.set()
        self._pool.shutdown(wait=True, cancel_futures=error is not None)

    def start(self, read: Callable[[], T]) -> Callable[[], T]:
        """The read started; call what comes back for its value (or its exception), waiting for it."""
        return self._pool.submit(read).result


def until_set(stopping: threading.Event, items: Iterator[Item]) -> Iterator[Item]:
    """The items until `stopping` is set: a read nobody waits for any more ends at its next item."""
    for item in items:
        if stopping.is_set():
            close = getattr(items, "close", None)
            if close is not None:
                close()  # its files are closed and its reading thread released now, not when collected
            return
        yield item
