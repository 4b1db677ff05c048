"""A SQL engine's answer made state: latency rows summed per (minute, bucket) pair and ordered, whatever
order they came in, and component values made codes."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability.telemetry.sql.source import _codes
from reliability.telemetry.sql.state import LatencyBuckets

ROWS = st.lists(
    st.tuples(st.integers(0, 200_000), st.integers(-3, 2_000), st.integers(1, 10**9)), max_size=60
)


@given(ROWS)
def test_rows_are_summed_per_pair_in_pair_order(rows: list[tuple[int, int, int]]) -> None:
    expected: Counter[tuple[int, int]] = Counter()
    for minute, bucket, events in rows:
        expected[(minute, bucket)] += events
    minute, bucket, events = (np.array([row[i] for row in rows], np.int64) for i in range(3))
    summed = LatencyBuckets.of(minute, bucket, events)
    got = list(zip(summed.minute.tolist(), summed.bucket.tolist(), summed.events.tolist(), strict=True))
    assert got == [(m, b, n) for (m, b), n in sorted(expected.items())]
    assert summed.minute.dtype == summed.bucket.dtype == summed.events.dtype == np.int64


def test_an_answer_already_grouped_and_ordered_is_kept_as_it_is() -> None:
    minute = np.array([0, 0, 5], np.int64)
    bucket = np.array([1, 7, 1], np.int64)
    events = np.array([3, 4, 5], np.int64)
    summed = LatencyBuckets.of(minute, bucket, events)
    assert summed.minute is minute and summed.bucket is bucket and summed.events is events


@pytest.mark.parametrize(
    "column",
    [
        pa.array(["b", "a", "c", "a"]),
        pa.array(["b", "a", "c", "a"], type=pa.large_string()),
        pa.array(["b", "a", "c", "a"]).dictionary_encode(),
    ],
    ids=["string", "large string", "dictionary"],
)
def test_component_values_become_codes_in_configured_order(column: pa.Array) -> None:
    codes = _codes(pa.table({"component": column}), {"a": 0, "b": 1, "c": 2})
    assert codes.tolist() == [1, 0, 2, 0]


def test_a_component_value_nobody_configured_is_refused() -> None:
    with pytest.raises(KeyError, match="z"):
        _codes(pa.table({"component": ["a", "z"]}), {"a": 0})
