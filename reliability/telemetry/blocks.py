"""Read a text file (plain or compressed) as blocks of whole lines, with line numbers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

DEFAULT_BLOCK_BYTES = 16 << 20
COMPRESSION_BY_SUFFIX = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
_WHITESPACE = np.array([9, 10, 13, 32], dtype=np.uint8)
UTF8_BOM = b"\xef\xbb\xbf"  # spreadsheet exports start with it; it is not part of the first field


@dataclass(frozen=True)
class LineBlock:
    data: bytes  # whole lines, the last one ending in a newline
    first_line: int  # 1-based number of the block's first line in its file

    def record_lines(self, *, whitespace_is_blank: bool) -> npt.NDArray[np.int64]:
        """Line numbers of the block's non-blank lines, in order (one record each)."""
        raw = np.frombuffer(self.data, dtype=np.uint8)
        ends = np.flatnonzero(raw == 10)
        starts = np.concatenate(([0], ends[:-1] + 1))
        if whitespace_is_blank:
            content = np.concatenate(([0], np.cumsum(~np.isin(raw, _WHITESPACE))))
            filled = content[ends] - content[starts] > 0
        else:
            length = ends - starts
            ends_in_cr = (length > 0) & (raw[np.maximum(ends - 1, 0)] == 13)
            filled = length - ends_in_cr > 0
        return (np.flatnonzero(filled) + self.first_line).astype(np.int64)


def open_stream(path: Path, raw: pa.NativeFile | None = None) -> pa.NativeFile:
    """A byte stream, decompressed by extension (.gz, .bz2, .zst, .lz4); of `raw` when given."""
    return pa.input_stream(raw or str(path), compression=COMPRESSION_BY_SUFFIX.get(path.suffix))


class _DiskProgress:
    """Tells `on_read` the bytes on disk read so far, once the reader is done with their lines."""

    def __init__(self, raw: pa.NativeFile, on_read: Callable[[int], None] | None) -> None:
        self._raw = raw
        self._on_read = on_read
        self._told = 0

    def tell(self) -> None:
        if self._on_read is None:
            return
        position = self._raw.tell()
        if position > self._told:
            self._on_read(position - self._told)
            self._told = position


def iter_line_blocks(
    path: Path,
    *,
    skip_lines: int = 0,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[LineBlock]:
    """Blocks of whole lines; memory stays within about two blocks whatever the file size.

    `on_read` is told how many more bytes of the file on disk (compressed, as its size counts
    them) are done each time the caller asks for the next block: by the end they add up to its size.
    """
    with pa.OSFile(str(path)) as raw, open_stream(path, raw) as stream:
        progress = _DiskProgress(raw, on_read)
        line = 1
        carry = stream.read(len(UTF8_BOM)).removeprefix(UTF8_BOM)
        skipped = 0
        while True:
            chunk = stream.read(block_bytes)
            data = carry + chunk
            if not chunk:
                if data and skipped >= skip_lines:  # else it is the header, without its newline
                    yield LineBlock(data if data.endswith(b"\n") else data + b"\n", line)
                progress.tell()
                return
            cut = data.rfind(b"\n") + 1
            carry = data[cut:]
            whole = data[:cut]
            while skipped < skip_lines and whole:
                end = whole.find(b"\n") + 1
                whole = whole[end:]
                skipped += 1
                line += 1
            if whole:
                yield LineBlock(whole, line)
                line += whole.count(b"\n")
                progress.tell()


def read_first_line(path: Path) -> bytes:
    with open_stream(path) as stream:
        head = b""
        while b"\n" not in head:
            chunk = stream.read(65536)
            if not chunk:
                break
            head += chunk
    return head.split(b"\n", 1)[0].rstrip(b"\r").removeprefix(UTF8_BOM)
