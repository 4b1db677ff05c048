"""Counters read at hour points before the minute detail, minute by minute after it.

Minute by minute, a counter's increases are booked between consecutive minute instants
(prometheus_api). When its values never fall, what those increases add up to between two
instants is the later value minus the earlier one, whatever happened between them: so for
figures that only sum spans between hour points (stages.minute_detail), the counter read at
those points alone books the same counts in the same spans, with 60 times fewer samples.

That holds for a series when, before the detail starts, its raw samples never fall (no reset),
none is NaN or infinite, and it has a value at every hour point between its first and its last;
one that starts (or ends) between hour points must have kept its first (last) value there. An
instant query per selector asks the server about resets and NaN (`resets` and `sum_over_time`
over those samples), and one more about the edges when a series starts or ends in between
(`min_over_time` since the history starts, `max_over_time` up to the detail); a selector for
which it is not, or whose server cannot answer that query, is read minute by minute over the
whole history, as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

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
    """Per series: its resets over the range, or NaN after a NaN or infinite sample."""
    return f"resets{_over(selector, seconds)} + 0 * sum_over_time{_over(selector, seconds)}"


def _figures(answer: list[RangeSeries]) -> dict[Labels, float]:
    return {series.labels: float(series.values[0]) if series.values.size else np.nan for series in answer}


@dataclass(frozen=True)
class Edges:
    """A series' values at hour points (in time order) and where they start and end among them."""

    first_values: dict[Labels, float]  # of the series that start after the first hour point
    last_values: dict[Labels, float]  # of the series that end before the last one
    latest_start: float
    earliest_end: float


@dataclass(frozen=True)
class HourPlan:
    """Hour points over [grid origin, detail_from], minutes over [detail_from, grid end]."""

    grid: MinuteGrid
    detail_from: int  # an hour point counted back from the grid's end

    def hour_points(self) -> list[tuple[int, int]]:
        """(first, last) instants of each hour-step range: whole UTC hours, and whole hours before the end."""
        origin, detail = self.grid.origin, self.detail_from
        ranges = [(origin, origin + (detail - origin) // HOUR * HOUR)]
        offset = (detail - origin) % HOUR
        if offset:
            ranges.append((origin + offset, detail))
        return ranges

    def instants(self) -> set[float]:
        return {float(t) for first, last in self.hour_points() for t in range(first, last + 1, HOUR)}

    def hourly_asks(self, selector: str) -> list[Ask]:
        chunks = (time_chunks(first, last, HOUR) for first, last in self.hour_points())
        return [Ask(selector, lo, hi, HOUR) for pieces in chunks for lo, hi in pieces]

    def asks(self, selector: str) -> Iterator[Ask]:
        """The check, then the hour points, then the minutes: what one selector needs."""
        seconds = self.detail_from - self.grid.origin + LOOKBACK_SECONDS
        yield Ask(resets_query(selector, seconds), 0, self.detail_from, optional=True)
        yield from self.hourly_asks(selector)
        for lo, hi in time_chunks(self.detail_from, self.grid.end, MINUTE):
            yield Ask(selector, lo, hi, MINUTE)

    def request_count(self) -> int:
        return sum(1 for _ in self.asks(""))

    def edges(self, check: list[RangeSeries], hourly: list[RangeSeries]) -> Edges | None:
        """None when reading this selector at hour points would not book the same counts as minutes.

        Each series must have no reset and no NaN or infinite sample, and a value at every hour
        point from its first to its last. Whether one that starts after the first point (or ends
        before the last) kept that value since its start (or after its end) is told by edge_asks.
        """
        instants = sorted(self.instants())
        present: dict[Labels, list[RangeSeries]] = {}
        for series in hourly:
            present.setdefault(series.labels, []).append(series)
        resets = _figures(check)
        if set(present) - set(resets) or any(value != 0 for value in resets.values()):
            return None  # a reset (above 0), or a NaN or infinite sample (NaN)
        edges = Edges({}, {}, instants[0], instants[-1])
        for labels in resets:
            if labels not in present:
                return None  # samples, but none at an hour point
            stamps = np.concatenate([series.stamps for series in present[labels]])
            values = np.concatenate([series.values for series in present[labels]])
            order = np.argsort(stamps, kind="stable")
            stamps, values = stamps[order], values[order]
            first = instants.index(stamps[0]) if stamps[0] in instants else -1
            if first < 0 or stamps.tolist() != instants[first : first + stamps.size]:
                return None  # pauses between two hour points
            if first > 0:
                edges.first_values[labels] = float(values[0])
                edges = replace(edges, latest_start=max(edges.latest_start, float(stamps[0])))
            if first + stamps.size < len(instants):
                edges.last_values[labels] = float(values[-1])
                edges = replace(edges, earliest_end=min(edges.earliest_end, float(stamps[-1])))
        return edges

    def edge_asks(self, selector: str, edges: Edges) -> list[Ask]:
        """The lowest value up to the latest start, and the highest from the earliest end."""
        asks = []
        if edges.first_values:
            since_origin = int(edges.latest_start) - self.grid.origin + LOOKBACK_SECONDS
            asks.append(
                Ask(
                    f"min_over_time{_over(selector, since_origin)}",
                    0,
                    int(edges.latest_start),
                    optional=True,
                )
            )
        if edges.last_values:
            after_end = self.detail_from - int(edges.earliest_end)
            asks.append(Ask(f"max_over_time{_over(selector, after_end)}", 0, self.detail_from, optional=True))
        return asks

    @staticmethod
    def edges_hold(edges: Edges, answers: list[list[RangeSeries] | None]) -> bool:
        """Whether each series that starts (ends) between hour points kept its first (last) value there."""
        found = iter(answers)
        for values in (edges.first_values, edges.last_values):
            if values:
                answer = next(found)
                if answer is None:
                    return False
                figures = _figures(answer)
                if any(figures.get(labels) != value for labels, value in values.items()):
                    return False
        return True

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
        stamps = np.concatenate([p.stamps for p in hourly] or [np.zeros(0)])
        values = np.concatenate([p.values for p in hourly] or [np.zeros(0)])
        early = stamps < self.detail_from  # the detail's first instant comes with the minutes
        order = np.argsort(stamps[early], kind="stable")
        stamps, values = stamps[early][order], values[early][order]
        if minutes is not None:
            stamps, values = (
                np.concatenate((stamps, minutes.stamps)),
                np.concatenate((values, minutes.values)),
            )
        first = minutes if minutes is not None else hourly[0]
        return RangeSeries(first.name, first.labels, stamps, values)
