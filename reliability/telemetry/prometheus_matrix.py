"""The samples of a range answer read in bulk, with no Python object per sample.

Each series' `"values":[[t,"v"],...]` array is found in the raw bytes and cut out; what is left
(statuses and label sets: small) is parsed with json, and the cut arrays are rewritten as one
CSV text of `t,v` lines that Arrow's reader parses in C++. Both columns are checked against the
same grammar as a sample read one by one (a JSON number; a decimal, NaN or ±Inf in a string), so
anything that would not pass that check makes this path decline (None), never guess: the caller
then reads the answer the slow way, which names the exact place of the fault.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

VALUES_KEY = b'"values":['  # as Prometheus, Thanos and Mimir write it: no spaces
PLACEHOLDER = b"NaN"  # a token json only reads through parse_constant, so never mistaken for data
_PAIR_ALPHABET = b'0123456789.eE+-,"\nnNaAiIfFtTyY'  # digits, signs, NaN and Inf(inity) in any case
_JSON_NUMBER = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$"
_SAMPLE_VALUE = r"^(?:[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|(?i:[+-]?inf(?:inity)?|nan))$"
_COLUMNS = ["stamp", "value"]

Float64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CutAnswer:
    """An answer with each `values` array replaced by PLACEHOLDER, and where those arrays were."""

    skeleton: bytes
    arrays: list[tuple[int, int]]  # [start, end) of each array's pairs inside the body, brackets excluded


@dataclass(frozen=True)
class Samples:
    """Every cut array's pairs, one after another; `counts[i]` of them belong to array i."""

    stamps: Float64
    values: Float64
    counts: list[int]


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


def _counts(body: bytes | bytearray, arrays: list[tuple[int, int]]) -> list[int]:
    return [body.count(b"],[", start, end) + 1 if end > start else 0 for start, end in arrays]


def _shaped_as_pairs(lines: bytes, pairs: int) -> bool:
    """Whether each of the `pairs` lines is `t,"v"`, with t and v free of quotes and commas.

    Every line holds a comma followed by a quote and ends with a quote; with exactly two quotes
    and one comma per line on average, and Arrow refusing a line without exactly one comma, a
    line can differ only by holding one quote (an empty value), which Arrow's strings reveal.
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


def _read_columns(text: bytes) -> tuple[pa.ChunkedArray, pa.ChunkedArray] | None:
    try:
        table = pcsv.read_csv(
            pa.py_buffer(text),
            read_options=pcsv.ReadOptions(column_names=_COLUMNS),
            parse_options=pcsv.ParseOptions(quote_char=False, escape_char=False),
            convert_options=pcsv.ConvertOptions(
                column_types=dict.fromkeys(_COLUMNS, pa.string()), strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid:  # a line with more or fewer than one comma
        return None
    return table.column("stamp"), table.column("value")


def _all_match(column: pa.ChunkedArray, pattern: str) -> bool:
    return bool(pc.all(pc.match_substring_regex(column, pattern)).as_py())


def parse_pairs(body: bytes | bytearray, arrays: list[tuple[int, int]]) -> Samples | None:
    """The samples of every cut array, or None when one of them is not a well-formed pair."""
    counts = _counts(body, arrays)
    pairs = sum(counts)
    if not pairs:
        return Samples(np.empty(0), np.empty(0), counts)
    view = memoryview(body)
    lines = b"\n".join(view[start:end] for start, end in arrays if end > start).replace(b"],[", b"\n")
    if not _shaped_as_pairs(lines, pairs):
        return None
    columns = _read_columns(lines.translate(None, b'"'))
    del lines
    if columns is None:
        return None
    stamp_text, value_text = columns
    if len(stamp_text) != pairs or not (
        _all_match(stamp_text, _JSON_NUMBER) and _all_match(value_text, _SAMPLE_VALUE)
    ):
        return None
    try:
        stamps = pc.cast(stamp_text, pa.float64()).to_numpy()
        values = pc.cast(value_text, pa.float64()).to_numpy()
    except pa.ArrowInvalid:
        return None
    if not np.isfinite(stamps).all():  # e.g. 1e999: the sample-by-sample check names it
        return None
    return Samples(stamps, values, counts)
