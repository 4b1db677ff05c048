"""Budget math against hand-computed values and the SRE Workbook's reference cases."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability.core.budget import Budget, BurnRate, budget_fraction, burn_rate, seconds_to_exhaustion
from reliability.core.counts import Count

DAY = 86400
WINDOW_30D = 30 * DAY


def test_budget_of_a_typical_slo() -> None:
    # 99.9 % over 30 days; 1,000,000 events of which 400 bad.
    budget = Budget(0.999, WINDOW_30D, Count(good=999_600, total=1_000_000))
    assert budget.allowed_events == pytest.approx(1000)  # 0.001 x 1,000,000
    assert budget.consumed_events == 400
    assert budget.remaining_events == pytest.approx(600)
    assert budget.consumed_ratio == pytest.approx(0.4)  # 400 / 1000
    assert budget.remaining_ratio == pytest.approx(0.6)
    assert budget.allowed_minutes == pytest.approx(43.2)  # 43,200 min x 0.001
    assert budget.consumed_minutes == pytest.approx(17.28)  # 43,200 x 0.0004
    assert budget.remaining_minutes == pytest.approx(25.92)
    assert not budget.exhausted


def test_budget_minutes_match_slo_generator_convention() -> None:
    # field notes: 99.9 %, good 999000, bad 1000 -> burn rate 1.0; budget minutes 40.32 over 28d
    count = Count(good=999_000, total=1_000_000)
    assert burn_rate(count, 0.999).value == pytest.approx(1.0)
    assert Budget(0.999, 28 * DAY, count).allowed_minutes == pytest.approx(40.32)
    assert Budget(0.999, 7 * DAY, count).allowed_minutes == pytest.approx(10.08)
    assert Budget(0.999, 3600, count).allowed_minutes == pytest.approx(0.06)


def test_budget_fraction_has_no_float_noise() -> None:
    assert budget_fraction(0.999) == 0.001
    assert budget_fraction(0.9995) == 0.0005
    assert budget_fraction(1.0) == 0.0


def test_overspent_budget_goes_negative() -> None:
    # all-bad traffic: SLI 0; allowed 0.001 x 2000 = 2 events, consumed 2000 -> 1000x the budget
    budget = Budget(0.999, WINDOW_30D, Count(good=0, total=2000))
    assert budget.consumed_ratio == pytest.approx(1000)
    assert budget.remaining_ratio == pytest.approx(-999)
    assert budget.exhausted
    assert burn_rate(budget.count, 0.999).value == pytest.approx(1000)  # 1.0 / 0.001


def test_zero_traffic_is_no_data_not_a_full_budget() -> None:
    budget = Budget(0.999, WINDOW_30D, Count(0, 0))
    assert budget.consumed_ratio is None
    assert budget.remaining_ratio is None
    assert budget.consumed_minutes is None
    assert not budget.exhausted
    assert burn_rate(Count(0, 0), 0.999) == BurnRate(None)


def test_objective_of_100_percent() -> None:
    clean = Budget(1.0, WINDOW_30D, Count(500, 500))
    assert clean.allowed_events == 0
    assert clean.consumed_ratio == 0.0
    assert not clean.exhausted
    assert burn_rate(clean.count, 1.0) == BurnRate(0.0)
    one_error = Budget(1.0, WINDOW_30D, Count(499, 500))
    assert one_error.consumed_ratio is None  # infinitely overspent: no finite ratio
    assert one_error.exhausted
    rate = burn_rate(one_error.count, 1.0)
    assert rate.unbounded and rate.value is None
    assert rate.exceeds(1e9)
    assert seconds_to_exhaustion(one_error, rate) == 0.0


def test_time_to_exhaustion() -> None:
    # 60 % of a 30-day budget left, burning at 2x: 0.6 x 30 d / 2 = 9 days
    budget = Budget(0.999, WINDOW_30D, Count(999_600, 1_000_000))
    assert seconds_to_exhaustion(budget, BurnRate(2.0)) == pytest.approx(9 * DAY)
    assert seconds_to_exhaustion(budget, BurnRate(0.0)) is None
    assert seconds_to_exhaustion(budget, BurnRate(None)) is None
    spent = Budget(0.999, WINDOW_30D, Count(998_000, 1_000_000))
    assert seconds_to_exhaustion(spent, BurnRate(0.5)) == 0.0


@pytest.mark.parametrize(
    ("factor", "hours", "share"),
    [(14.4, 1, 0.02), (6, 6, 0.05), (3, 24, 0.10), (1, 72, 0.10)],
)
def test_workbook_reference_burns(factor: float, hours: int, share: float) -> None:
    # Burning at `factor` for `hours` spends `share` of a 30-day budget:
    # bad events in that time = factor x budget fraction x events in that time.
    per_hour = 10_000
    objective = 0.999
    bad = factor * budget_fraction(objective) * per_hour * hours
    whole_window_budget = budget_fraction(objective) * per_hour * 30 * 24
    assert bad / whole_window_budget == pytest.approx(share)
    assert burn_rate(Count(round(per_hour * hours - bad), per_hour * hours), objective).value == (
        pytest.approx(factor)
    )


counts = st.integers(0, 10**7).flatmap(lambda total: st.tuples(st.integers(0, total), st.just(total)))
objectives = st.sampled_from([0.9, 0.99, 0.995, 0.999, 0.9995, 0.9999])


@given(counts, objectives)
def test_consumed_plus_remaining_is_allowed(count: tuple[int, int], objective: float) -> None:
    budget = Budget(objective, WINDOW_30D, Count(*count))
    assert budget.consumed_events + budget.remaining_events == pytest.approx(budget.allowed_events)
    if budget.consumed_ratio is not None and budget.remaining_ratio is not None:
        assert budget.consumed_ratio + budget.remaining_ratio == pytest.approx(1.0)


@given(counts, objectives)
def test_whole_window_burn_rate_is_consumed_share(count: tuple[int, int], objective: float) -> None:
    # Over the whole rolling window (elapsed share 1), burn rate = consumed share of the budget.
    budget = Budget(objective, WINDOW_30D, Count(*count))
    rate = burn_rate(budget.count, objective)
    if budget.count.total == 0:
        assert rate.value is None and budget.consumed_ratio is None
    else:
        assert rate.value == pytest.approx(budget.consumed_ratio)


@given(counts, st.integers(1, 1000), objectives)
def test_adding_good_events_never_lowers_the_sli(
    count: tuple[int, int], extra: int, objective: float
) -> None:
    before = Count(*count)
    after = Count(before.good + extra, before.total + extra)
    assert after.ratio is not None
    assert before.ratio is None or after.ratio >= before.ratio
    rate_before, rate_after = burn_rate(before, objective).value, burn_rate(after, objective).value
    assert rate_after is not None
    assert rate_before is None or rate_after <= rate_before + 1e-12
