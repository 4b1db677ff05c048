"""One formatter per kind of number: the texts people read stay the same across outputs."""

from __future__ import annotations

import pytest

from reliability.render import numbers


@pytest.mark.parametrize(
    ("ratio", "digits", "missing", "text"),
    [
        (0.999543, 3, "no data", "99.954%"),
        (0.5419733, 1, "no data", "54.2%"),
        (-1.34, 1, "no data", "-134.0%"),
        (None, 3, "no data", "no data"),
        (None, 1, "-", "-"),
    ],
)
def test_percent_of_a_ratio(ratio: float | None, digits: int, missing: str, text: str) -> None:
    assert numbers.percent(ratio, digits, missing) == text


def test_configured_percents_read_as_written() -> None:
    assert [numbers.configured_percent(v) for v in (99.9, 99.0, 99.95, 10)] == [
        "99.9%",
        "99%",
        "99.95%",
        "10%",
    ]


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "null"),
        (172479.0, "172479"),
        (172.479, "172.479"),
        (43.2000001, "43.2"),
        (0.0010000004, "0.001"),
    ],
)
def test_exact_figures_keep_what_the_arithmetic_needs(value: float | None, text: str) -> None:
    assert numbers.exact(value) == text


@pytest.mark.parametrize(("seconds", "text"), [(9900, "2h45m"), (90.4, "1m30s"), (0.2, "0.2s")])
def test_durations(seconds: float, text: str) -> None:
    assert numbers.duration(seconds) == text
