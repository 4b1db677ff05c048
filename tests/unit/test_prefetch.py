"""prefetched: the same items in order, an error raised where it happened, a producer released early."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from reliability.telemetry.prefetch import prefetched


def test_items_come_in_order_from_another_thread() -> None:
    threads: set[str] = set()

    def items() -> Iterator[int]:
        for n in range(100):
            threads.add(threading.current_thread().name)
            yield n

    assert list(prefetched(items(), depth=3)) == list(range(100))
    assert threads == {"prefetch"}


def test_an_error_is_raised_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("broken at 3")

    got: list[int] = []
    with pytest.raises(ValueError, match="broken at 3"):
        for item in prefetched(items()):
            got.append(item)
    assert got == [1, 2]


def test_a_consumer_that_stops_early_closes_the_producer() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            n = 0
            while True:
                yield n
                n += 1
        finally:
            closed.set()

    stream = prefetched(items(), depth=1)
    assert [next(stream), next(stream)] == [0, 1]
    stream.close()  # e.g. --strict stopped at a bad record
    assert closed.is_set()
