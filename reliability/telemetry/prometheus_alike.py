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

    `series_of` holds the series each query read at hour points.
    """
    found = set(by_minutes)
    added = set(found)
    while added:
        shared = set().union(*(series_of.get(query, set()) for query in added))
        linked = {query for sli in slis if sli & added for query in sli}
        linked |= {query for query, series in series_of.items() if series & shared}
        added = linked - found
        found |= added
    return found
