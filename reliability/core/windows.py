"""Where an SLO window starts and ends at an evaluation time: rolling, or a calendar period.

Calendar periods (ISO week from Monday, month, quarter) begin at local midnight in
the window's IANA time zone, so a period holding a DST change is an hour shorter or
longer than its days x 24 h. The budget of a calendar window is measured from the
start of the current period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from reliability.config.model import CalendarUnit, SloWindow


@dataclass(frozen=True)
class WindowSpan:
    start: int  # epoch seconds
    end: int  # the evaluation time
    period_seconds: int  # the full length the budget is for: the rolling duration, or the whole period
    period_end: int  # when the period closes: `end` for a rolling window

    @property
    def elapsed_seconds(self) -> int:
        return self.end - self.start

    @property
    def elapsed_share(self) -> float:
        return self.elapsed_seconds / self.period_seconds


def _period_start(local: datetime, unit: CalendarUnit) -> datetime:
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if unit is CalendarUnit.WEEK:
        return midnight - timedelta(days=local.weekday())
    if unit is CalendarUnit.MONTH:
        return midnight.replace(day=1)
    first_month = 3 * ((local.month - 1) // 3) + 1
    return midnight.replace(month=first_month, day=1)


def _next_period_start(start: datetime, unit: CalendarUnit) -> datetime:
    if unit is CalendarUnit.WEEK:
        return start + timedelta(days=7)
    months = 1 if unit is CalendarUnit.MONTH else 3
    month_index = start.month - 1 + months
    return start.replace(year=start.year + month_index // 12, month=month_index % 12 + 1)


def _epoch(local_wall_time: datetime, zone: ZoneInfo) -> int:
    # Wall-clock arithmetic above keeps tzinfo; re-attach the zone so the offset is the one
    # in force at that wall time (midnight after a DST change has the new offset).
    return int(local_wall_time.replace(tzinfo=zone).timestamp())


def span_at(window: SloWindow, now: int) -> WindowSpan:
    if window.calendar is None:
        assert window.rolling is not None
        seconds = window.rolling.seconds
        return WindowSpan(now - seconds, now, seconds, now)
    zone = ZoneInfo(window.time_zone)
    local = datetime.fromtimestamp(now, UTC).astimezone(zone).replace(tzinfo=None)
    start_wall = _period_start(local, window.calendar)
    next_wall = _next_period_start(start_wall, window.calendar)
    start, period_end = _epoch(start_wall, zone), _epoch(next_wall, zone)
    return WindowSpan(start, now, period_end - start, period_end)
