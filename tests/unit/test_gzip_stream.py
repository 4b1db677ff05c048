"""gzip by ISA-L: the same blocks and the same errors as Arrow's zlib, and Arrow alone without isal."""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

import pyarrow as pa
import pytest

from reliability.errors import InputError
from reliability.telemetry.blocks import iter_line_blocks
from reliability.telemetry.gzip_stream import GzipStream, fast_gzip

LINES = b"".join(b"%d,200,0.%03d\n" % (n, n % 1000) for n in range(200_000))
HEADER = b"\xef\xbb\xbfts,status,latency\n"
GOOD = gzip.compress(HEADER + LINES[:1_000_000]) + gzip.compress(LINES[1_000_000:])  # two members


def _flipped(data: bytes) -> bytes:
    spoiled = bytearray(data)
    spoiled[len(spoiled) // 3] ^= 0xFF
    return bytes(spoiled)


def _read(path: Path) -> list[tuple[int, bytes]] | str:
    """The file's blocks (first line, data), or the InputError's message."""
    try:
        return [(b.first_line, b.data) for b in iter_line_blocks(path, skip_lines=1, block_bytes=1 << 20)]
    except InputError as exc:
        return str(exc)


def _without_isal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "isal", None)  # `import isal` now fails, as where it is missing


def test_isal_is_installed_and_reads_gzip() -> None:
    path = Path("any.gz")
    with pa.BufferReader(GOOD) as raw:
        assert isinstance(fast_gzip(path, raw), GzipStream)
        assert fast_gzip(Path("any.csv"), raw) is None


def test_without_isal_arrow_reads_gzip(monkeypatch: pytest.MonkeyPatch) -> None:
    _without_isal(monkeypatch)
    with pa.BufferReader(GOOD) as raw:
        assert fast_gzip(Path("any.gz"), raw) is None


@pytest.mark.parametrize(
    "data",
    [
        GOOD,
        GOOD[:-30],  # truncated
        _flipped(GOOD),  # a corrupt deflate block
        GOOD + b"not gzip at all\n",  # trailing bytes
        b"ts,status,latency\n1,200,0.1\n",  # not compressed
    ],
    ids=["two-members", "truncated", "corrupt", "trailing-bytes", "not-gzip"],
)
def test_blocks_and_errors_are_arrows(data: bytes, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "events.csv.gz"
    path.write_bytes(data)
    by_isal = _read(path)
    _without_isal(monkeypatch)
    by_arrow = _read(path)
    if isinstance(by_arrow, str):
        # The same message and byte; the line is where the blocks had got to, and ISA-L hands out a
        # corrupt member's data in other pieces than Arrow before the member's check fails.
        assert isinstance(by_isal, str)
        assert re.sub(r":\d+: ", ": ", by_isal) == re.sub(r":\d+: ", ": ", by_arrow)
    else:
        assert by_isal == by_arrow
    if data == GOOD:
        assert b"".join(block for _, block in by_isal) == LINES  # the BOM and the header left out
