"""The shared values: a window's canonical name, an objective's exact ratio and budget, an item's id."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability.config import load_config
from reliability.config.model import Config
from reliability.errors import ConfigError
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


def test_a_window_reads_as_its_name_in_text() -> None:
    assert f"{Window.parse('60m')} burn" == "1h burn"


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


CONFIG = """\
sources:
  - name: events
    type: events
    paths: [events.csv]
    columns: {timestamp: {column: ts}, status: status}
services:
  - name: web
    components:
      - name: api
        source: events
        slis: [{name: availability, kind: availability}]
        slos: [{name: api, sli: availability, objective: 99.9, window: WINDOW, alerting: {windows: fast}}]
alert_windows:
  - name: fast
    pairs: [{severity: page, long: LONG, short: 5m, budget_share: 0.02}]
"""


def _load(tmp_path: Path, window: str, long: str) -> Config:
    (tmp_path / "events.csv").write_text("ts,status\n")
    path = tmp_path / "c.yaml"
    path.write_text(CONFIG.replace("WINDOW", window).replace("LONG", long))
    return load_config(path)


def test_the_config_names_windows_canonically(tmp_path: Path) -> None:
    config = _load(tmp_path, "720h", "60m")
    [slo] = config.slos
    [pair] = config.alert_window_sets["fast"]
    assert (slo.window.rolling, slo.window.name) == (Window("30d", 30 * 86400), "30d")
    assert (pair.long, pair.short) == (Window("1h", 3600), Window("5m", 300))


def test_a_window_of_no_whole_seconds_is_a_located_config_problem(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, "30d", "1500ms")
    [problem] = caught.value.problems
    assert problem.field == "alert_windows[0].pairs[0].long"
    assert "'1500ms' is not a positive whole number of seconds" in problem.message
