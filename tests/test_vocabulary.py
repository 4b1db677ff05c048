"""The shared values: a window's canonical name, an objective's exact ratio and budget, an item's id."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability.vocabulary import Objective, Window, budget_fraction, item_id, item_name, ratio_of_percent


@pytest.mark.parametrize(
    ("text", "name", "seconds"),
    [
        ("5m", "5m", 300),
        ("1h", "1h", 3600),
        ("60m", "1h", 3600),
        ("3600s", "1h", 3600),
        ("90m", "1h30m", 5400),
        ("4w", "28d", 28 * 86400),
        ("300000ms", "5m", 300),
        ("1d12h", "1d12h", 129600),
    ],
)
def test_a_window_is_parsed_to_its_canonical_name(text: str, name: str, seconds: int) -> None:
    assert Window.parse(text) == Window(name, seconds)


def test_two_spellings_of_one_span_are_one_window() -> None:
    assert len({Window.parse("1h"), Window.parse("60m"), Window.of(3600)}) == 1


@pytest.mark.parametrize("text", ["", "1.5h", "h", "500ms", "1500ms", "0m", "-1h"])
def test_a_window_refuses_what_is_not_whole_positive_seconds(text: str) -> None:
    with pytest.raises(ValueError, match=r"not a duration|not a positive whole number of seconds"):
        Window.parse(text)


def test_a_window_refuses_a_name_that_is_not_its_canonical_one() -> None:
    with pytest.raises(ValueError, match="not the canonical name"):
        Window("60m", 3600)


@given(st.integers(1, 400 * 86400))
def test_a_window_round_trips_through_its_name(seconds: int) -> None:
    window = Window.of(seconds)
    assert Window.parse(window.name) == window


@pytest.mark.parametrize(
    ("percent", "ratio", "budget"),
    [
        (99.9, "0.999", "0.001"),
        (99.95, "0.9995", "0.0005"),
        (99.99, "0.9999", "0.0001"),
        (99.5, "0.995", "0.005"),
        (95, "0.95", "0.05"),
        (100, "1", "0"),
        (0.1, "0.001", "0.999"),
    ],
)
def test_an_objective_converts_exactly(percent: float, ratio: str, budget: str) -> None:
    objective = Objective(percent)
    assert objective.exact_ratio == Decimal(ratio)
    assert objective.exact_budget == Decimal(budget)
    # The floats are the nearest to the exact values, where `/ 100` and `1 -` would add noise.
    assert objective.ratio == float(ratio)
    assert objective.budget_fraction == float(budget)
    assert ratio_of_percent(percent) == float(ratio)
    assert budget_fraction(objective.ratio) == float(budget)


def test_float_arithmetic_is_what_the_exact_conversion_avoids() -> None:
    assert 99.9 / 100 != 0.999 and 1 - 0.999 != 0.001
    assert Objective(99.9).ratio == 0.999 and budget_fraction(0.999) == 0.001


@pytest.mark.parametrize(("ratio", "percent"), [(0.999, 99.9), (0.9995, 99.95), (0.95, 95.0), (1.0, 100.0)])
def test_an_objective_from_a_ratio_keeps_the_percent_as_written(ratio: float, percent: float) -> None:
    assert Objective.from_ratio(ratio).percent == percent
    assert Objective.from_ratio(ratio).ratio == ratio


@given(st.decimals(min_value=Decimal("0.001"), max_value=Decimal(100), places=3))
def test_an_objective_round_trips_through_its_ratio(percent: Decimal) -> None:
    objective = Objective(float(percent))
    assert Objective.from_ratio(objective.ratio) == objective
    assert objective.exact_ratio + objective.exact_budget == 1


def test_an_item_id_is_service_slash_name_and_back() -> None:
    assert item_id("checkout", "api") == "checkout/api"
    assert item_name(item_id("checkout", "api")) == "api"
