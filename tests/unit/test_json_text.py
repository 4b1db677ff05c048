"""The artifacts' JSON text is the standard library's, byte for byte, though orjson writes it."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.artifacts.json_text import indented_json, indented_json_line, mended, written


def standard(data: Any) -> str:
    return json.dumps(data, indent=2, allow_nan=False)


@pytest.mark.parametrize(
    "data",
    [
        {"error_ratio": 8.876640064926281e-05, "tiny": [1.5e-06, -2.5e-09, 5e-324], "big": 1e16},
        {"ratio": 0.0001, "whole": 100.0, "negative": -0.0, "long": 10.00001, "int": 2**63},
        {"text": " 0.00001", "line": "a\n 1e-5,", "key: 0.00001": 1},  # numbers' look-alikes in text
        {"name": "Zürich", "del": "\x7f", "control": "\x00\t"},  # escaped by Python
        {1: "a key that is not text"},
        1.5e-06,
        [],
        {"empty": {}, "list": [[], {}]},
    ],
)
def test_the_text_is_the_standard_librarys(data: Any) -> None:
    assert indented_json(data) == standard(data)


ascii_text = st.text(st.characters(max_codepoint=127), max_size=8)
documents = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | ascii_text
    | st.text(max_size=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ascii_text, inner, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300)
@given(documents)
def test_any_document_is_written_as_the_standard_library_writes_it(data: Any) -> None:
    assert indented_json(data) == standard(data)


@pytest.mark.parametrize("number", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_are_refused(number: float) -> None:
    with pytest.raises(ValueError, match="not JSON compliant"):
        indented_json({"burn_rate": [1.0, number]})


def test_what_json_cannot_hold_is_refused() -> None:
    with pytest.raises(TypeError, match="not JSON serializable"):
        indented_json({"when": object()})


@pytest.mark.parametrize("data", [{"error_ratio": 8.876640064926281e-05, "tiny": [1.5e-06]}, {"a": [1, 0.5]}])
def test_the_file_text_is_the_standard_librarys_and_a_newline(data: Any) -> None:
    assert indented_json_line(data) == (standard(data) + "\n").encode("ascii")


def test_text_with_nothing_to_mend_is_not_copied() -> None:
    text = written({"ratio": 0.5, "counts": list(range(100))})
    assert mended(text) is text
