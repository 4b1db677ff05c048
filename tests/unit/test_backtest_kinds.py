"""Replays of every kind of SLO agree with the live measurement; calendar windows and demoted pages."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.model import Budgeting, BudgetingMethod, CalendarUnit, CompositeMethod, SloWindow
from reliability.core.backtest import compliance, find_incidents, period_seconds_at, replay_alerts
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid
from reliability.core.methods import measure
from reliability.core.replay import CompositeSeries, OccurrenceSeries, for_budgeting
from reliability.core.windows import span_at
from reliability.timefmt import parse_rfc3339, to_rfc3339
from reliability.vocabulary import Window

PAGES = tuple(p for p in WORKBOOK_PAIRS if p.severity == "page")
BUDGETINGS = [
    Budgeting(),
    Budgeting(BudgetingMethod.TIMESLICES, 300, 0.95),
    Budgeting(BudgetingMethod.TIMESLICES, 60, 0.5),
    Budgeting(BudgetingMethod.RATIO_TIMESLICES, 600),
]


@st.composite
def histories(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[tuple[int, int]]]:
    minutes = draw(st.integers(30, 240))
    total = np.array(draw(st.lists(st.integers(0, 20), min_size=minutes, max_size=minutes)), np.int64)
    bad = np.array(draw(st.lists(st.integers(0, 20), min_size=minutes, max_size=minutes)), np.int64)
    bad = np.minimum(bad, total)
    windows = draw(
        st.lists(
            st.tuples(st.integers(-60, minutes), st.integers(0, minutes)).filter(lambda w: w[0] < w[1]),
            min_size=1,
            max_size=8,
        )
    )
    return total - bad, total, windows


@settings(max_examples=60, deadline=None)
@given(history=histories(), budgeting=st.sampled_from(BUDGETINGS))
def test_replayed_windows_equal_the_live_measurement(
    history: tuple[np.ndarray, np.ndarray, list[tuple[int, int]]], budgeting: Budgeting
) -> None:
    good, total, windows = history
    starts = np.array([w[0] for w in windows], np.int64)
    ends = np.array([w[1] for w in windows], np.int64)
    replayed = for_budgeting(good, total, budgeting).windows(starts, ends)
    for i, (start, end) in enumerate(windows):
        live = measure(MinuteSeries(good, total), start, end, budgeting)
        assert replayed.good[i] == pytest.approx(live.count.good)
        assert replayed.total[i] == live.count.total
        assert replayed.events[i] == live.events


def test_composite_windows_combine_the_dependency_ratios() -> None:
    checkout = OccurrenceSeries(np.array([9, 10, 0]), np.array([10, 10, 0]))
    payments = OccurrenceSeries(np.array([4, 5, 5]), np.array([5, 5, 5]))
    both = CompositeSeries((checkout, payments), (1.0, 1.0), CompositeMethod.ALL_MUST_SUCCEED)
    counts = both.windows(np.array([0, 2]), np.array([2, 3]))
    # Minutes 0-1: checkout 19/20, payments 9/10 -> 0.855 over 30 events. Minute 2: checkout silent.
    assert counts.events.tolist() == [30, 5]
    assert counts.good[0] == pytest.approx(0.95 * 0.9 * 30)
    assert counts.total.tolist() == [30.0, 0.0]
    weighted = CompositeSeries((checkout, payments), (3.0, 1.0), CompositeMethod.WEIGHTED)
    assert weighted.windows(np.array([0]), np.array([2])).good[0] == pytest.approx((3 * 0.95 + 0.9) / 4 * 30)


def _utc(text: str) -> int:
    return int(parse_rfc3339(text).timestamp())


def test_calendar_month_factor_follows_the_month_in_force() -> None:
    # UTC months: the 1h/5m page factor is 2 % x 744 h = 14.88 in October, 2 % x 720 h = 14.4 in
    # November. The same two-hour burn at 14.6x the budget rate pages in November only.
    origin = _utc("2026-10-20T00:00:00Z")
    grid = MinuteGrid(origin=origin, minutes=21 * 1440)
    total = np.full(grid.minutes, 10_000, np.int64)
    good = total.copy()
    for start in ("2026-10-28T10:00:00Z", "2026-11-05T10:00:00Z"):
        first = (_utc(start) - origin) // 60
        good[first : first + 120] -= 146  # 1.46 % errors = 14.6 x the 0.1 % budget
    month = SloWindow(calendar=CalendarUnit.MONTH)
    replay = replay_alerts(OccurrenceSeries(good, total), grid, 0.999, month, WORKBOOK_PAIRS)
    pages = replay.of("page")
    assert [to_rfc3339(p.start)[:10] for p in pages] == ["2026-11-05"]
    assert pages[0].pairs == ("1h/5m",)


def test_calendar_compliance_judges_the_period_at_its_local_end() -> None:
    origin = _utc("2026-10-01T00:00:00Z")  # Berlin's October began two hours earlier
    grid = MinuteGrid(origin=origin, minutes=40 * 1440)
    total = np.full(grid.minutes, 100, np.int64)
    good = total.copy()
    good[:1440] -= 1  # 1 % errors on October 1st: 1,440 bad of 4.46 M in the month
    berlin = SloWindow(calendar=CalendarUnit.MONTH, time_zone="Europe/Berlin")
    result = compliance(OccurrenceSeries(good, total), grid, 0.999, berlin)
    closed = result.closed_periods
    assert [to_rfc3339(p.end) for p in closed] == ["2026-10-31T23:00:00Z"]  # CET after Oct 25
    october_minutes = (_utc("2026-10-31T23:00:00Z") - origin) // 60
    assert closed[0].total == 100 * october_minutes
    assert closed[0].budget_left == pytest.approx(1 - 1440 / (0.001 * 100 * october_minutes))
    # The first UTC day end judges October to date: 1 % errors against 0.1 % allowed.
    assert result.periods[0].end == _utc("2026-10-02T00:00:00Z")
    assert not result.periods[0].met


def test_page_on_too_few_events_fires_as_a_ticket_like_the_live_alerts() -> None:
    grid = MinuteGrid(origin=0, minutes=4 * 1440)
    total = np.full(grid.minutes, 3, np.int64)
    good = total.copy()
    good[3000:3010] = 1  # 10 minutes at 67 % errors; page pairs see 15 and 90 events
    series = OccurrenceSeries(good, total)
    window = SloWindow(Window.of(30 * 86400))
    replay = replay_alerts(series, grid, 0.999, window, WORKBOOK_PAIRS, min_events=200)
    assert replay.of("page") == ()
    assert replay.demoted_pages == 1
    assert any("1h/5m (demoted page)" in t.pairs for t in replay.of("ticket"))
    # Without a minimum the same burst pages.
    assert len(replay_alerts(series, grid, 0.999, window, WORKBOOK_PAIRS).of("page")) == 1


def test_scattered_bad_minutes_are_not_an_incident() -> None:
    total = np.full(600, 4, np.int64)
    good = total.copy()
    good[[100, 110, 120, 130]] = 3  # four lone errors ten minutes apart: one span, four bad minutes
    good[300:305] = 2  # five bad minutes in a row
    assert find_incidents(OccurrenceSeries(good, total), 0.99) == [(300, 305)]


def test_time_slice_incidents_use_the_slice_target() -> None:
    total = np.full(600, 100, np.int64)
    good = total.copy()
    good[200:210] = 93  # 7 % errors: breaks a 95 % slice target, under 10 x a 1 % budget
    slices = for_budgeting(good, total, Budgeting(BudgetingMethod.TIMESLICES, 300, 0.95))
    assert find_incidents(slices, 0.99) == [(200, 210)]
    assert find_incidents(OccurrenceSeries(good, total), 0.99) == []


def test_an_incident_is_credited_only_with_a_page_that_saw_it() -> None:
    grid = MinuteGrid(origin=0, minutes=2 * 1440)
    total = np.full(grid.minutes, 1000, np.int64)
    good = total.copy()
    good[1000:1006] -= 20  # 6 minutes at 2 %: an incident at 99.9 %, but a 1h burn of 2 pages nothing
    good[1350:1353] -= 500  # 344 minutes later a 3-minute burst only the 1h/5m pair pages on
    window = SloWindow(Window.of(30 * 86400))
    replay = replay_alerts(OccurrenceSeries(good, total), grid, 0.999, window, PAGES)
    (page,) = replay.of("page")
    assert (page.start, page.pairs) == (1355 * 60, ("1h/5m",))  # 6h: 1,500 bad of 360,000 = burn 4.2 < 6
    # Within one 6h window of the quiet incident, but the 1h window that paged began 289 minutes
    # after it ended: the page did not see it.
    (quiet,) = replay.incidents  # the burst itself is 3 bad minutes: not an incident
    assert quiet.start == 1000 * 60 and quiet.first_page is None


def test_demoted_pages_raise_tickets_even_without_ticket_pairs() -> None:
    grid = MinuteGrid(origin=0, minutes=4 * 1440)
    total = np.full(grid.minutes, 3, np.int64)
    good = total.copy()
    good[3000:3010] = 1
    replay = replay_alerts(
        OccurrenceSeries(good, total),
        grid,
        0.999,
        SloWindow(Window.of(30 * 86400)),
        PAGES,
        min_events=200,
    )
    assert replay.of("page") == ()
    assert replay.demoted_pages == 1
    (ticket,) = replay.of("ticket")
    assert all(label.endswith("(demoted page)") for label in ticket.pairs)


@pytest.mark.parametrize("unit", list(CalendarUnit))
def test_period_in_force_at_each_step_is_the_calendar_period_holding_it(unit: CalendarUnit) -> None:
    # Five-minute steps over 100 days across Berlin's clock change, and instants on the period edges.
    window = SloWindow(calendar=unit, time_zone="Europe/Berlin")
    origin = _utc("2026-09-01T00:00:00Z")
    steps = origin + np.arange(0, 100 * 86400, 300, dtype=np.int64)
    edges = [span_at(window, int(t)).period_end + d for t in steps[::2000] for d in (-1, 0, 1)]
    instants = np.unique(np.concatenate([steps, np.array(edges, np.int64)]))
    expected = [span_at(window, int(t)).period_seconds for t in instants]
    assert period_seconds_at(window, instants).tolist() == expected
    assert len(set(expected)) > 1  # periods of more than one length were crossed
