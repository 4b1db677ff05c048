"""sliced: an elementwise chain run slice by slice gives the whole chain's result, and the fold's
chains give the same per-event values on chunks longer than one slice."""

from __future__ import annotations

import numpy as np
import pytest

from reliability.core import latency_buckets as lb
from reliability.core.cache_slices import SLICE_ROWS, sliced
from reliability.core.grid import MinuteGrid


@pytest.mark.parametrize("rows", [0, 1, SLICE_ROWS, SLICE_ROWS + 1, 3 * SLICE_ROWS - 7])
def test_a_chain_slice_by_slice_equals_the_whole_chain(rows: int) -> None:
    rng = np.random.default_rng(rows)
    left, right = rng.integers(-1000, 1000, rows), rng.random(rows)

    def chain(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.floor(a * b + 0.5).astype(np.int64)

    result = sliced(chain, np.int64, left, right)
    assert result.dtype == np.int64
    assert result.tolist() == chain(left, right).tolist()


def test_buckets_and_minutes_of_a_long_chunk_equal_the_unsliced_arithmetic() -> None:
    rng = np.random.default_rng(7)
    rows = 2 * SLICE_ROWS + 123
    seconds = rng.lognormal(np.log(0.1), 2.0, rows)
    assert lb.bucket_of_seconds(seconds).tolist() == lb.bucket_index(lb.micros_of(seconds)).tolist()
    grid = MinuteGrid(origin=1_700_000_000, minutes=1440)
    stamps = grid.origin + rng.random(rows) * 90_000 - 1000
    assert grid.minute_of(stamps).tolist() == np.floor((stamps - grid.origin) / 60).astype(np.int64).tolist()
