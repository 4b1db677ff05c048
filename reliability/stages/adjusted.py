"""An SLO's counts with its budget adjustments applied, and what each adjustment took.

The live measurement (stages.slo_measurements) and every replay (stages.replayable: targets,
alert timeline, backtest) read an SLO's counts through here, so they agree on what was adjusted.
"""

from __future__ import annotations

from reliability.artifacts.sli_metrics import AdjustedPeriod, AppliedAdjustment
from reliability.config.model import Config, Slo
from reliability.core.adjustments import MinuteOwners, minute_owners
from reliability.core.counts import MinuteSeries
from reliability.core.grid import MinuteGrid
from reliability.timefmt import moment


def slo_owners(config: Config, slo: Slo, grid: MinuteGrid) -> MinuteOwners | None:
    """The adjustments of an ordinary SLO on the grid; None when none applies.

    A composite SLO has no counts of its own: it is adjusted through the SLOs it is made of.
    """
    if slo.composite is not None:
        return None
    applying = tuple(a for a in config.adjustments if a.applies_to(slo))
    return minute_owners(applying, grid) if applying else None


def adjusted(owners: MinuteOwners | None, series: MinuteSeries) -> MinuteSeries:
    return series if owners is None else owners.adjusted(series)


def applied_adjustments(
    owners: MinuteOwners | None, raw: MinuteSeries, grid: MinuteGrid, first_minute: int
) -> tuple[AppliedAdjustment, ...] | None:
    """Per adjustment: the minutes it took from the window starting at `first_minute`, and their events."""
    if owners is None:
        return None
    applied = []
    for index, adjustment in enumerate(owners.adjustments):
        minutes, count = owners.affected(index, raw, first_minute, grid.minutes)
        applied.append(
            AppliedAdjustment(
                adjustment.name,
                adjustment.reason,
                adjustment.mode.value,
                minutes,
                int(count.good),
                int(count.bad),
                tuple(AdjustedPeriod(moment(p.start), moment(p.end)) for p in owners.periods[index]),
            )
        )
    return tuple(applied)
