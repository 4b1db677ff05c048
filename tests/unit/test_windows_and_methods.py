"""Calendar windows (month ends, a leap day, DST), budgeting methods and the budget policy."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reliability.config.defaults import DEFAULT_POLICY
from reliability.config.model import Budgeting, BudgetingMethod, CalendarUnit, PolicyRule, SloWindow
from reliability.core.counts import Count, MinuteSeries
from reliability.core.methods import measure
from reliability.core.policy import decide
from reliability.core.windows import span_at
from reliability.timefmt import parse_rfc3339, to_rfc3339
from reliability.vocabulary import Window

HOUR = 3600


def at(text: str) -> int:
    return int(parse_rfc3339(text).timestamp())


def calendar(unit: str, zone: str = "UTC") -> SloWindow:
    return SloWindow(calendar=CalendarUnit(unit), time_zone=zone)


def test_rolling_window_ends_now() -> None:
    span = span_at(SloWindow(Window.of(30 * 86400)), at("2026-11-05T12:00:00Z"))
    assert to_rfc3339(span.start) == "2026-10-06T12:00:00Z"
    assert span.period_seconds == 30 * 86400 and span.elapsed_share == 1


def test_month_in_utc_including_a_leap_february() -> None:
    span = span_at(calendar("month"), at("2028-02-29T23:59:00Z"))
    bounds = (to_rfc3339(span.start), to_rfc3339(span.period_end))
    assert bounds == ("2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z")
    assert span.period_seconds == 29 * 24 * HOUR
    # one minute later it is March: a new period, one minute elapsed
    march = span_at(calendar("month"), at("2028-03-01T00:01:00Z"))
    assert to_rfc3339(march.start) == "2028-03-01T00:00:00Z" and march.elapsed_seconds == 60


def test_month_end_in_a_zone_ahead_of_utc() -> None:
    # 2026-10-31T23:30Z is already November 1st, 00:30, in Berlin (CET, +01:00)
    span = span_at(calendar("month", "Europe/Berlin"), at("2026-10-31T23:30:00Z"))
    assert to_rfc3339(span.start) == "2026-10-31T23:00:00Z"
    assert span.elapsed_seconds == 30 * 60


def test_a_month_with_the_dst_change_has_one_hour_more() -> None:
    # Berlin leaves summer time on 2026-10-25: October has 31 x 24 + 1 hours, and starts at 22:00Z (CEST)
    span = span_at(calendar("month", "Europe/Berlin"), at("2026-10-30T12:00:00Z"))
    assert to_rfc3339(span.start) == "2026-09-30T22:00:00Z"
    assert to_rfc3339(span.period_end) == "2026-10-31T23:00:00Z"
    assert span.period_seconds == (31 * 24 + 1) * HOUR


def test_iso_week_with_spring_forward_is_an_hour_short() -> None:
    # New York springs forward on 2026-03-08 (a Sunday): the week Mon 03-02 .. Mon 03-09 has 167 hours
    span = span_at(calendar("week", "America/New_York"), at("2026-03-05T12:00:00Z"))
    assert to_rfc3339(span.start) == "2026-03-02T05:00:00Z"  # midnight EST
    assert to_rfc3339(span.period_end) == "2026-03-09T04:00:00Z"  # midnight EDT
    assert span.period_seconds == 167 * HOUR


def test_quarters() -> None:
    span = span_at(calendar("quarter"), at("2026-12-31T23:59:00Z"))
    bounds = (to_rfc3339(span.start), to_rfc3339(span.period_end))
    assert bounds == ("2026-10-01T00:00:00Z", "2027-01-01T00:00:00Z")


def series(good: list[int], total: list[int]) -> MinuteSeries:
    return MinuteSeries(np.array(good, dtype=np.int64), np.array(total, dtype=np.int64))


# Ten minutes; slices of 2 minutes are cut back from the end: [0,2) [2,4) [4,6) [6,8) [8,10)
GOOD = [10, 10, 9, 10, 0, 0, 5, 5, 10, 8]
TOTAL = [10, 10, 10, 10, 0, 0, 10, 10, 10, 10]


def test_occurrences_count_events() -> None:
    m = measure(series(GOOD, TOTAL), 0, 10, Budgeting())
    assert (m.count, m.unit, m.events) == (Count(67, 80), "events", 80)


def test_timeslices_count_good_slices() -> None:
    # slice ratios: 20/20, 19/20 = 0.95, no data, 10/20 = 0.5, 18/20 = 0.9; target 95 %:
    # good slices 2 (1.0 and 0.95), slices with data 4, one slice without data
    budgeting = Budgeting(BudgetingMethod.TIMESLICES, 120, 0.95)
    m = measure(series(GOOD, TOTAL), 0, 10, budgeting)
    assert (m.count, m.unit, m.events, m.slices_without_data) == (Count(2, 4), "slices", 80, 1)


def test_ratio_timeslices_average_slice_ratios() -> None:
    budgeting = Budgeting(BudgetingMethod.RATIO_TIMESLICES, 120)
    m = measure(series(GOOD, TOTAL), 0, 10, budgeting)
    assert m.count.total == 4
    assert m.ratio == pytest.approx((1.0 + 0.95 + 0.5 + 0.9) / 4)


def test_partial_leading_slice_is_not_measured() -> None:
    # 9 minutes with 2-minute slices: 4 whole slices from the end, minute 1 left out
    budgeting = Budgeting(BudgetingMethod.TIMESLICES, 120, 0.95)
    m = measure(series(GOOD, TOTAL), 1, 10, budgeting)
    assert m.count.total + m.slices_without_data == 4


def test_no_data_slices_never_count_as_good() -> None:
    budgeting = Budgeting(BudgetingMethod.TIMESLICES, 60, 0.5)
    m = measure(series([0, 0, 0], [0, 0, 0]), 0, 3, budgeting)
    assert m.count == Count(0, 0) and m.ratio is None and m.slices_without_data == 3


@given(st.lists(st.tuples(st.integers(0, 50), st.integers(0, 50)), min_size=4, max_size=40))
def test_adding_good_events_never_lowers_any_method(pairs: list[tuple[int, int]]) -> None:
    good = [min(g, t) for g, t in pairs]
    total = [t for _, t in pairs]
    better = [t for t in total]  # every event good
    for budgeting in (
        Budgeting(),
        Budgeting(BudgetingMethod.TIMESLICES, 120, 0.9),
        Budgeting(BudgetingMethod.RATIO_TIMESLICES, 120),
    ):
        before = measure(series(good, total), 0, len(total), budgeting).ratio
        after = measure(series(better, total), 0, len(total), budgeting).ratio
        assert (before is None) == (after is None)
        assert before is None or after is None or after >= before - 1e-12


def test_default_policy() -> None:
    assert decide(DEFAULT_POLICY, -0.2, "ok").state == "freeze"
    page = decide(DEFAULT_POLICY, 0.9, "page")
    assert (page.state, page.rule, page.reason) == ("freeze", 1, "alert state page")
    assert decide(DEFAULT_POLICY, 0.2, "ok").state == "warn"
    assert decide(DEFAULT_POLICY, 0.9, "ticket").state == "warn"
    assert decide(DEFAULT_POLICY, 0.9, "ok").state == "ok"
    assert decide(DEFAULT_POLICY, None, "no_data").state == "no_data"  # silence never passes


def test_policy_rules_need_every_condition() -> None:
    rules = (PolicyRule("halt", budget_remaining_below=0.5, alert_states=("ticket",)),)
    assert decide(rules, 0.4, "ticket").state == "halt"
    assert decide(rules, 0.4, "ok").state == "ok"
    assert decide(rules, 0.6, "ticket").state == "ok"


@given(st.lists(st.integers(0, 20), min_size=10, max_size=60), st.integers(1, 9))
def test_windows_without_events_are_never_good(totals: list[int], gap: int) -> None:
    # the last `gap` minutes carry no events: every method reports no data for them, never 100 %
    totals = totals[:-gap] + [0] * gap
    for budgeting in (
        Budgeting(),
        Budgeting(BudgetingMethod.TIMESLICES, 60, 0.9),
        Budgeting(BudgetingMethod.RATIO_TIMESLICES, 60),
    ):
        m = measure(series(totals, totals), len(totals) - gap, len(totals), budgeting)
        assert m.ratio is None and m.count.total == 0
