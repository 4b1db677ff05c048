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


def iter_line_blocks(
    path: Path,
    *,
    skip_lines: int = 0,
    block_bytes: int = DEFAULT_BLOCK_BYTES,
    on_read: Callable[[int], None] | None = None,
) -> Iterator[LineBlock]:
    """Blocks of whole lines; memory stays within about two blocks whatever the file size.

    `on_read` is told how many more bytes of the file on disk (compressed, as its size counts
    them) each read took: by the end of the file they add up to its size.
    """
    with pa.OSFile(str(path)) as raw, open_stream(path, raw) as stream:
        line = 1
        carry = b""
        skipped = 0
        reported = 0
        while True:
            chunk = stream.read(block_bytes)
            if on_read is not None:
                position = raw.tell()
                on_read(position - reported)
                reported = position
            data = carry + chunk
            if not chunk:
                if data and skipped >= skip_lines:  # else it is the header, without its newline
                    yield LineBlock(data if data.endswith(b"\n") else data + b"\n", line)
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


def read_first_line(path: Path) -> bytes:
    with open_stream(path) as stream:
        head = b""
        while b"\n" not in head:
            chunk = stream.read(65536)
            if not chunk:
                break
            head += chunk
    return head.split(b"\n", 1)[0].rstrip(b"\r")
