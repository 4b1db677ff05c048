"""Budget adjustments on the minute grid: RRULE expansion across DST, exclude and count_good, no data."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np

from reliability.config.model import Adjustment, AdjustmentMode, Origin
from reliability.core.adjustments import NOT_ADJUSTED, Period, minute_owners, periods_between
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid

BERLIN = ZoneInfo("Europe/Berlin")
ORIGIN = Origin("config.yaml", 1)


def _epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def _sunday_maintenance(**options: object) -> Adjustment:
    values: dict[str, object] = {
        "name": "db-maintenance",
        "reason": "weekly database maintenance",
        "start": datetime(2026, 3, 1, 2, 0, tzinfo=BERLIN),
        "origin": ORIGIN,
        "rrule": "FREQ=WEEKLY;BYDAY=SU",
        "duration_seconds": 7200,
        "time_zone": "Europe/Berlin",
    } | options
    return Adjustment(**values)  # type: ignore[arg-type]


def _one_off(
    start: str, end: str, mode: AdjustmentMode = AdjustmentMode.EXCLUDE, name: str = "once"
) -> Adjustment:
    return Adjustment(
        name, "migration", datetime.fromisoformat(start), ORIGIN, end=datetime.fromisoformat(end), mode=mode
    )


def test_a_weekly_rule_keeps_its_wall_clock_time_across_the_spring_dst_change() -> None:
    periods = periods_between(
        _sunday_maintenance(), _epoch("2026-03-20T00:00:00+00:00"), _epoch("2026-04-13T00:00:00+00:00")
    )
    starts = [datetime.fromtimestamp(p.start, UTC).isoformat() for p in periods]
    # 02:00 in Berlin is 01:00Z in winter (CET) and 00:00Z in summer (CEST); on 29 March 02:00 does
    # not exist and the period starts when the clock would have passed it (01:00Z).
    assert starts == [
        "2026-03-22T01:00:00+00:00",
        "2026-03-29T01:00:00+00:00",
        "2026-04-05T00:00:00+00:00",
        "2026-04-12T00:00:00+00:00",
    ]
    assert {p.end - p.start for p in periods} == {7200}


def test_the_autumn_change_moves_the_period_an_hour_later_in_utc() -> None:
    periods = periods_between(
        _sunday_maintenance(), _epoch("2026-10-18T00:00:00+00:00"), _epoch("2026-11-02T00:00:00+00:00")
    )
    # 18 Oct CEST; 25 Oct (the change) 02:00 happens twice and the first, CEST, is taken; 1 Nov CET
    assert [datetime.fromtimestamp(p.start, UTC).hour for p in periods] == [0, 0, 1]


def test_a_period_already_running_at_the_start_of_the_range_is_kept() -> None:
    since = _epoch("2026-03-22T02:00:00+00:00")  # an hour into the 01:00Z..03:00Z period
    periods = periods_between(_sunday_maintenance(), since, since + 3600)
    assert periods == (Period(_epoch("2026-03-22T01:00:00+00:00"), _epoch("2026-03-22T03:00:00+00:00")),)


def _grid(minutes: int = 10) -> MinuteGrid:
    return MinuteGrid(origin=_epoch("2026-03-02T00:00:00+00:00"), minutes=minutes)


def test_exclude_drops_the_minutes_from_good_and_total() -> None:
    grid = _grid()
    owners = minute_owners((_one_off("2026-03-02T00:02:00+00:00", "2026-03-02T00:05:00+00:00"),), grid)
    series = MinuteSeries(np.full(10, 8, np.int64), np.full(10, 10, np.int64))
    adjusted = owners.adjusted(series)
    assert adjusted.total.tolist() == [10, 10, 0, 0, 0, 10, 10, 10, 10, 10]
    assert adjusted.good.tolist() == [8, 8, 0, 0, 0, 8, 8, 8, 8, 8]
    minutes, count = owners.affected(0, series, 0, grid.minutes)
    assert (minutes, count.good, count.bad) == (3, 24, 6)


def test_count_good_makes_events_good_but_minutes_without_events_stay_without_data() -> None:
    grid = _grid()
    owners = minute_owners(
        (_one_off("2026-03-02T00:00:00+00:00", "2026-03-02T00:10:00+00:00", AdjustmentMode.COUNT_GOOD),), grid
    )
    total = np.array([10, 0, 5, 0, 0, 3, 0, 0, 0, 0], np.int64)
    series = MinuteSeries(np.array([2, 0, 5, 0, 0, 0, 0, 0, 0, 0], np.int64), total)
    adjusted = owners.adjusted(series)
    assert adjusted.good.tolist() == total.tolist()
    assert adjusted.total.tolist() == total.tolist()
    silent = MinuteSeries(np.zeros(10, np.int64), np.zeros(10, np.int64))
    assert owners.adjusted(silent).between(0, 10).no_data  # no data never turns good


def test_an_excluded_window_is_no_data_not_good() -> None:
    grid = _grid()
    owners = minute_owners((_one_off("2026-03-01T00:00:00+00:00", "2026-03-03T00:00:00+00:00"),), grid)
    series = MinuteSeries(np.full(10, 1, np.int64), np.full(10, 4, np.int64))
    count = owners.adjusted(series).between(0, 10)
    assert count.no_data and count.ratio is None


def test_the_first_adjustment_listed_owns_an_overlapping_minute() -> None:
    grid = _grid()
    first = _one_off(
        "2026-03-02T00:00:00+00:00", "2026-03-02T00:04:00+00:00", AdjustmentMode.COUNT_GOOD, "first"
    )
    second = _one_off("2026-03-02T00:02:00+00:00", "2026-03-02T00:06:00+00:00", name="second")
    owners = minute_owners((first, second), grid)
    assert owners.owner.tolist() == [0, 0, 0, 0, 1, 1, *[NOT_ADJUSTED] * 4]


def test_a_partial_minute_is_adjusted_only_when_the_period_covers_its_start() -> None:
    grid = _grid()
    owners = minute_owners((_one_off("2026-03-02T00:01:30+00:00", "2026-03-02T00:03:30+00:00"),), grid)
    assert np.flatnonzero(owners.owner != NOT_ADJUSTED).tolist() == [2, 3]


def test_bad_by_status_loses_every_adjusted_minute() -> None:
    owners = minute_owners((_one_off("2026-03-02T00:00:00+00:00", "2026-03-02T00:02:00+00:00"),), _grid())
    assert owners.without_bad(np.full(10, 3, np.int64)).tolist() == [0, 0, *[3] * 8]
