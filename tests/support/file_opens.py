"""Count how often each input file is opened: every reader opens files through blocks._open_raw."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from reliability.telemetry import blocks


def counting_opens(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Opens by file name from now on (the test's monkeypatch undoes the counting)."""
    opens: Counter[str] = Counter()
    open_raw = blocks._open_raw

    def counted(path: Path) -> pa.NativeFile:
        opens[Path(path).name] += 1
        return open_raw(path)

    monkeypatch.setattr(blocks, "_open_raw", counted)
    return opens
