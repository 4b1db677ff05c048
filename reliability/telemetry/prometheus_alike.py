"""The counters of one SLI read at the same points: all at hour points, or all minute by minute.

A minute's good is clipped to 0..total (core.whole_events). With the total read at hour points
and the bad counter minute by minute (or the reverse), the total's growth lands in one minute a
hour while the bad events are spread over the others: the clip then drops them. So when a
selector of an SLI must be read minute by minute, so are the others of that SLI; and so is every
selector matching one of their series, whose samples are then taken minute by minute (and its
SLI's other selectors in turn).
"""

from __future__ import annotations

from collections.abc import Iterable

from reliability.config.model import Component, SliKind
from reliability.telemetry.openmetrics_files import SeriesKey


def sli_selectors(components: Iterable[Component]) -> list[frozenset[str]]:
    """The queries of each counter SLI's selectors (a histogram is one query: read alike already)."""
    found = []
    for component in components:
        for sli in component.slis:
            if sli.kind is not SliKind.LATENCY and sli.counters is not None:
                selectors = (sli.counters.total, sli.counters.good, sli.counters.bad)
                found.append(frozenset(s.promql() for s in selectors if s is not None))
    return found


def read_alike(
    by_minutes: Iterable[str], slis: list[frozenset[str]], series_of: dict[str, set[SeriesKey]]
) -> set[str]:
    """Every query to read minute by minute: `by_minutes`, the other selectors of their SLIs, and
    the selectors sharing a series with one of those, until none is added.

    `series_of` holds the series each query read at hour points. Each query, SLI and series is
    followed once, so the work grows with their number, not with its square.
    """
    slis_of: dict[str, list[int]] = {}
    for index, sli in enumerate(slis):
        for query in sli:
            slis_of.setdefault(query, []).append(index)
    queries_of: dict[SeriesKey, list[str]] = {}
    for query, series in series_of.items():
        for key in series:
            queries_of.setdefault(key, []).append(query)
    followed: set[int] = set()  # SLIs whose queries were taken along already
    found = set(by_minutes)
    pending = list(found)
    while pending:
        query = pending.pop()
        linked = [other for index in slis_of.get(query, ()) if index not in followed for other in slis[index]]
        followed.update(slis_of.get(query, ()))
        # pop: a series followed once is not followed again from the other queries reading it
        linked += [other for key in series_of.get(query, ()) for other in queries_of.pop(key, ())]
        for other in linked:
            if other not in found:
                found.add(other)
                pending.append(other)
    return found
