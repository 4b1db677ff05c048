"""The backtest engine on planted histories whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.model import SloWindow
from reliability.core.backtest import (
    backtest,
    backtest_rationale,
    backtests,
    compliance,
    find_incidents,
    replay_alerts,
    step_windows,
)
from reliability.core.grid import DAY, MinuteGrid
from reliability.core.replay import OccurrenceSeries
from reliability.vocabulary import Window

DAYS = 4
MINUTES = DAYS * 1440
GRID = MinuteGrid(origin=0, minutes=MINUTES)  # epoch 0 is a UTC midnight
THIRTY_DAYS = SloWindow(Window.of(30 * DAY))
ONE_DAY = SloWindow(Window.of(DAY))
TWO_DAYS = SloWindow(Window.of(2 * DAY))


def steady(events_per_minute: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """1000 events a minute, 1 error every other minute: 0.05 % errors (burn 0.5 at 99.9 %)."""
    total = np.full(MINUTES, events_per_minute, np.int64)
    bad = np.zeros(MINUTES, np.int64)
    bad[::2] = 1
    return total - bad, total


def test_fast_incident_pages_at_the_computed_step() -> None:
    good, total = steady()
    start = 3 * 1440 + 601  # 4921, one minute past a 5-minute step
    good[start : start + 30] = 500  # 30 minutes at 50 % errors

    replay = replay_alerts(OccurrenceSeries(good, total), GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS)

    # 1h/5m pair, factor 14.4 at 99.9 %: it needs more than 0.0144 x 60,000 = 864 bad in the hour.
    # With k incident minutes in the hour: 500 k + at most 30 baseline errors; k = 1 gives 530,
    # k = 2 gives 1,029. The 5m window then holds >= 500 of 5,000 (10 % > 1.44 %).
    # So the first step with k >= 2 is minute 4923 rounded up to the 5-minute grid: 4925.
    pages = replay.of("page")
    assert len(pages) == 1  # the 6h/30m pair keeps it firing until the 1h/5m pair stops: one episode
    assert pages[0].start == 4925 * 60
    assert "1h/5m" in pages[0].pairs
    assert not pages[0].low_traffic
    (incident,) = replay.incidents
    assert (incident.start, incident.end) == (start * 60, (start + 30) * 60)
    assert incident.seconds_to_page == (4925 - 4921) * 60


def test_slow_burn_tickets_without_paging() -> None:
    good, total = steady()
    good[1440:2880] = total[1440:2880] - 20  # a whole day at 2 % errors

    # At 99.5 % the burn is 2 % / 0.5 % = 4: above the ticket factors (3 for 1d/2h, 1 for 3d/6h),
    # below both page factors (14.4 for 1h/5m, 6 for 6h/30m).
    replay = replay_alerts(OccurrenceSeries(good, total), GRID, 0.995, THIRTY_DAYS, WORKBOOK_PAIRS)

    assert replay.of("page") == ()
    tickets = replay.of("ticket")
    assert len(tickets) >= 1
    assert 1440 * 60 < tickets[0].start <= 2880 * 60
    assert replay.incidents == ()  # 2 % never exceeds 10 x 0.5 %


def test_page_on_low_traffic_is_counted_as_such() -> None:
    # 15 events in 5 minutes, 90 in 30: both page pairs' short windows are under the default 100.
    total = np.full(MINUTES, 3, np.int64)
    good = total.copy()
    good[3000:3010] = 1  # 10 minutes at 67 % errors

    replay = replay_alerts(OccurrenceSeries(good, total), GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS)

    assert len(replay.low_traffic_pages) == 1
    assert replay.low_traffic_pages[0].short_window_events < 100
    # With alerting.min_events 40 the 6h/30m pair's 90 events are enough traffic.
    confident = replay_alerts(
        OccurrenceSeries(good, total), GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS, min_events=40
    )
    assert len(confident.of("page")) == 1
    assert confident.low_traffic_pages == ()


def test_incidents_merge_short_gaps_and_drop_blips() -> None:
    good, total = steady()
    good[100:110] = 0  # 10 bad minutes
    good[120:130] = 0  # 10 more after a 10-minute gap: merged
    good[200:230] = 0  # after a 70-minute gap: a second incident
    good[400] = 0  # one bad minute: dropped
    assert find_incidents(OccurrenceSeries(good, total), 0.999) == [(100, 130), (200, 230)]


def small_history() -> tuple[np.ndarray, np.ndarray, MinuteGrid]:
    """3 days, 100 events a minute (144,000 a day); 0, 100 and 300 bad events on days 0, 1, 2."""
    total = np.full(3 * 1440, 100, np.int64)
    good = total.copy()
    good[1440:1540] -= 1
    good[2880:3180] -= 1
    return good, total, MinuteGrid(origin=0, minutes=3 * 1440)


def test_met_share_and_budget_left_by_hand() -> None:
    good, total, grid = small_history()
    # 1-day window, so each day end judges one day. Allowed bad: 144 at 99.9 %, 1,440 at 99 %.
    strict = compliance(OccurrenceSeries(good, total), grid, 0.999, ONE_DAY)
    assert [p.end for p in strict.periods] == [DAY, 2 * DAY, 3 * DAY]
    assert [p.budget_left for p in strict.periods] == pytest.approx([1.0, 1 - 100 / 144, 1 - 300 / 144])
    assert [p.met for p in strict.periods] == [True, True, False]
    assert strict.met_share == pytest.approx(2 / 3)

    loose = compliance(OccurrenceSeries(good, total), grid, 0.99, ONE_DAY)
    assert [p.budget_left for p in loose.periods] == pytest.approx([1.0, 1 - 100 / 1440, 1 - 300 / 1440])
    assert loose.met_share == 1.0

    # A 2-day window is covered only at the last two day ends.
    two_days = compliance(OccurrenceSeries(good, total), grid, 0.99, TWO_DAYS)
    assert [p.budget_left for p in two_days.periods] == pytest.approx([1 - 100 / 2880, 1 - 400 / 2880])


def test_windows_starting_before_the_data_are_not_judged() -> None:
    good, total, grid = small_history()
    total[:720], good[:720] = 0, 0  # data starts at noon on day 0
    periods = compliance(OccurrenceSeries(good, total), grid, 0.99, ONE_DAY).periods
    assert [p.end for p in periods] == [2 * DAY, 3 * DAY]


@pytest.mark.parametrize(("late_minutes", "judged"), [(1439, True), (1440, False)])
def test_a_window_is_judged_when_data_began_under_a_30th_of_it_late(late_minutes: int, judged: bool) -> None:
    grid = MinuteGrid(origin=0, minutes=31 * 1440)
    total = np.full(grid.minutes, 10, np.int64)
    total[:late_minutes] = 0
    window = SloWindow(Window.of(30 * DAY))
    ends = [p.end for p in compliance(OccurrenceSeries(total.copy(), total), grid, 0.99, window).periods]
    # The window ending at day 30 starts at minute 0; the one ending at day 31 starts after the data.
    assert ends == ([30 * DAY, 31 * DAY] if judged else [31 * DAY])


def test_rationale_picks_the_highest_candidate_within_the_margin() -> None:
    good, total, grid = small_history()
    sets = {"sre-workbook": WORKBOOK_PAIRS}
    candidates = [
        backtest(OccurrenceSeries(good, total), grid, objective, ONE_DAY, sets)
        for objective in (0.99, 0.995, 0.999)
    ]
    # A 1-day SLO window scales the factors down to ~1/30 of a 30-day one: every blip pages.
    assert "page" in dict(backtest_rationale(candidates, margin=0.75).reasons)[0.99]
    rationale = backtest_rationale(candidates, margin=0.75, max_pages_per_30d=float("inf"))
    # 99.5 %: 300 of 720 allowed = 42 % used (within 75 %); 99.9 % missed on day 2.
    assert rationale.chosen == 0.995
    assert "missed" in dict(rationale.reasons)[0.999]


def test_a_ladder_replayed_together_matches_each_candidate_replayed_alone() -> None:
    good, total = steady()
    good[3 * 1440 + 601 : 3 * 1440 + 611] = 900  # 10 % errors for 10 minutes: 99 % and up page
    series = OccurrenceSeries(good, total)
    objectives = (0.9, 0.99, 0.995, 0.999)
    sets = {"workbook": WORKBOOK_PAIRS}

    together = backtests(series, GRID, objectives, TWO_DAYS, sets, min_events=200)

    assert together == [backtest(series, GRID, o, TWO_DAYS, sets, min_events=200) for o in objectives]
    assert {len(c.replays[0].of("page")) for c in together} == {0, 1}  # the objectives disagree


def test_step_windows_sums_each_window_length_once_at_every_step() -> None:
    good, total = steady()
    at = step_windows(OccurrenceSeries(good, total), GRID, THIRTY_DAYS, WORKBOOK_PAIRS)

    lengths = {w.seconds // 60 for p in WORKBOOK_PAIRS for w in (p.long, p.short)}
    assert set(at.counts) == lengths
    assert at.steps[0] == 5 and at.steps[-1] == MINUTES
    hour = at.counts[60]
    assert hour.total[-1] == 60 * 1000 and hour.bad[-1] == 30  # the last hour: 30 errors


def test_step_windows_from_an_instant_are_the_tail_of_the_whole_grid() -> None:
    good, total = steady()
    good[1000:1010] = 0
    series = OccurrenceSeries(good, total)
    whole = step_windows(series, GRID, THIRTY_DAYS, WORKBOOK_PAIRS)

    tail = step_windows(series, GRID, THIRTY_DAYS, WORKBOOK_PAIRS, since=2 * DAY)

    assert tail.instants[0] == 2 * DAY and tail.first_data == whole.first_data
    shown = whole.instants >= 2 * DAY
    assert np.array_equal(tail.steps, whole.steps[shown])
    for minutes, counts in tail.counts.items():
        assert np.array_equal(counts.bad, whole.counts[minutes].bad[shown])
