"""The change events of an SLO's service inside its window, each with the budget spent after it."""

from __future__ import annotations

from collections.abc import Sequence

from reliability.artifacts.error_budgets import ChangeRecord
from reliability.artifacts.sli_metrics import SloMeasurements
from reliability.config.model import Config, Slo
from reliability.core.change_attribution import ChangeSpan, attribute_changes, changes_in_window
from reliability.stages.replayable import replayable
from reliability.telemetry.change_events import ChangeEvent
from reliability.telemetry.ingest import Telemetry
from reliability.timefmt import moment


def change_records(
    config: Config,
    slo: Slo,
    measured: SloMeasurements,
    allowed: float,
    telemetry: Telemetry,
    changes: Sequence[ChangeEvent],
    decimals: int,
) -> tuple[ChangeRecord, ...]:
    """`allowed`: the SLO window's allowed bad units, which each change's share is of; bad units are
    rounded to `decimals` as the budget's are."""
    own = [c for c in changes if c.service == slo.service]
    spans = [ChangeSpan(c.time, c.attribution_seconds) for c in own]
    window = measured.window
    inside = changes_in_window(spans, int(window.start.timestamp()), int(window.end.timestamp()))
    impacts = attribute_changes(
        replayable(config, slo, telemetry.series, telemetry.grid),
        telemetry.grid,
        [spans[i] for i in inside],
        allowed,
    )
    return tuple(
        ChangeRecord(
            time=moment(own[i].time),
            service=own[i].service,
            kind=own[i].kind,
            version=own[i].version,
            description=own[i].description,
            source=own[i].source,
            attribution_seconds=own[i].attribution_seconds,
            attributed_until=moment(impact.end),
            bad_after=round(impact.bad, decimals),
            budget_share_after=impact.budget_share,
        )
        for i, impact in zip(inside, impacts, strict=True)
    )
