"""convert.divided / multiplied: numpy's very doubles (not a multiplication by a reciprocal)."""

from __future__ import annotations

import numpy as np

from reliability.telemetry import convert


def _values() -> np.ndarray:
    values = np.random.default_rng(7).uniform(-1e13, 1e13, 10_000)
    return np.concatenate([values, [0.0, -0.0, np.nan, np.inf, -np.inf, 1.0, 3.0, 77.0]])


def test_divided_gives_numpys_quotients() -> None:
    values = _values()
    assert convert.divided(values, 1000.0).tobytes() == (values / 1000.0).tobytes()
    assert not np.array_equal(values / 1000.0, values * 1e-3)  # so a reciprocal would be caught


def test_multiplied_gives_numpys_products() -> None:
    values = _values()
    for factor in (1.0, 1e-3, 1e-6):
        assert convert.multiplied(values, factor).tobytes() == (values * factor).tobytes()
