"""Run an iterator one step ahead in a thread, so reading and parsing overlap with what uses the items.

Arrow and numpy release the GIL while they work, so on two cores the next block is read and parsed
while the current one is checked and folded. At most `depth` items wait, which bounds the memory.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_POLL_SECONDS = 0.1  # how often a blocked producer looks whether the consumer has gone


class _End:
    """Put after the last item, with the exception that ended the iterator, if any."""

    def __init__(self, error: BaseException | None) -> None:
        self.error = error


def prefetched(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """The items of `items` in order, produced in a thread; its exception is raised here, in place."""
    waiting: queue.Queue[T | _End] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(entry: T | _End) -> bool:
        while not stop.is_set():
            try:
                waiting.put(entry, timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not offer(item):
                    return
        except BaseException as exc:  # handed to the consumer, which raises it where it belongs
            offer(_End(exc))
            return
        offer(_End(None))

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            entry = waiting.get()
            if isinstance(entry, _End):
                if entry.error is not None:
                    raise entry.error
                return
            yield entry
    finally:
        stop.set()  # a consumer that stops early (an error, --strict) releases the producer
        worker.join()
        close = getattr(items, "close", None)
        if close is not None:
            close()  # a generator left early closes its files now, not when collected
