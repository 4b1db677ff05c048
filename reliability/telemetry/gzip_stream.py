"""gzip files decompressed by ISA-L (the `isal` package) where it imports: about 3x faster than zlib.

Reading the example's telemetry spends about 0.09 s of CPU in zlib; ISA-L does the same in 0.03 s.
Should the fast decoder fail (a corrupt or truncated file), Arrow's zlib stream takes over from the
same decompressed offset, reading the same raw file: what is read from there and the error, with its
message and its byte position, are then what Arrow alone gives. (A corrupt member's data, handed out
before its check fails at the member's end, comes in other pieces, so the line an error names may
differ.) Without `isal`, Arrow reads it all.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import pyarrow as pa

_SKIP_BYTES = 16 << 20  # what is read at a time when Arrow catches up with the fast decoder


class GzipStream:
    """A readable stream of a gzip file's data, by ISA-L, by Arrow after a failure of ISA-L."""

    def __init__(self, raw: pa.NativeFile, fast: Any) -> None:
        self._raw = raw
        self._fast = fast
        self._given = 0  # decompressed bytes handed out so far
        self._arrow: pa.NativeFile | None = None

    def __enter__(self) -> GzipStream:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def read(self, size: int) -> bytes:
        if self._arrow is None:
            try:
                data: bytes = self._fast.read(size)
            except Exception:  # whatever ISA-L raises, Arrow reads that part again and has its say
                self._arrow = self._arrow_from(self._given)
            else:
                self._given += len(data)
                return data
        arrow_data: bytes = self._arrow.read(size)
        return arrow_data

    def _arrow_from(self, offset: int) -> pa.NativeFile:
        self._raw.seek(0)
        arrow = pa.input_stream(self._raw, compression="gzip")
        while offset:
            skipped = len(arrow.read(min(offset, _SKIP_BYTES)))
            if not skipped:  # Arrow ends sooner: it reads on from there, giving nothing more
                break
            offset -= skipped
        return arrow

    def close(self) -> None:
        self._fast.close()
        if self._arrow is not None:
            self._arrow.close()


def fast_gzip(path: Path, raw: pa.NativeFile) -> GzipStream | None:
    """The file's data by ISA-L when it is gzip and `isal` imports (imported only then); else None."""
    if path.suffix != ".gz":
        return None
    try:
        from isal import igzip
    except ImportError:
        return None
    return GzipStream(raw, igzip.open(raw, "rb"))  # type: ignore[no-untyped-call]
