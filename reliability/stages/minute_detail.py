"""From when a run needs its counts minute by minute; before that, whole hours are enough.

A count summed between two instants is the same whether it was booked minute by minute or in
lumps that end at those instants. Before the returned time, every span a run's figures sum
(windows, UTC days, worst hours, budget slices, attribution hours and days) starts and ends on
an hour point: a whole UTC hour, or a whole number of hours before the evaluation time. A source
that can ask for less (Prometheus) reads counters only at those points there, and minute by
minute after it. `objective: auto` replays the history minute by minute, so it needs all of it.

The alert timeline replays each SLO at 5-minute steps counted from the grid's UTC-midnight origin,
over windows that are whole multiples of 5 minutes for the usual window sets: it sums spans
between 5-minute points only, so from its reach up to the minute detail counts at those points
are enough (alert_step_detail_from). A set with a window of another length needs minutes there.
"""

from __future__ import annotations

from reliability.config.model import BudgetingMethod, Config, Slo
from reliability.conventions import RECENT_WINDOWS
from reliability.core.backtest import ALERT_STEP_SECONDS
from reliability.core.grid import HOUR, MINUTE, MinuteGrid
from reliability.core.windows import WindowSpan
from reliability.stages.slo_measurements import window_spans

RECENT_DETAIL_SECONDS = 6 * HOUR  # as the latency sketch: the last hours always minute by minute


def is_hour_point(instant: int, grid: MinuteGrid) -> bool:
    """A whole UTC hour (the grid starts at UTC midnight) or whole hours before the evaluation time."""
    return (instant - grid.origin) % HOUR == 0 or (grid.end - instant) % HOUR == 0


def _alert_timeline_reach(config: Config, slo: Slo, span: WindowSpan, grid: MinuteGrid) -> int:
    """How far back the alert timeline's replay reads: every 5 minutes from the SLO window's start,
    each step over its alert windows and the SLO period."""
    longest = max((pair.long.seconds for pair in config.alert_window_sets[slo.alert_windows]), default=0)
    return max(span.start, grid.origin) - max(longest, span.period_seconds)


def replays_at_steps(config: Config, slo: Slo) -> bool:
    """Whether every alert window of the SLO is whole alert steps long: its timeline then sums
    spans between step points only (each step, less a window, is another step point)."""
    pairs = config.alert_window_sets[slo.alert_windows]
    return all(w.seconds % ALERT_STEP_SECONDS == 0 for pair in pairs for w in (pair.long, pair.short))


def _hour_point_before(instant: int, grid: MinuteGrid) -> int:
    """The hour point at or before `instant`, counted back from the evaluation time (not before the grid)."""
    hours_back = -(-(grid.end - instant) // HOUR)
    return max(grid.origin, grid.end - hours_back * HOUR)


def alert_step_detail_from(config: Config, grid: MinuteGrid) -> int:
    """From when `run` needs counts at every alert step point (an hour point): the earliest reach
    of the timelines that sum spans between step points only; the grid's end when there are none."""
    reaches = [
        _alert_timeline_reach(config, slo, window_spans(config, slo, grid)[0], grid)
        for slo in config.slos
        if slo.objective_percent is not None and replays_at_steps(config, slo)
    ]
    return _hour_point_before(min(reaches), grid) if reaches else grid.end


def minute_detail_from(config: Config, grid: MinuteGrid) -> int:
    """The earliest instant from which `run` needs counts minute by minute (an hour point)."""
    earliest = grid.end - RECENT_DETAIL_SECONDS
    starts = [grid.end - window.seconds for window in RECENT_WINDOWS]
    for slo in config.slos:
        sliced = slo.budgeting.method is not BudgetingMethod.OCCURRENCES
        if slo.objective_percent is None or (sliced and slo.budgeting.slice_seconds % HOUR):
            return grid.origin  # each day's slices are counted back from its end
        span, spans = window_spans(config, slo, grid)
        starts.extend(grid.origin + named.first_minute * MINUTE for named in spans)
        if not replays_at_steps(config, slo):
            earliest = min(earliest, _alert_timeline_reach(config, slo, span, grid))
    for start in starts:
        if start > grid.origin and not is_hour_point(start, grid):
            earliest = min(earliest, start)
    return _hour_point_before(earliest, grid)
