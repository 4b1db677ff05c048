"""Memory freed by reading telemetry is handed back to the system: glibc's heaps and Arrow's pool."""

from __future__ import annotations

import platform
import sys
from types import SimpleNamespace

import pytest

from reliability.telemetry import freed_memory


class _Pool:
    def __init__(self) -> None:
        self.released = 0

    def release_unused(self) -> None:
        self.released += 1


def test_glibc_and_arrow_are_asked_to_give_back_what_they_keep(monkeypatch: pytest.MonkeyPatch) -> None:
    trimmed: list[int] = []
    pool = _Pool()
    monkeypatch.setattr(freed_memory, "_malloc_trim", lambda: lambda pad: trimmed.append(pad) or 1)
    monkeypatch.setitem(sys.modules, "pyarrow", SimpleNamespace(default_memory_pool=lambda: pool))
    freed_memory.release_freed_memory()
    assert trimmed == [0]
    assert pool.released == 1


def test_without_malloc_trim_or_arrow_there_is_nothing_to_do(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(freed_memory, "_malloc_trim", lambda: None)
    monkeypatch.delitem(sys.modules, "pyarrow", raising=False)
    freed_memory.release_freed_memory()
    assert "pyarrow" not in sys.modules  # never loaded only to release what it never held


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_glibc_has_malloc_trim() -> None:
    trim = freed_memory._malloc_trim()
    assert trim is not None
    trim(0)
