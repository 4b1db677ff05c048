"""Indented JSON, byte for byte as `json.dumps(data, indent=2, allow_nan=False)` writes it, in C.

The standard library's C encoder cannot indent, so indented text runs its pure-Python encoder:
0.12 s of CPU for the bundled example's artifacts, as much as a stage; this takes 0.03 s, most of
it the C encoder's check below. orjson lays the text out the same way; where its text would
differ, it is mended or not used:
- a float below 1e-4 (orjson `0.0000123`, `1.5e-6`; Python `1.23e-05`, `1.5e-06`) is written
  again with Python's repr: the digits are the same shortest round trip, only the form differs;
- text that is not ASCII, or holds DEL (which Python escapes as \\uXXXX), keys that are not text,
  integers beyond 64 bits: the standard library writes the whole document;
- NaN and Infinity, which orjson writes as null: the standard library's C encoder checks the data
  first and refuses them (and anything else it cannot write) as before.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# Where a number whose orjson form differs from Python's ends: a decimal below 1e-4, or an exponent
# of one digit. In indented text every number ends its line (a comma may follow) and starts after a
# space (": " or the indentation) or at the start of the text; a string holds no raw newline. Each
# pattern starts with a literal, which the regular expression engine finds fast.
_DIFFERENT_NUMBER_ENDS = (re.compile(rb"0\.0000\d+(?=,?\n|\Z)"), re.compile(rb"e-\d(?=,?\n|\Z)"))
_DIFFERENT_NUMBER = re.compile(rb"-?(?:0\.0000\d+|\d(?:\.\d+)?e-\d)")


def mended(text: bytes) -> bytes:
    """orjson's text with each float that Python writes differently written with Python's repr.

    The standard library's own text holds none of those forms: it comes back as it is, as does
    text with nothing to mend (no copy: an artifact's text can be a hundred megabytes).
    """
    ends = sorted(match.end() for pattern in _DIFFERENT_NUMBER_ENDS for match in pattern.finditer(text))
    if not ends:
        return text
    view = memoryview(text)
    pieces: list[bytes | memoryview] = []
    done = 0
    for end in ends:
        start = text.rfind(b" ", 0, end) + 1
        # Not a whole number token (inside a string, or the tail of 10.00001): left as it is.
        if start >= done and _DIFFERENT_NUMBER.fullmatch(text, start, end):
            pieces += [view[done:start], repr(float(text[start:end])).encode()]
            done = end
    pieces.append(view[done:])
    return b"".join(pieces)


def written(data: Any) -> bytes:
    """`data` as indented ASCII text and a newline, before `mended`; its errors are json.dumps'."""
    json.dumps(data, allow_nan=False)  # the C encoder: refuses NaN, Infinity and what JSON cannot hold
    try:
        text = orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    except TypeError:  # orjson.JSONEncodeError: keys that are not text, integers beyond 64 bits
        return _standard(data)
    if not text.isascii() or b"\x7f" in text:
        return _standard(data)
    return text


def _standard(data: Any) -> bytes:
    return (json.dumps(data, indent=2, allow_nan=False) + "\n").encode("ascii")


def indented_json_line(data: Any) -> bytes:
    """`data` as `json.dumps(data, indent=2, allow_nan=False)` writes it and a newline, in ASCII."""
    return mended(written(data))


def indented_json(data: Any) -> str:
    """`data` as `json.dumps(data, indent=2, allow_nan=False)` writes it; its errors are that call's."""
    return indented_json_line(data)[:-1].decode("ascii")
