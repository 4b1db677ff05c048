"""The samples of a range answer read in bulk, with no Python object per sample.

Each series' `"values":[[t,"v"],...]` array is found in the raw bytes and cut out; what is left
(statuses and label sets: small) is parsed with json, and the cut arrays are rewritten as one
CSV text of `t,v` lines that Arrow's reader parses in C++. The text is first checked, with a few
passes of bytes.count and find, to hold only what the sample-by-sample reader accepts (a JSON
number; a decimal, NaN or ±Inf in a string): anything else makes this path decline (None), never
guess, and the caller then reads the answer the slow way, which names the exact place of the fault.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.csv as pcsv

VALUES_KEY = b'"values":['  # as Prometheus, Thanos and Mimir write it: no spaces
PLACEHOLDER = b"NaN"  # a token json only reads through parse_constant, so never mistaken for data
_PAIR_ALPHABET = b'0123456789.eE+-,"\nnNaAiIfFtTyY'  # digits, signs, NaN and Inf(inity) in any case
# Arrow reads a float as [+-]?(d+[.d*]|.d+)([eE][+-]?d+)?, or nan / inf / infinity in any case and
# with a sign. A JSON number has no +, no leading zero and no dot without digits on both sides, and
# the sample-by-sample reader takes no signed NaN: spellings with any of these are left to it.
# Each refused spelling, under a byte it holds: a byte absent from the text (one fast memchr)
# spares the searches for its two-byte spellings. A line starts with its timestamp.
_REFUSED_SPELLINGS = {
    b"+": (b"\n+", b"+n", b"+N"),
    b"-": (b"-.", b"-n", b"-N"),
    b".": (b"\n.", b".,"),
    b"e": (b".e",),
    b"E": (b".E",),
}
_LEADING_ZEROS = (b"\n0", b"\n-0")
_DIGITS = frozenset(b"0123456789")
_COLUMNS = ["stamp", "value"]

Float64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CutAnswer:
    """An answer with each `values` array replaced by PLACEHOLDER, and where those arrays were."""

    skeleton: bytes
    arrays: list[tuple[int, int]]  # [start, end) of each array's pairs inside the body, brackets excluded


Pairs = tuple[Float64, Float64]  # one array's timestamps and values
BATCH_BYTES = 32 * 2**20  # arrays read together: bounds the rewritten text held besides the answer


def cut_values(body: bytes | bytearray) -> CutAnswer | None:
    """The answer with its values arrays cut out, or None when one is not written the usual way."""
    view = memoryview(body)
    pieces: list[memoryview] = []
    arrays: list[tuple[int, int]] = []
    last = 0
    found = body.find(VALUES_KEY)
    while found >= 0:
        opening = found + len(VALUES_KEY) - 1
        if body.startswith(b"[]", opening):
            end = opening + 2
        elif body.startswith(b"[[", opening):
            end = body.find(b"]]", opening) + 2  # no value holds a bracket, so the first ]] ends it
            if end <= opening + 4:  # no ]] at all, or [[]]: not pairs
                return None
        else:
            return None
        pieces.append(view[last:opening])
        arrays.append((opening + 2, end - 2))  # inside [[ and ]]: t,"v"],[t,"v"],...,[t,"v"
        last = end
        found = body.find(VALUES_KEY, end)
    pieces.append(view[last:])
    return CutAnswer(PLACEHOLDER.join(pieces), arrays)


def _shaped_as_pairs(lines: bytes, pairs: int) -> bool:
    """Whether each of the `pairs` lines is `t,"v"`, with t and v free of quotes and commas.

    Every line holds a comma followed by a quote and ends with a quote; with exactly two quotes
    and one comma per line on average, and Arrow refusing a line without exactly one comma, a
    line can differ only by holding one quote (an empty value), which Arrow refuses as a float.
    """
    return (
        lines.endswith(b'"')
        and lines.count(b"\n") == pairs - 1
        and lines.count(b'"\n') == pairs - 1
        and lines.count(b",") == pairs
        and lines.count(b',"') == pairs
        and lines.count(b'"') == 2 * pairs
        and not lines.translate(None, _PAIR_ALPHABET)
    )


def _spelled_as_read(lines: bytes) -> bool:
    """Whether Arrow's float reading of every timestamp and value is what the JSON grammar allows."""
    edges = (b"\n" + lines[:3], lines)  # the first line has no newline before it
    for text in edges:
        for byte, spellings in _REFUSED_SPELLINGS.items():
            if byte in text and any(spelling in text for spelling in spellings):
                return False
    for text in edges:
        for pattern in _LEADING_ZEROS:
            found = text.find(pattern)
            while found >= 0:  # 0 is a timestamp, 01 is not JSON
                after = found + len(pattern)
                if after < len(text) and text[after] in _DIGITS:
                    return False
                found = text.find(pattern, after)
    return True


def _read_columns(text: bytes) -> tuple[Float64, Float64] | None:
    try:
        table = pcsv.read_csv(
            pa.py_buffer(text),
            read_options=pcsv.ReadOptions(column_names=_COLUMNS),
            parse_options=pcsv.ParseOptions(quote_char=False, escape_char=False),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(_COLUMNS, pa.float64()), null_values=[]
            ),
        )
    except pa.ArrowInvalid:  # a line with more or fewer than one comma, or not a number
        return None
    if any(column.null_count for column in table.columns):
        return None
    return _floats(table.column("stamp")), _floats(table.column("value"))


def _floats(column: pa.ChunkedArray) -> Float64:
    """A float column without nulls as numpy, over Arrow's own buffers: to_numpy() would import pandas."""
    parts = [
        np.frombuffer(chunk.buffers()[1], np.float64, len(chunk), chunk.offset * 8)
        for chunk in column.chunks
        if len(chunk)
    ]
    return parts[0] if len(parts) == 1 else np.concatenate(parts or [np.empty(0)])


def _batches(arrays: list[tuple[int, int]]) -> list[list[tuple[int, int]]]:
    """Consecutive arrays grouped up to BATCH_BYTES of text (one larger array makes a batch alone)."""
    batches: list[list[tuple[int, int]]] = [[]]
    size = 0
    for start, end in arrays:
        if batches[-1] and size + end - start > BATCH_BYTES:
            batches.append([])
            size = 0
        batches[-1].append((start, end))
        size += end - start
    return batches


def _parse_batch(body: bytes | bytearray, arrays: list[tuple[int, int]]) -> list[Pairs] | None:
    counts = [body.count(b"],[", start, end) + 1 if end > start else 0 for start, end in arrays]
    pairs = sum(counts)
    if not pairs:
        return [(np.empty(0), np.empty(0)) for _ in arrays]
    view = memoryview(body)
    lines = b"\n".join(view[start:end] for start, end in arrays if end > start).replace(b"],[", b"\n")
    if not (_shaped_as_pairs(lines, pairs) and _spelled_as_read(lines)):
        return None
    columns = _read_columns(lines.translate(None, b'"'))
    del lines
    if columns is None:
        return None
    stamps, values = columns
    if len(stamps) != pairs or not np.isfinite(stamps).all():  # e.g. 1e999: the slow reader names it
        return None
    ends = np.cumsum(counts).tolist()
    return [
        (stamps[end - count : end], values[end - count : end])
        for count, end in zip(counts, ends, strict=True)
    ]


def parse_pairs(body: bytes | bytearray, arrays: list[tuple[int, int]]) -> list[Pairs] | None:
    """The samples of each cut array, or None when one of them is not a well-formed pair.

    Read in batches, so the rewritten text never holds much more than BATCH_BYTES.
    """
    found: list[Pairs] = []
    for batch in _batches(arrays):
        read = _parse_batch(body, batch)
        if read is None:
            return None
        found += read
    return found
