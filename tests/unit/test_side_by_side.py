"""SideBySide: reads run in threads, taken back in start order, and told to stop when the caller gives up."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from reliability.telemetry.side_by_side import SideBySide, until_set


def test_values_come_back_in_start_order_whichever_read_ends_first() -> None:
    first_may_end = threading.Event()

    def slow() -> str:
        first_may_end.wait(5)
        return "first"

    def quick() -> str:
        first_may_end.set()  # the first read ends only after this one ran
        return "second"

    with SideBySide[str](workers=2) as reads:
        taken = [reads.start(slow), reads.start(quick)]
        assert [take() for take in taken] == ["first", "second"]


def test_the_first_read_in_start_order_to_fail_is_the_one_raised() -> None:
    second_failed = threading.Event()

    def fails_late() -> None:
        second_failed.wait(5)
        raise ValueError("first source")

    def fails_early() -> None:
        second_failed.set()
        raise ValueError("second source")

    with pytest.raises(ValueError, match="first source"), SideBySide[None](workers=2) as reads:
        taken = [reads.start(fails_late), reads.start(fails_early)]
        for take in taken:
            take()


def test_an_error_leaves_the_reads_not_yet_started_unstarted() -> None:
    started: list[str] = []

    def read(name: str) -> None:
        started.append(name)
        if name == "a":
            raise ValueError("a failed")
        threading.Event().wait(0.5)  # b, if it started, holds the one worker until c is cancelled

    with pytest.raises(ValueError, match="a failed"), SideBySide[None](workers=1) as reads:
        blocker = threading.Event()
        reads.start(lambda: blocker.wait(5))  # holds the one worker while the rest queue up
        taken = [reads.start(lambda name=name: read(name)) for name in "abc"]
        blocker.set()
        taken[0]()
    assert started[0] == "a" and "c" not in started  # b may have started before the error was seen


def test_stopping_is_set_only_when_the_context_is_left_by_an_error() -> None:
    with SideBySide[None](workers=1) as calm:
        pass
    assert not calm.stopping.is_set()
    with pytest.raises(KeyboardInterrupt), SideBySide[None](workers=1) as interrupted:
        raise KeyboardInterrupt
    assert interrupted.stopping.is_set()


def test_a_read_stops_at_its_next_item_once_stopping_is_set_and_closes_its_source() -> None:
    stopping = threading.Event()
    closed = threading.Event()

    def chunks() -> Iterator[int]:
        try:
            yield from range(1_000)
        finally:
            closed.set()

    taken = []
    for chunk in until_set(stopping, chunks()):
        taken.append(chunk)
        if chunk == 2:
            stopping.set()
    assert taken == [0, 1, 2] and closed.is_set()
