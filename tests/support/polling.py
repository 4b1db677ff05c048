"""Waiting on a condition the way the tests do: poll it often, fail with its name at a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

DEADLINE_SECONDS = 60.0  # generous: reached only when something is wrong, never on a slow machine
INTERVAL_SECONDS = 0.02


def poll(what: str, attempt: Callable[[], T | None], deadline_seconds: float = DEADLINE_SECONDS) -> T:
    """The first value `attempt` returns other than None; an assertion naming `what` at the deadline."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        found = attempt()
        if found is not None:
            return found
        assert time.monotonic() < deadline, f"never: {what}"
        time.sleep(INTERVAL_SECONDS)
