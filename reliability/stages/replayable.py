"""The minute history of an SLO as a replayable series: what backtests and `objective: auto` replay.

Counts are built by the live measurement's own helpers (stages.slo_measurements): the SLO's
components summed, its budgeting method applied, composites from their dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reliability.config.model import Config, Slo
from reliability.core.accumulate import ComponentSeries
from reliability.core.grid import MinuteGrid
from reliability.core.replay import CompositeSeries, Replayable, for_budgeting
from reliability.stages.adjusted import adjusted, slo_owners
from reliability.stages.slo_measurements import slo_parts, summed_counts


def replayable(config: Config, slo: Slo, series: Sequence[ComponentSeries], grid: MinuteGrid) -> Replayable:
    """The SLO's minute history, its budget adjustments applied as in the live measurement."""
    if slo.composite is not None:
        dependencies = config.index.composite_parts(slo)
        return CompositeSeries(
            tuple(replayable(config, part, series, grid) for part, _ in dependencies),
            tuple(weight for _, weight in dependencies),
            slo.composite.method,
        )
    assert slo.sli is not None
    by_component = {(s.component.service, s.component.name): s for s in series}
    parts = slo_parts(slo, by_component)
    counts = summed_counts({name: part.slis[slo.sli] for name, part in parts.items()})
    counts = adjusted(slo_owners(config, slo, grid), counts)
    return for_budgeting(counts.good.astype(np.int64), counts.total.astype(np.int64), slo.budgeting)
