"""The minute history of an SLO as a replayable series: what backtests and `objective: auto` replay.

Counts are built as the live measurement builds them (stages.slo_measurements): the SLO's
components summed, its budgeting method applied, composites from their dependencies.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from reliability.config.model import Config, Slo
from reliability.core.accumulate import ComponentSeries
from reliability.core.replay import CompositeSeries, Replayable, for_budgeting


def replayable(config: Config, slo: Slo, series: Sequence[ComponentSeries]) -> Replayable:
    if slo.composite is not None:
        by_id = {s.id: s for s in config.slos}
        return CompositeSeries(
            tuple(replayable(config, by_id[part.slo], series) for part in slo.composite.parts),
            tuple(part.weight for part in slo.composite.parts),
            slo.composite.method,
        )
    assert slo.sli is not None
    parts = [
        s.slis[slo.sli]
        for s in series
        if s.component.service == slo.service and s.component.name in slo.components
    ]
    good = np.sum([p.good for p in parts], axis=0).astype(np.int64)
    total = np.sum([p.total for p in parts], axis=0).astype(np.int64)
    return for_budgeting(good, total, slo.budgeting)
