"""Read a text file (plain or compressed) as blocks of whole lines, with line numbers.

A line that cannot be a record (longer than MAX_RECORD_BYTES, not UTF-8, holding a NUL byte or a
bare carriage return) is blanked in the block's data and listed in `LineBlock.dropped` with its line
and why, so every parser skips and counts it the same way; a file that cannot be read at all (not a
regular file, corrupt compression) is an InputError naming the file and where it broke.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from reliability.errors import InputError, Problem
from reliability.files import regular_file_problem
from reliability.telemetry.gzip_stream import GzipStream, fast_gzip

DEFAULT_BLOCK_BYTES = 16 << 20
MAX_RECORD_BYTES = 1 << 20  # a record longer than this is skipped, and never held in memory whole
# What Arrow's readers chunk a block by: larger than any record, so no record straddles two chunks.
ARROW_BLOCK_BYTES = 4 * MAX_RECORD_BYTES
COMPRESSION_BY_SUFFIX = {".gz": "gzip", ".bz2": "bz2", ".zst": "zstd", ".lz4": "lz4"}
_IS_WHITESPACE = np.isin(np.arange(256), [9, 10, 13, 32])  # by byte value: tab, LF, CR, space
UTF8_BOM = b"\xef\xbb\xbf"  # spreadsheet exports start with it; it is not part of the first field
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

DroppedLine = tuple[int, str]  # (line, why it cannot be a record)


@dataclass(frozen=True)
class LineBlock:
    data: bytes  # whole lines, the last one ending in a newline
    first_line: int  # 1-based number of the block's first line in its file
    dropped: tuple[DroppedLine, ...] = ()  # lines blanked in `data`: not readable as a record

    def record_lines(self, *, whitespace_is_blank: bool) -> npt.NDArray[np.int64]:
        """Line numbers of the block's non-blank lines, in order (one record each)."""
        if not self.data:
            return np.zeros(0, dtype=np.int64)
        raw = np.frombuffer(self.data, dtype=np.uint8)
        ends, starts = line_bounds(self.data)
        if whitespace_is_blank:
            filled = ~_IS_WHITESPACE[raw[starts]]  # a line starting with a record byte is a record
            if not filled.all():  # only then look at every byte: empty or indented lines are rare
                filled = np.logical_or.reduceat(~_IS_WHITESPACE[raw], starts)  # each line and its newline
        else:
            length = ends - starts
            ends_in_cr = (length > 0) & (raw[np.maximum(ends - 1, 0)] == 13)
            filled = length - ends_in_cr > 0
        if filled.all():  # the common case
            return np.arange(self.first_line, self.first_line + len(ends), dtype=np.int64)
        return (np.flatnonzero(filled) + self.first_line).astype(np.int64)

    def line_count(self) -> int:
        return count_lines(self.data)


def count_lines(data: bytes) -> int:
    """Newlines in `data`: numpy counts them several times faster than bytes.count."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == 10))


def _open_raw(path: Path) -> pa.NativeFile:
    problem = regular_file_problem(path)  # checked first: opening a FIFO would wait for a writer
    if problem is not None:
        raise InputError(f"{path}: {problem}", [Problem(str(path), problem)])
    try:
        return pa.OSFile(str(path))
    except OSError as exc:
        raise InputError(f"{path}: cannot open: {exc}", [Problem(str(path), f"cannot open: {exc}")]) from None


def open_stream(path: Path, raw: pa.NativeFile | None = None) -> pa.NativeFile:
    """A byte stream, decompressed by extension (.gz, .bz2, .zst, .lz4); of `raw` when given."""
    if raw is None:
        _open_raw(path).close()  # the checks and errors of opening it; Arrow then opens it by name
    return pa.input_stream(raw or str(path), compression=COMPRESSION_BY_SUFFIX.get(path.suffix))


class _Reader:
    """Reads the stream; a corrupt or truncated compressed file is an InputError saying where."""

    def __init__(self, path: Path, raw: pa.NativeFile, stream: pa.NativeFile | GzipStream) -> None:
        self._path, self._raw, self._stream = path, raw, stream

    def read(self, size: int, line: int) -> bytes:
        try:
            data: bytes = self._stream.read(size)
        except (OSError, pa.ArrowInvalid) as exc:
            compression = COMPRESSION_BY_SUFFIX.get(self._path.suffix, "plain")
            message = f"cannot read the {compression} data at byte {self._raw.tell()} of the file: {exc}"
            problem = Problem(str(self._path), message, line)
            raise InputError(str(problem), [problem]) from None
        return data


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


def _too_long(line: int) -> DroppedLine:
    return line, f"record longer than {MAX_RECORD_BYTES} bytes"


def _first_per_line(
    positions: npt.NDArray[np.intp], ends: npt.NDArray[np.intp], starts: npt.NDArray[np.int64]
) -> dict[int, int]:
    """Line index -> 1-based column of the first of `positions` on that line."""
    if not positions.size:
        return {}
    lines = np.searchsorted(ends, positions)
    unique, first = np.unique(lines, return_index=True)
    return {int(i): int(positions[f] - starts[i]) + 1 for i, f in zip(unique, first, strict=True)}


def unreadable_lines(data: bytes, first_line: int) -> tuple[bytes, list[DroppedLine]]:
    """`data` (whole lines) with every line that cannot be a record blanked, and those lines."""
    if b"\0" not in data and b"\r" not in data and data.isascii() and not _has_long_line(data):
        return data, []  # the common case: four searches at memory speed, no scan of the lines
    raw = np.frombuffer(data, dtype=np.uint8)
    ends, starts = line_bounds(data)
    why: dict[int, str] = {}
    if len(data) > MAX_RECORD_BYTES:
        for index in np.flatnonzero(ends - starts > MAX_RECORD_BYTES).tolist():
            why[index] = _too_long(first_line + index)[1]
    if b"\0" in data:  # searches at memory speed skip the scans in the common case
        for index, column in _first_per_line(np.flatnonzero(raw == 0), ends, starts).items():
            why.setdefault(index, f"NUL byte at column {column} (binary data?)")
    if b"\r" in data:
        carriage = np.flatnonzero(raw == 13)
        bare = carriage[raw[carriage + 1] != 10]  # data ends in a newline: +1 stays inside
        for index, column in _first_per_line(bare, ends, starts).items():
            why.setdefault(index, f"bare carriage return at column {column} (lines end in LF or CRLF)")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:  # only such blocks pay for a look at each line
        for index, text in enumerate(data.split(b"\n")[: len(ends)]):
            if index in why:
                continue
            try:
                text.decode("utf-8")
            except UnicodeDecodeError as exc:
                why[index] = f"invalid UTF-8 (byte 0x{text[exc.start]:02x} at column {exc.start + 1})"
    return blank_lines(data, first_line, why)


def _has_long_line(data: bytes) -> bool:
    """Whether a line of `data` (whole lines) is longer than MAX_RECORD_BYTES: one search per MiB."""
    start = 0
    while len(data) - start > MAX_RECORD_BYTES + 1:
        newline = data.rfind(b"\n", start, start + MAX_RECORD_BYTES + 1)
        if newline < 0:
            return True
        start = newline + 1
    return False


def line_bounds(data: bytes) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64]]:
    """(ends, starts) of the lines of `data` (whole lines): the index of each newline and of each start."""
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)
    return ends, np.concatenate(([0], ends[:-1] + 1)).astype(np.int64)


def blank_lines(data: bytes, first_line: int, why: dict[int, str]) -> tuple[bytes, list[DroppedLine]]:
    """`data` with the lines whose index is in `why` emptied (newline kept), and those lines with why."""
    if not why:
        return data, []
    ends, starts = line_bounds(data)
    pieces, taken = [], 0
    for index in sorted(why):
        pieces.append(data[taken : starts[index]])
        taken = int(ends[index])  # keep the newline: the blank line keeps the numbering
    pieces.append(data[taken:])
    return b"".join(pieces), [(first_line + i, why[i]) for i in sorted(why)]


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
    with _open_raw(path) as raw, fast_gzip(path, raw) or open_stream(path, raw) as stream:
        reader = _Reader(path, raw, stream)
        progress = _DiskProgress(raw, on_read)
        line = 1  # the number of the line `carry` starts
        carry = reader.read(len(UTF8_BOM), line).removeprefix(UTF8_BOM)
        skipped = 0
        dropped: list[DroppedLine] = []  # too long to carry: told with the next block
        discarding = False  # inside a line too long to keep: its bytes are dropped up to its newline
        while True:
            chunk = reader.read(block_bytes, line)
            if discarding and chunk:
                newline = chunk.find(b"\n")
                if newline < 0:
                    continue
                chunk, discarding = chunk[newline:], False  # the long line stays, as a blank one
            data = carry + chunk
            if not chunk:
                if data and skipped >= skip_lines:  # else it is the header, without its newline
                    yield _block(data if data.endswith(b"\n") else data + b"\n", line, dropped)
                elif dropped:
                    yield LineBlock(b"\n", line, tuple(dropped))
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
                yield _block(whole, line, dropped)
                dropped = []
                line += count_lines(whole)
                progress.tell()
            if len(carry) > MAX_RECORD_BYTES:
                dropped.append(_too_long(line))
                carry, discarding = b"", True


def _block(data: bytes, first_line: int, dropped: list[DroppedLine]) -> LineBlock:
    clean, unreadable = unreadable_lines(data, first_line)
    return LineBlock(clean, first_line, tuple(sorted([*dropped, *unreadable])))


def read_first_line(path: Path) -> bytes | None:
    """The first line (a CSV header), without its line ending; InputError if it cannot be one.

    None for a file of no bytes at all (once decompressed), as log rotation leaves them.
    """
    with _open_raw(path) as raw, open_stream(path, raw) as stream:
        reader = _Reader(path, raw, stream)
        head = b""
        while b"\n" not in head and len(head) <= MAX_RECORD_BYTES:
            chunk = reader.read(65536, 1)
            if not chunk:
                break
            head += chunk
    if not head:
        return None
    if head.startswith(_UTF16_BOMS):
        raise _header_error(
            path, "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"
        )
    first = head.split(b"\n", 1)[0]
    if len(first) > MAX_RECORD_BYTES:
        raise _header_error(path, f"the first line is longer than {MAX_RECORD_BYTES} bytes")
    _, unreadable = unreadable_lines(first.rstrip(b"\r") + b"\n", 1)
    if unreadable:
        raise _header_error(path, f"the header line cannot be read: {unreadable[0][1]}")
    return first.rstrip(b"\r").removeprefix(UTF8_BOM)


def _header_error(path: Path, message: str) -> InputError:
    problem = Problem(str(path), message, 1)
    return InputError(str(problem), [problem])
