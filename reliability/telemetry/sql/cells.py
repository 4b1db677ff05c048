"""The latency sketch's cells in SQL: the minutes whose latencies the sketch never tells apart, so
the engine sums them before they come back.

latency_sketch keeps each UTC hour in two parts split at now's minute of the hour, starts a part
at the first minute of every window it reads exactly, and keeps each of the last recent minutes on
its own. Buckets summed per cell fold into the same sketch as buckets per minute, at a fraction of
the rows (10M events over 30 days: 1.5M rows, not 8.3M).
"""

from __future__ import annotations

from dataclasses import dataclass

from reliability.core.latency_sketch import MINUTES_PER_HOUR, RECENT_MINUTES


@dataclass(frozen=True)
class SketchCells:
    """The cells of a LatencyFold(components, minutes, window_starts, recent_minutes)."""

    minutes: int
    window_starts: tuple[int, ...] = ()
    recent_minutes: int = RECENT_MINUTES

    def first_minute(self, minute: str) -> str:
        """SQL: the first minute of the cell holding `minute`, a BIGINT grid minute in [0, minutes)."""
        split = self.minutes % MINUTES_PER_HOUR  # now's minute of the hour
        hour = f"({minute} - {minute} % {MINUTES_PER_HOUR})"
        part = f"CASE WHEN {minute} % {MINUTES_PER_HOUR} >= {split} THEN {hour} + {split} ELSE {hour} END"
        starts = sorted({w for w in self.window_starts if 0 < w < self.minutes})
        later = [f"CASE WHEN {minute} >= {w} THEN {w} ELSE 0 END" for w in starts]
        first = f"greatest({part}, {', '.join(later)})" if later else part
        recent_from = self.minutes - min(self.recent_minutes, self.minutes)
        return f"(CASE WHEN {minute} >= {recent_from} THEN {minute} ELSE {first} END)"
