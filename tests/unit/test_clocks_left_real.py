"""The suite's check that a test leaves the clocks as it found them (tests/conftest.py)."""

from __future__ import annotations

import time

import pytest
from freezegun import freeze_time
from support.clocks import patched_clocks


def test_a_running_freeze_time_is_seen_and_its_stop_clears_it() -> None:
    clock = freeze_time("2026-11-05T12:00:00Z")
    clock.start()
    try:
        found = patched_clocks()
    finally:
        clock.stop()
    assert set(found) >= {"time.time", "time.monotonic", "time.perf_counter", "datetime.datetime"}
    assert patched_clocks() == []


def test_a_replaced_time_function_is_seen_until_put_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "perf_counter", lambda: 0.0)
    assert patched_clocks() == ["time.perf_counter"]
    monkeypatch.undo()
    assert patched_clocks() == []
