"""Budget forecast by bootstrap: hand-computed cases, edge cases and properties."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.core.forecast import BudgetForecast, bootstrap_remaining

DAY = 86400


Days = npt.NDArray[np.float64]


def history(*values: float) -> Days:
    return np.array(values, dtype=np.float64)


def forecast(days: Days, already: float, horizon: float, **kwargs: int) -> BudgetForecast:
    result = bootstrap_remaining(days, already, horizon, **kwargs)
    assert result is not None
    return result


def test_constant_consumption_collapses_the_band() -> None:
    # 2 % of the budget a day for 10 more days, 30 % already spent: 1 - 0.3 - 0.02 x 10 = 0.5 in every draw
    result = forecast(np.full(20, 0.02), 0.3, 10 * DAY)
    assert result.remaining_p50 == pytest.approx(0.5)
    assert result.remaining_p10 == result.remaining_p50 == result.remaining_p90
    assert result.exhaustion_probability == 0.0
    assert result.days_sampled_from == 20
    assert result.horizon_seconds == 10 * DAY


def test_constant_consumption_that_exhausts_the_budget() -> None:
    # 10 % a day for 7 days after 40 % spent: 1 - 0.4 - 0.7 = -0.1 in every draw
    result = forecast(np.full(5, 0.1), 0.4, 7 * DAY)
    assert result.remaining_p10 == pytest.approx(-0.1)
    assert result.remaining_p90 == result.remaining_p10
    assert result.exhaustion_probability == 1.0


def test_two_valued_history() -> None:
    # Days cost 0 or 0.5, equally likely. Over 2 days with 0.5 already spent the draw is
    # 0.5 - {0, 0.5, 1.0} = {0.5, 0.0, -0.5} with probabilities 1/4, 1/2, 1/4.
    # About 25 % of draws are -0.5 (more than 10 %): p10 = -0.5; about 25 % are 0.5: p90 = 0.5;
    # the middle half is 0.0: p50 = 0.0; remaining <= 0 in about 75 % of draws.
    result = forecast(history(0.0, 0.5, 0.0, 0.5), 0.5, 2 * DAY, draws=4000, seed=7)
    assert result.remaining_p10 == -0.5
    assert result.remaining_p50 == 0.0
    assert result.remaining_p90 == 0.5
    assert result.exhaustion_probability == pytest.approx(0.75, abs=0.04)  # ~7 standard errors


def test_one_day_two_values_gives_the_extremes_as_band() -> None:
    # one day of 0 or 0.1: remaining is 1.0 or 0.9, each about half the draws
    result = forecast(history(0.0, 0.1), 0.0, DAY)
    assert result.remaining_p10 == pytest.approx(0.9)
    assert result.remaining_p90 == 1.0
    assert result.exhaustion_probability == 0.0


def test_horizon_zero_is_what_is_left_now() -> None:
    result = forecast(history(0.3, 0.0, 0.9), 0.25, 0.0)
    assert result.remaining_p10 == result.remaining_p50 == result.remaining_p90 == 0.75
    assert result.exhaustion_probability == 0.0
    spent = forecast(history(0.3), 1.0, 0.0)
    assert spent.remaining_p50 == 0.0
    assert spent.exhaustion_probability == 1.0  # remaining <= 0 counts as exhausted


def test_fractional_day_is_scaled() -> None:
    # a quarter of a day at 0.2 a day costs 0.05
    quarter = forecast(history(0.2), 0.0, DAY / 4)
    assert quarter.remaining_p50 == pytest.approx(0.95)
    # 2.5 days at 0.1 a day: 0.1 + 0.1 + 0.5 x 0.1 = 0.25
    result = forecast(history(0.1, 0.1), 0.5, 2.5 * DAY)
    assert result.remaining_p10 == pytest.approx(0.25)
    assert result.remaining_p90 == result.remaining_p10
    assert "2.5 days" in result.method


def test_fractional_day_with_two_values() -> None:
    # half a day of 0 or 0.4: remaining is 1.0 or 0.8
    result = forecast(history(0.0, 0.4), 0.0, DAY / 2)
    assert result.remaining_p10 == pytest.approx(0.8)
    assert result.remaining_p90 == 1.0


def test_no_history_is_no_forecast() -> None:
    assert bootstrap_remaining(history(), 0.2, 5 * DAY) is None
    assert bootstrap_remaining(history(), 0.2, 0.0) is None


def test_only_the_lookback_is_sampled() -> None:
    # ten disastrous old days fall outside the last 28; what is left is a constant 1 % a day
    days = np.concatenate((np.full(10, 1.0), np.full(28, 0.01)))
    result = forecast(days, 0.0, 10 * DAY)
    assert result.days_sampled_from == 28
    assert result.remaining_p10 == pytest.approx(0.9)
    assert result.remaining_p90 == result.remaining_p10
    assert "from the last 28 days with data" in result.method
    wider = forecast(days, 0.0, 10 * DAY, lookback_days=29)
    assert wider.days_sampled_from == 29
    assert wider.remaining_p10 < 0.9  # one bad day in 29 shows up in the pessimistic tail
    short = forecast(history(0.1, 0.2, 0.3), 0.0, DAY)
    assert short.days_sampled_from == 3  # fewer days than the lookback: all of them


def test_method_describes_the_draws() -> None:
    result = forecast(np.full(40, 0.01), 0.0, 12.5 * DAY)
    assert result.method.startswith(
        "bootstrap: 2000 draws of the remaining 12.5 days, each day's budget consumption drawn "
        "with replacement from the last 28 days with data"
    )


def test_same_seed_same_forecast() -> None:
    days = np.random.default_rng(1).exponential(0.03, size=40)
    first = forecast(days, 0.4, 9.3 * DAY, seed=42)
    assert forecast(days, 0.4, 9.3 * DAY, seed=42) == first
    assert first.remaining_p10 < first.remaining_p90  # a real band, so the seed matters
    assert any(forecast(days, 0.4, 9.3 * DAY, seed=s) != first for s in range(1, 5))


@pytest.mark.parametrize(
    ("days", "already", "horizon", "kwargs"),
    [
        (history(-0.1), 0.0, DAY, {}),
        (history(float("nan")), 0.0, DAY, {}),
        (history(0.1), float("nan"), DAY, {}),
        (history(0.1), 0.0, -1.0, {}),
        (history(0.1), 0.0, DAY, {"draws": 0}),
        (history(0.1), 0.0, DAY, {"lookback_days": 0}),
        (np.zeros((2, 2)), 0.0, DAY, {}),
    ],
)
def test_bad_input_is_an_error(days: Days, already: float, horizon: float, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError):
        bootstrap_remaining(days, already, horizon, **kwargs)


daily_values = st.lists(st.floats(0, 0.5, allow_nan=False), min_size=1, max_size=40).map(np.array)
shares = st.floats(0, 2, allow_nan=False)
horizons = st.floats(0, 40 * DAY, allow_nan=False)
seeds = st.integers(0, 2**32 - 1)


@settings(max_examples=60, deadline=None)
@given(daily_values, shares, horizons, seeds)
def test_band_is_ordered(days: Days, already: float, horizon: float, seed: int) -> None:
    result = forecast(days, already, horizon, draws=200, seed=seed)
    assert result.remaining_p10 <= result.remaining_p50 <= result.remaining_p90
    assert result.remaining_p90 <= 1.0 - already
    assert 0.0 <= result.exhaustion_probability <= 1.0


@settings(max_examples=60, deadline=None)
@given(daily_values, shares, shares, horizons, seeds)
def test_more_already_consumed_never_raises_the_forecast(
    days: Days, a: float, b: float, horizon: float, seed: int
) -> None:
    low, high = sorted((a, b))
    less_spent = forecast(days, low, horizon, draws=200, seed=seed)
    more_spent = forecast(days, high, horizon, draws=200, seed=seed)
    assert more_spent.remaining_p10 <= less_spent.remaining_p10
    assert more_spent.remaining_p50 <= less_spent.remaining_p50
    assert more_spent.remaining_p90 <= less_spent.remaining_p90
    assert more_spent.exhaustion_probability >= less_spent.exhaustion_probability


@settings(max_examples=40, deadline=None)
@given(daily_values, st.floats(1, 3, allow_nan=False), horizons, seeds)
def test_spent_budget_is_certainly_exhausted(days: Days, already: float, horizon: float, seed: int) -> None:
    result = forecast(days, already, horizon, draws=200, seed=seed)
    assert result.exhaustion_probability == 1.0
    assert result.remaining_p90 <= 0.0
