"""Fuzzing the range answer parser: whatever a server sends, only the project's own errors come out.

Three kinds of body: arbitrary bytes, arbitrary JSON, and JSON shaped almost like a range answer
(so the checks deep inside series and samples are reached), each also cut at a random place.
"""

from __future__ import annotations

import json
import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.errors import ReliabilityError
from reliability.telemetry.prometheus_answer import QueryAt, parse_range_answer

AT = QueryAt("prom", "http://127.0.0.1:9090", "up")
EXAMPLES = 300

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
sample_values = st.sampled_from(["1", "2.5e3", "NaN", "+Inf", "-Inf", "-0", ".5", "1_0", "", "x"]) | scalars
samples = st.lists(st.integers(-(2**70), 2**70) | st.floats() | scalars, max_size=3) | st.tuples(
    st.floats(allow_nan=False) | st.integers(), sample_values
).map(list)
series = st.fixed_dictionaries(
    {},
    optional={
        "metric": st.dictionaries(st.text(max_size=6), st.text(max_size=6) | scalars, max_size=3)
        | json_values,
        "values": st.lists(samples, max_size=4) | json_values,
        "value": samples,
        "histograms": json_values,
    },
)
almost_answers = st.fixed_dictionaries(
    {},
    optional={
        "status": st.sampled_from(["success", "error", "warning"]) | scalars,
        "error": st.text(max_size=10),
        "data": st.fixed_dictionaries(
            {},
            optional={
                "resultType": st.sampled_from(["matrix", "vector", "scalar", "string"]) | scalars,
                "result": st.lists(series | json_values, max_size=3) | json_values,
            },
        )
        | json_values,
    },
)


def _dumped(document: Any) -> bytes:
    return json.dumps(document, allow_nan=True).encode()


bodies = (
    st.binary(max_size=200)
    | json_values.map(_dumped)
    | almost_answers.map(_dumped)
    | st.tuples(almost_answers.map(_dumped), st.floats(0, 1)).map(
        lambda cut: cut[0][: int(len(cut[0]) * cut[1])]
    )
)


@settings(max_examples=EXAMPLES, deadline=None)
@given(bodies, st.sampled_from(["", "application/json", "text/html"]))
def test_only_the_projects_own_errors_escape_the_parser(body: bytes, content_type: str) -> None:
    try:
        found = parse_range_answer(body, AT, content_type)
    except ReliabilityError as exc:
        assert str(exc).startswith("source prom (http://127.0.0.1:9090): query 'up'")
        return
    for entry in found:  # what passes is exactly the documented shape, as typed values
        assert isinstance(entry.name, str)
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in entry.labels)
        assert len(entry.stamps) == len(entry.values)
        assert all(isinstance(s, float) and math.isfinite(s) for s in entry.stamps)
        assert all(isinstance(v, float) for v in entry.values)
