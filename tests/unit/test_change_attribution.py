"""The budget spent after a change: its minutes, the cut at the evaluation time, no data."""

from __future__ import annotations

import numpy as np
import pytest

from reliability.core.change_attribution import ChangeSpan, attribute_changes, changes_in_window
from reliability.core.grid import MinuteGrid
from reliability.core.replay import OccurrenceSeries

ORIGIN = 1_800_000_000  # a whole minute
GRID = MinuteGrid(ORIGIN, 10)


def _series(bad: list[int], total: int = 100) -> OccurrenceSeries:
    totals = np.full(len(bad), total, dtype=np.int64)
    return OccurrenceSeries(totals - np.array(bad, dtype=np.int64), totals)


BAD = _series([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])  # minute i holds i bad events


def test_a_change_owns_the_minutes_of_its_window_from_its_own() -> None:
    (impact,) = attribute_changes(BAD, GRID, [ChangeSpan(ORIGIN + 120, 180)], allowed=20.0)
    assert (impact.start, impact.end) == (ORIGIN + 120, ORIGIN + 300)
    assert impact.bad == 2 + 3 + 4
    assert impact.budget_share == pytest.approx(9 / 20)


def test_a_change_inside_a_minute_counts_that_minute_and_rounds_its_end_up() -> None:
    (impact,) = attribute_changes(BAD, GRID, [ChangeSpan(ORIGIN + 150, 120)], allowed=10.0)
    assert (impact.start, impact.end) == (ORIGIN + 120, ORIGIN + 300)  # 150 + 120 = 270 -> 300
    assert impact.bad == 2 + 3 + 4


def test_the_span_is_cut_at_the_evaluation_time() -> None:
    (impact,) = attribute_changes(BAD, GRID, [ChangeSpan(ORIGIN + 480, 7200)], allowed=100.0)
    assert impact.end == GRID.end
    assert impact.bad == 8 + 9


def test_a_share_can_exceed_the_whole_budget() -> None:
    (impact,) = attribute_changes(BAD, GRID, [ChangeSpan(ORIGIN, 600)], allowed=9.0)
    assert impact.budget_share == pytest.approx(45 / 9)


def test_no_budget_allowed_is_no_share_not_zero() -> None:
    quiet = _series([0] * 10, total=0)
    (impact,) = attribute_changes(quiet, GRID, [ChangeSpan(ORIGIN + 60, 120)], allowed=0.0)
    assert impact.bad == 0
    assert impact.budget_share is None


def test_each_change_is_attributed_on_its_own_even_when_they_overlap() -> None:
    first, second = attribute_changes(
        BAD, GRID, [ChangeSpan(ORIGIN + 60, 180), ChangeSpan(ORIGIN + 120, 60)], allowed=10.0
    )
    assert (first.bad, second.bad) == (1 + 2 + 3, 2)


def test_no_changes_is_no_impacts() -> None:
    assert attribute_changes(BAD, GRID, [], allowed=10.0) == []


def test_only_changes_inside_the_window_so_far_count() -> None:
    changes = [ChangeSpan(t, 60) for t in (ORIGIN - 1, ORIGIN, ORIGIN + 599, ORIGIN + 600)]
    assert changes_in_window(changes, ORIGIN, ORIGIN + 600) == [1, 2]
