"""Counters read at hour points before the minute detail, minute by minute after it.

Minute by minute, a counter's increases are booked between consecutive minute instants
(prometheus_api). When its values never fall, what those increases add up to between two
instants is the later value minus the earlier one, whatever happened between them: so for
figures that only sum spans between hour points (stages.minute_detail), the counter read at
those points alone books the same counts in the same spans, with 60 times fewer samples.

That holds for a series when, before the detail starts, its raw samples never fall (no reset)
and it has a finite value at every hour point between its first and its last; one that starts
(or ends) between hour points must have kept its first (last) value there. An instant query per
group of selectors asks the server for each series' resets over those samples, and one more
about the edges when a series starts or ends in between (`min_over_time` since the history
starts, `max_over_time` up to the detail). A selector with a series for which it does not hold,
or whose server cannot answer those queries, is read minute by minute over the whole history
(and so are the other selectors of its SLIs: prometheus_alike).

NaN and infinite samples between hour points would not be seen there: not counted as skipped (nor
stopping a strict run) as a minute read counts them, and a reset next to one is hidden (`resets`
does not count a fall across a NaN). So the check adds nothing times the sum of the samples, which
is NaN when one is not finite: such a series is read minute by minute too (a second pass over the
samples on the server; stale markers are not samples there, and a fall across them is a reset).

Where only the alert timeline needs more (stages.minute_detail), the same holds at its 5-minute
step points: from `steps_from` the counters are read at those points too. The replay also judges
each window by the first minute with data, which a lump would move: where a series that counts
events first grows after `steps_from`, every series is also read minute by minute over the steps
from the first to the last such growth (the same minutes for all, so that good, bad and total
counters of one SLI are lumped alike: a minute's good is clipped to 0..total).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from reliability.core.backtest import ALERT_STEP_SECONDS
from reliability.core.grid import HOUR, MINUTE, MinuteGrid
from reliability.telemetry.prometheus_answer import RangeSeries
from reliability.telemetry.prometheus_asks import Ask, time_chunks

# A minute instant takes the last sample up to this much older (Prometheus' default lookback):
# the checks cover those samples too. A longer lookback on the server only makes them stricter.
LOOKBACK_SECONDS = 300
Labels = tuple[tuple[str, str], ...]


def _over(selector: str, seconds: int) -> str:
    return f"({selector}[{seconds}s])"


def resets_query(selector: str, seconds: int) -> str:
    """Per series: its resets over the range (one pass over its samples, the costly part)."""
    return f"resets{_over(selector, seconds)}"


def finite_resets_query(selector: str, seconds: int) -> str:
    """Per series: its resets over the range, or NaN when one of its samples is NaN or infinite."""
    return f"{resets_query(selector, seconds)} + 0 * sum_over_time{_over(selector, seconds)}"


def _figures(answer: list[RangeSeries]) -> dict[Labels, float]:
    return {series.labels: float(series.values[0]) if series.values.size else np.nan for series in answer}


@dataclass
class Reading:
    """What the check and the hour points say about each series of a group of selectors."""

    series: set[Labels]  # every series seen, by its labels (one metric per group)
    refused: set[Labels]  # series that must be read minute by minute
    first_values: dict[Labels, float]  # to confirm: it kept this value since it started
    last_values: dict[Labels, float]  # to confirm: it kept this value after it ended
    latest_start: float
    earliest_end: float
    # (point before, point after) the step it first grows in, after `steps_from`: read by minutes
    first_growth: dict[Labels, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class HourPlan:
    """Hour points over [grid origin, detail_from], minutes over [detail_from, grid end], and
    step points (every 5 minutes from the grid's origin) over [steps_from, detail_from]."""

    grid: MinuteGrid
    detail_from: int  # an hour point counted back from the grid's end
    steps_from: int | None = None  # None: hour points only before the detail

    def hour_points(self) -> list[tuple[int, int]]:
        """(first, last) instants of each hour-step range: whole UTC hours, and whole hours before the end."""
        origin, detail = self.grid.origin, self.detail_from
        ranges = [(origin, origin + (detail - origin) // HOUR * HOUR)]
        offset = (detail - origin) % HOUR
        if offset:
            ranges.append((origin + offset, detail))
        return ranges

    def point_ranges(self) -> list[tuple[int, int, int]]:
        """(first, last, step) of each range read before the detail: hour points, then step points.

        Hour points that are also step points are read once, with the steps: each range read
        costs the server a pass over every raw sample it spans.
        """
        hours = self.hour_points()
        if self.steps_from is None:
            return [(first, last, HOUR) for first, last in hours]
        origin, step = self.grid.origin, ALERT_STEP_SECONDS
        first = origin - (origin - self.steps_from) // step * step
        last = origin + (self.detail_from - origin) // step * step
        if first >= last:
            return [(lo, hi, HOUR) for lo, hi in hours]
        return [(lo, _up_to_steps(lo, hi, first, origin), HOUR) for lo, hi in hours] + [(first, last, step)]

    def instants(self) -> set[float]:
        return {float(t) for first, last, step in self.point_ranges() for t in range(first, last + 1, step)}

    def hourly_asks(self, selector: str) -> list[Ask]:
        """The range queries of every point before the detail (the ranges overlap at some points)."""
        return [
            Ask(selector, lo, hi, step)
            for first, last, step in self.point_ranges()
            for lo, hi in time_chunks(first, last, step)
        ]

    def asks(self, selector: str) -> Iterator[Ask]:
        """The check, then the hour points, then the minutes: what a selector needs."""
        seconds = self.detail_from - self.grid.origin + LOOKBACK_SECONDS
        yield Ask(finite_resets_query(selector, seconds), 0, self.detail_from, optional=True)
        yield from self.hourly_asks(selector)
        for lo, hi in time_chunks(self.detail_from, self.grid.end, MINUTE):
            yield Ask(selector, lo, hi, MINUTE)

    def request_count(self) -> int:
        return sum(1 for _ in self.asks(""))

    def read(self, check: list[RangeSeries], hourly: list[RangeSeries]) -> Reading:
        """Which series could be read at hour points, and what edge_asks must confirm for some.

        Each series must have no reset, and a finite value at every hour point from its first to
        its last. One that starts after the first point (or ends before
        the last) must also have kept that value since its start (after its end).
        """
        instants = np.array(sorted(self.instants()))
        present: dict[Labels, list[RangeSeries]] = {}
        for series in hourly:
            present.setdefault(series.labels, []).append(series)
        resets = _figures(check)
        reading = Reading(set(present) | set(resets), set(), {}, {}, float(instants[0]), float(instants[-1]))
        # A reset, no check, or samples but none at an hour point.
        reading.refused = {
            labels for labels in reading.series if resets.get(labels) != 0 or labels not in present
        }
        for labels in reading.series - reading.refused:
            stamps, values = _in_time_order(present[labels])
            first = int(np.searchsorted(instants, stamps[0]))
            if not np.array_equal(stamps, instants[first : first + stamps.size]):
                reading.refused.add(labels)  # pauses between two hour points
                continue
            if not np.isfinite(values).all():
                reading.refused.add(labels)
                continue
            grown = self._first_growth_among_steps(stamps, values)
            if grown is not None:
                reading.first_growth[labels] = grown
            if first > 0:
                reading.first_values[labels] = float(values[0])
                reading.latest_start = max(reading.latest_start, float(stamps[0]))
            if first + stamps.size < instants.size:
                reading.last_values[labels] = float(values[-1])
                reading.earliest_end = min(reading.earliest_end, float(stamps[-1]))
        return reading

    def _first_growth_among_steps(self, stamps: np.ndarray, values: np.ndarray) -> tuple[int, int] | None:
        """The points around the series' first growth when after `steps_from`, where a lump would
        move the minute it grows in; else None."""
        if self.steps_from is None:
            return None
        grows = np.flatnonzero(np.diff(values))
        if not grows.size or float(stamps[grows[0] + 1]) <= self.steps_from:
            return None
        return int(stamps[grows[0]]), int(stamps[grows[0] + 1])

    @staticmethod
    def growth_asks(selector: str, span: tuple[int, int]) -> list[Ask]:
        """Minute by minute over the steps where series that count events first grow."""
        return [Ask(selector, lo, hi, MINUTE) for lo, hi in time_chunks(span[0], span[1], MINUTE)]

    def edge_asks(self, selector: str, reading: Reading) -> list[Ask]:
        """The lowest value up to the latest start, the highest from the earliest end: as needed."""
        asks = []
        if reading.first_values:
            since_origin = int(reading.latest_start) - self.grid.origin + LOOKBACK_SECONDS
            query = f"min_over_time{_over(selector, since_origin)}"
            asks.append(Ask(query, 0, int(reading.latest_start), optional=True))
        if reading.last_values:
            # From the sample behind its last point: a point may take one up to the lookback older.
            after_end = self.detail_from - int(reading.earliest_end) + LOOKBACK_SECONDS
            query = f"max_over_time{_over(selector, after_end)}"
            asks.append(Ask(query, 0, self.detail_from, optional=True))
        return asks

    @staticmethod
    def confirm(reading: Reading, answers: list[list[RangeSeries] | None]) -> None:
        """Refuse each series that started (ended) between hour points and did not keep its value there.

        Any range from the history's start up to a later start (from an earlier end up to the
        detail) does: a counter without resets is lowest at its start and highest at its end.
        """
        found = iter(answers)
        for values in (reading.first_values, reading.last_values):
            if values:
                answer = next(found)
                figures = {} if answer is None else _figures(answer)
                reading.refused |= {
                    labels for labels, value in values.items() if figures.get(labels) != value
                }

    def joined(self, hourly: list[RangeSeries], minutes: list[RangeSeries]) -> Iterator[RangeSeries]:
        """Each series' hour points before the detail, then its minutes, in time order."""
        before: dict[tuple[str, tuple[tuple[str, str], ...]], list[RangeSeries]] = {}
        for series in hourly:
            before.setdefault((series.name, series.labels), []).append(series)
        for series in minutes:
            yield self._joined(before.pop((series.name, series.labels), []), series)
        for parts in before.values():  # no sample in the detail: its hour points still count
            yield self._joined(parts, None)

    def _joined(self, hourly: list[RangeSeries], minutes: RangeSeries | None) -> RangeSeries:
        stamps, values = _in_time_order(hourly)
        early = stamps < self.detail_from  # the detail's first instant comes with the minutes
        stamps, values = stamps[early], values[early]
        if minutes is not None:
            stamps, values = (
                np.concatenate((stamps, minutes.stamps)),
                np.concatenate((values, minutes.values)),
            )
        first = minutes if minutes is not None else hourly[0]
        return RangeSeries(first.name, first.labels, stamps, values)


def _up_to_steps(first: int, last: int, steps_first: int, origin: int) -> int:
    """The last hour point of [first, last] still read with hours: up to the first step point when
    the hour points from there on are step points (read with the steps), else `last`."""
    if (first - origin) % ALERT_STEP_SECONDS:
        return last
    return min(last, first + max(0, steps_first - first) // HOUR * HOUR)


def _in_time_order(parts: list[RangeSeries]) -> tuple[np.ndarray, np.ndarray]:
    """The samples of a series' parts by time, each instant once (hour and step ranges share some)."""
    stamps = np.concatenate([p.stamps for p in parts] or [np.zeros(0)])
    values = np.concatenate([p.values for p in parts] or [np.zeros(0)])
    stamps, first = np.unique(stamps, return_index=True)
    return stamps, values[first]
