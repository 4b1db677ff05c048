"""Reading range answers in bulk gives exactly what reading them sample by sample gives.

Answers are written as raw text, so timestamps and values can take every spelling a server
could send (leading zeros, signs, exponents, NaN in any case, quotes missing or doubled) and
label values can mimic the `values` key. Whatever the bulk reader accepts must equal the
sample-by-sample result; whatever it declines falls back to that reader and its exact error.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.errors import ReliabilityError
from reliability.telemetry import prometheus_answer, prometheus_matrix
from reliability.telemetry.prometheus_answer import (
    QueryAt,
    RangeSeries,
    parse_range_answer,
    parse_range_answer_by_json,
)

AT = QueryAt("prom", "http://127.0.0.1:9090", "up")
EXAMPLES = 500

NUMBER_ALPHABET = "0123456789.eE+-nNaAiIfFtTyY"  # every byte either reader could take in a number
STAMP_SPELLINGS = (
    '1793880000 1793880000.5 0 -0 -01 00 1e9 1E+9 1e05 01 1. .5 -.5 +1 1.e5 NaN -inf 1e999 1_0 "1"'
)
stamps = (
    st.integers(0, 2**40).map(str)
    | st.sampled_from(STAMP_SPELLINGS.split())
    | st.text(NUMBER_ALPHABET, min_size=1, max_size=6)
)
ARABIC_ONE = "\u0661"  # a digit to Python's float and \\d, not to JSON numbers
VALUE_SPELLINGS = "1 2.5e3 NaN nan +Inf -Inf inf Infinity +nan -NaN -0 .5 -.5 1. 1.e5 01 x"
ODD_VALUES = ['""', '" 5"', "5", '"1"2"', '"1,2"', '"1]]"', f'"{ARABIC_ONE}"', "null"]
values = (
    st.sampled_from(VALUE_SPELLINGS.split()).map(lambda text: f'"{text}"')
    | st.sampled_from(ODD_VALUES)
    | st.floats(allow_nan=False).map(lambda number: f'"{number!r}"')
    | st.text(NUMBER_ALPHABET, max_size=6).map(lambda text: f'"{text}"')
)
pairs = st.tuples(stamps, values).map(lambda pair: f"[{pair[0]},{pair[1]}]") | st.sampled_from(
    ['[1,"2","3"]', "[]", "1", '{"a":1}']
)
label_values = st.sampled_from(
    ['"values":[[1,"2"]]', '\\"values\\":[[1,\\"2\\"]]', "x", 'a\\\\"', ""]
) | st.text(max_size=5)
series = st.builds(
    lambda labels, samples, key: f'{{"metric":{json.dumps(labels)},{key}:[{",".join(samples)}]}}',
    st.dictionaries(st.sampled_from(["__name__", "job", "values"]), label_values, max_size=2),
    st.lists(pairs, max_size=5),
    st.sampled_from(['"values"', '"values"', '"values"', '"value"', '"\\"values"']),
)
ANSWER = '{"status":"success","data":{"resultType":"matrix","result":[%s]}}'
answers = st.lists(series, max_size=3).map(lambda entries: ANSWER.replace("%s", ",".join(entries)))


def _outcome(read: Any, body: bytes) -> Any:
    try:
        found: list[RangeSeries] = read(body, AT)
    except ReliabilityError as exc:
        return ("error", str(exc))
    return [(s.name, s.labels, s.stamps.tolist(), np.nan_to_num(s.values, nan=0.5).tolist()) for s in found]


@settings(max_examples=EXAMPLES, deadline=None)
@given(answers, st.floats(0, 1))
def test_bulk_and_sample_by_sample_readers_agree(text: str, cut: float) -> None:
    for body in (text.encode(), text.encode()[: int(len(text) * cut)]):
        assert _outcome(parse_range_answer, body) == _outcome(parse_range_answer_by_json, body)


@pytest.mark.parametrize("batch_bytes", [1, 30, 2**20])  # one array per batch, some together, all
def test_a_well_formed_answer_is_read_without_the_sample_by_sample_reader(
    batch_bytes: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_: Any) -> None:
        pytest.fail("read sample by sample")

    body = json.dumps(
        {
            "status": "success",
            "data": {
                "resultType": "matrix",
                "result": [
                    {
                        "metric": {"__name__": "up", "job": '"values":[[9,"9"]]'},
                        "values": [[1, "2"], [61, "NaN"]],
                    },
                    {"metric": {}, "values": []},
                    {"metric": {"job": "b"}, "values": [[1.5, "-Inf"]]},
                ],
            },
        },
        separators=(",", ":"),
    ).encode()
    monkeypatch.setattr(prometheus_answer, "parse_range_answer_by_json", refuse)
    monkeypatch.setattr(prometheus_matrix, "BATCH_BYTES", batch_bytes)
    first, empty, last = parse_range_answer(body, AT)
    assert (first.name, first.labels) == ("up", (("job", '"values":[[9,"9"]]'),))
    assert first.stamps.tolist() == [1.0, 61.0] and first.values[0] == 2.0 and np.isnan(first.values[1])
    assert empty.stamps.size == empty.values.size == 0
    assert (last.labels, last.stamps.tolist(), last.values.tolist()) == ((("job", "b"),), [1.5], [-np.inf])
