"""Alert timeline: spans of firing steps per severity, as the backtest replays the pairs."""

from __future__ import annotations

import numpy as np

from reliability.config.defaults import WORKBOOK_PAIRS
from reliability.config.model import SloWindow
from reliability.core.alert_timeline import firing_spans
from reliability.core.backtest import replay_alerts
from reliability.core.grid import DAY, MinuteGrid
from reliability.core.replay import OccurrenceSeries
from reliability.vocabulary import Window

MINUTES = 4 * 1440
GRID = MinuteGrid(origin=0, minutes=MINUTES)  # epoch 0 is a UTC midnight
THIRTY_DAYS = SloWindow(Window.of(30 * DAY))


def _steady() -> tuple[np.ndarray, np.ndarray]:
    total = np.full(MINUTES, 1000, np.int64)
    return total.copy(), total


def test_a_finished_incident_is_one_closed_page_span_starting_at_the_first_page() -> None:
    good, total = _steady()
    start = 3 * 1440 + 601
    good[start : start + 30] = 500  # 30 minutes at 50 % errors
    series = OccurrenceSeries(good, total)

    spans = firing_spans(series, GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS, since=0)

    pages = [s for s in spans if s.severity == "page"]
    assert len(pages) == 1
    (episode,) = replay_alerts(series, GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS).of("page")
    assert pages[0].start == episode.start  # the same replay: the span opens where the episode does
    assert pages[0].end is not None and pages[0].start < pages[0].end <= MINUTES * 60
    assert "1h/5m" in pages[0].pairs


def test_a_burn_lasting_to_the_end_stays_open_and_since_cuts_earlier_spans() -> None:
    good, total = _steady()
    good[1000:1030] = 500  # an early incident
    good[-20:] = 400  # and one still going at the evaluation time
    series = OccurrenceSeries(good, total)

    every = firing_spans(series, GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS, since=0)
    late = firing_spans(series, GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS, since=2 * DAY)

    assert [s.severity for s in every if s.severity == "page"] == ["page", "page"]
    assert every[-1].end is None or any(s.end is None for s in every)
    assert all(s.start >= 2 * DAY for s in late)
    assert [s for s in late if s.severity == "page" and s.end is None]


def _lumped_at_steps(counts: np.ndarray, first: int) -> np.ndarray:
    """Each 5-minute step's count from minute `first` on booked in its last minute, as counters
    read at 5-minute points book it."""
    lumped = counts.copy()
    steps = counts[first:].reshape(-1, 5).sum(axis=1)
    lumped[first:] = 0
    lumped[first + 4 :: 5] = steps
    return lumped


def test_counts_known_only_at_step_points_after_the_first_data_give_the_same_spans() -> None:
    rng = np.random.default_rng(7)
    total = rng.poisson(200, MINUTES).astype(np.int64)
    bad = rng.binomial(total, 0.0005)
    for start, minutes, share in ((1500, 23, 0.3), (2 * 1440 + 17, 200, 0.02), (3 * 1440 + 903, 41, 0.6)):
        bad[start : start + minutes] = rng.binomial(total[start : start + minutes], share)
    series = OccurrenceSeries(total - bad, total)
    # From the first step point after the data began: the minute it began at stays where it was.
    lumped = OccurrenceSeries(_lumped_at_steps(total - bad, 5), _lumped_at_steps(total, 5))

    exact = firing_spans(series, GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS, since=DAY, min_events=500)
    assert {s.severity for s in exact} == {"page", "ticket"}
    assert firing_spans(lumped, GRID, 0.999, THIRTY_DAYS, WORKBOOK_PAIRS, since=DAY, min_events=500) == exact
