"""From when a run needs minutes: its last hours, unless something it sums splits hours earlier."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support import configs

from reliability.config import load_config
from reliability.core.grid import HOUR, grid_ending_at
from reliability.stages.minute_detail import is_hour_point, minute_detail_from

NOW = 1_793_881_020  # 2026-11-05T12:17:00Z: hour points are whole UTC hours and whole hours back
GRID = grid_ending_at(NOW, 40 * 86400)


def detail_from(tmp_path: Path, **slo_options: Any) -> int:
    component = configs.component("api", configs.slo("api", slo_options.pop("objective", 99), **slo_options))
    (tmp_path / "events.csv").write_text("ts,comp,status\n")
    config = load_config(configs.write_config(tmp_path, configs.service("shop", component)))
    return minute_detail_from(config, GRID)


# The alert timeline: 1d back to its start, 1d more for the window's own burn rate (the longest
# alert window, scaled to a 1-day period, is 2h24m).
DAY_WINDOW_REACH = NOW - 2 * 24 * HOUR


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"window": "1d"}, DAY_WINDOW_REACH),
        ({"window": "2d12h30m"}, NOW - 121 * HOUR),  # twice the window: its start, and its burn rate there
        ({"window": "1d", "objective": "auto"}, GRID.origin),  # the backtest replays every minute
        ({"window": "1d", "budgeting": {"method": "timeslices", "slice": "5m", "target": 95}}, GRID.origin),
        (
            {"window": "1d", "budgeting": {"method": "timeslices", "slice": "2h", "target": 95}},
            DAY_WINDOW_REACH,
        ),
        ({"window": {"calendar": "month"}}, NOW - 829 * HOUR),  # 1 November and 30 days before it
        ({"window": {"calendar": "month", "time_zone": "Asia/Kolkata"}}, NOW - 834 * HOUR),  # 18:30 UTC
        ({"window": "30d"}, GRID.origin),  # the 40 days of this grid are all needed
    ],
)
def test_minutes_are_needed_from_the_last_hours_or_from_where_a_sum_splits_an_hour(
    tmp_path: Path, options: dict[str, Any], expected: int
) -> None:
    found = detail_from(tmp_path, **options)
    assert found == expected
    assert is_hour_point(found, GRID)
