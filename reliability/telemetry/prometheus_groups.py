"""The groups of components grouped over a Prometheus source: the label values its series had.

One instant query per grouped SLI at the evaluation time asks which values of the group labels
the SLI's total series held over the whole grid (`group by (...) (last_over_time(...))`), so a
group that went silent within the history is still found, and is then no data where it is silent.
"""

from __future__ import annotations

from reliability.config.group_checks import too_many_groups
from reliability.config.groups import GroupValues
from reliability.config.model import Component, PrometheusSource, Selector, Sli
from reliability.core.grid import MINUTE, MinuteGrid
from reliability.telemetry.prometheus_api import PrometheusClient
from reliability.telemetry.prometheus_asks import Ask


def _total(sli: Sli) -> Selector | None:
    """The series that count every event of a metric SLI (a histogram's `_count`)."""
    if sli.counters is not None:
        return sli.counters.total
    if sli.histogram is not None:
        return Selector(f"{sli.histogram.metric}_count", sli.histogram.labels)
    return None


def prometheus_groups(
    source: PrometheusSource,
    components: list[Component],
    grid: MinuteGrid,
    client: PrometheusClient | None = None,
) -> dict[str, frozenset[GroupValues]]:
    """Grouped component id -> the group values its SLIs' series had within the grid."""
    client = client or PrometheusClient(source)
    found: dict[str, frozenset[GroupValues]] = {}
    for comp in components:
        labels = tuple(key.column for key in comp.group_by)
        values: set[GroupValues] = set()
        for selector in dict.fromkeys(s for s in map(_total, comp.slis) if s is not None):
            seen = f"last_over_time({selector.promql()}[{grid.minutes * MINUTE}s])"
            query = f"group by ({', '.join(labels)}) ({seen})"
            for series in client.answer(Ask(query, grid.end, grid.end)) or ():
                named = dict(series.labels)
                if all(named.get(label) for label in labels):  # a series without the label is no group
                    values.add(tuple(named[label] for label in labels))
        if len(values) > comp.max_groups:
            raise too_many_groups(comp)
        found[comp.id] = frozenset(values)
    return found
