"""From when a run needs minutes: its last hours, unless something it sums splits hours earlier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import configs

from reliability.config import load_config
from reliability.core.grid import HOUR, grid_ending_at
from reliability.stages.minute_detail import alert_step_detail_from, is_hour_point, minute_detail_from

NOW = 1_793_881_020  # 2026-11-05T12:17:00Z: hour points are whole UTC hours and whole hours back
GRID = grid_ending_at(NOW, 40 * 86400)


def detail_from(tmp_path: Path, **slo_options: Any) -> tuple[int, int]:
    """(From when minutes are needed, from when 5-minute step points are.)"""
    component = configs.component("api", configs.slo("api", slo_options.pop("objective", 99), **slo_options))
    (tmp_path / "events.csv").write_text("ts,comp,status\n")
    config = load_config(configs.write_config(tmp_path, configs.service("shop", component)))
    return minute_detail_from(config, GRID), alert_step_detail_from(config, GRID)


# The alert timeline: 1d back to its start, 1d more for the window's own burn rate (the longest
# alert window, scaled to a 1-day period, is 2h24m). Its windows scaled to a day are not whole
# 5-minute steps (5m becomes 1m), so it needs minutes there; scaled to 30 days (or a month, or
# 90 days) they are, and step points are enough for it.
DAY_WINDOW_REACH = NOW - 2 * 24 * HOUR
NO_STEPS = GRID.end
RECENT = NOW - 6 * HOUR


@pytest.mark.parametrize(
    ("options", "minutes_from", "steps_from"),
    [
        ({"window": "1d"}, DAY_WINDOW_REACH, NO_STEPS),
        (
            {"window": "2d12h30m"},
            NOW - 121 * HOUR,
            NO_STEPS,
        ),  # twice the window: its start, and its burn rate
        ({"window": "1d", "objective": "auto"}, GRID.origin, NO_STEPS),  # the backtest replays every minute
        (
            {"window": "1d", "budgeting": {"method": "timeslices", "slice": "5m", "target": 95}},
            GRID.origin,
            NO_STEPS,
        ),
        (
            {"window": "1d", "budgeting": {"method": "timeslices", "slice": "2h", "target": 95}},
            DAY_WINDOW_REACH,
            NO_STEPS,
        ),
        ({"window": {"calendar": "month"}}, RECENT, NOW - 829 * HOUR),  # 1 November and 30 days before it
        # The month starts at 18:30 UTC: minutes from there (back to an hour point), steps as above.
        ({"window": {"calendar": "month", "time_zone": "Asia/Kolkata"}}, NOW - 114 * HOUR, NOW - 834 * HOUR),
        ({"window": "30d"}, RECENT, GRID.origin),  # the 40 days of this grid are all needed, at steps
        ({"window": "7d"}, NOW - 14 * 24 * HOUR, NO_STEPS),  # scaled to 7 days, 5m becomes 1m
    ],
)
def test_minutes_are_needed_from_the_last_hours_or_from_where_a_sum_splits_an_hour(
    tmp_path: Path, options: dict[str, Any], minutes_from: int, steps_from: int
) -> None:
    found = detail_from(tmp_path, **options)
    assert found == (minutes_from, steps_from)
    assert is_hour_point(found[0], GRID) and is_hour_point(found[1], GRID)
