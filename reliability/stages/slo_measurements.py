"""Stage 1, per SLO: its SLI over every window it needs, in its budgeting method's units.

An SLO over several components sums their counts; a composite SLO combines the
measurements of the SLOs it depends on, window by window. Also the raw figures
for attribution (bad units by status code, component, day and hour).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from reliability.artifacts.figures import Budgeting, MeasuredFigures, SloWindow
from reliability.artifacts.sli_metrics import (
    AppliedAdjustment,
    BadUnits,
    Composite,
    CompositePart,
    MeasuredDay,
    MeasuredHour,
    PartErrorRatio,
    SloMeasurements,
)
from reliability.artifacts.sli_metrics import Measurement as MeasurementEntry
from reliability.config.model import BudgetingMethod, CompositeMethod, Config, Slo
from reliability.conventions import (
    CURRENT_BURN,
    FORECAST_CARRY_WINDOW,
    FORECAST_HORIZON_SECONDS,
    HISTORY_WINDOW,
)
from reliability.core.accumulate import ComponentSeries
from reliability.core.adjustments import MinuteOwners
from reliability.core.attribution import by_bucket
from reliability.core.counts import Count, MinuteSeries
from reliability.core.grid import MINUTE, MINUTES_PER_DAY, MinuteGrid
from reliability.core.methods import Measurement, measure
from reliability.core.windows import WindowSpan, span_at
from reliability.durations import format_duration
from reliability.stages.adjusted import adjusted, applied_adjustments, slo_owners
from reliability.timefmt import moment, to_rfc3339

TOP_HOURS = 10
RECENT_HOURS = 48  # hourly figures for the report: an incident in progress is more than one daily point
OTHER_HOURS = "other hours"


@dataclass(frozen=True)
class NamedSpan:
    name: str
    first_minute: int  # on the grid; may be negative when the window reaches before it
    seconds: int


def window_spans(config: Config, slo: Slo, grid: MinuteGrid) -> tuple[WindowSpan, list[NamedSpan]]:
    """The SLO window's span and every window measured for the SLO, shortest first, history last:
    its alert windows, the current burn window, the SLO window, the forecast carry and all history."""
    span = span_at(slo.window, grid.end)
    pairs = config.alert_window_sets[slo.alert_windows]
    rolling = {p.long for p in pairs} | {p.short for p in pairs} | {CURRENT_BURN}  # current burn, always
    spans = [
        NamedSpan(w.name, grid.minutes - w.seconds // MINUTE, w.seconds)
        for w in sorted(rolling, key=lambda w: w.seconds)
    ]
    spans.append(NamedSpan(slo.window.name, (span.start - grid.origin) // MINUTE, span.elapsed_seconds))
    if slo.window.calendar is None and span.period_seconds > FORECAST_HORIZON_SECONDS:
        carry = span.period_seconds - FORECAST_HORIZON_SECONDS
        spans.append(NamedSpan(FORECAST_CARRY_WINDOW, grid.minutes - carry // MINUTE, carry))
    spans.append(NamedSpan(HISTORY_WINDOW, 0, grid.minutes * MINUTE))
    return span, spans


@dataclass(frozen=True)
class _Source:
    """What an ordinary (non-composite) SLO is measured from, its adjustments applied."""

    series: MinuteSeries
    per_component: dict[str, MinuteSeries]
    bad_by_status: dict[int, np.ndarray]
    adjustments: tuple[AppliedAdjustment, ...] | None = None


def summed_counts(per_component: dict[str, MinuteSeries]) -> MinuteSeries:
    """An SLO over several components: their per-minute counts added up."""
    if len(per_component) == 1:  # no copy: one SLO per component would otherwise double the memory
        return next(iter(per_component.values()))
    good = np.sum([s.good for s in per_component.values()], axis=0)
    total = np.sum([s.total for s in per_component.values()], axis=0)
    return MinuteSeries(good, total)


def slo_parts(slo: Slo, series: dict[tuple[str, str], ComponentSeries]) -> dict[str, ComponentSeries]:
    """The series of an ordinary SLO's components, by component name."""
    return {name: series[slo.service, name] for name in slo.components}


def _source(
    config: Config, slo: Slo, series: dict[tuple[str, str], ComponentSeries], grid: MinuteGrid
) -> _Source:
    assert slo.sli is not None
    parts = slo_parts(slo, series)
    per_component = {name: part.slis[slo.sli] for name, part in parts.items()}
    statuses: dict[int, np.ndarray] = {}
    for part in parts.values():
        for status, bins in part.bad_by_status.get(slo.sli, {}).items():
            statuses[status] = statuses.get(status, 0) + bins
    owners = slo_owners(config, slo, grid)
    if owners is None:
        return _Source(summed_counts(per_component), per_component, statuses)
    first_minute = (span_at(slo.window, grid.end).start - grid.origin) // MINUTE
    return _adjusted_source(owners, per_component, statuses, grid, first_minute)


def _adjusted_source(
    owners: MinuteOwners,
    per_component: dict[str, MinuteSeries],
    statuses: dict[int, np.ndarray],
    grid: MinuteGrid,
    window_first_minute: int,
) -> _Source:
    """The counts without what the adjustments took, and what they took from the SLO window."""
    raw = summed_counts(per_component)
    return _Source(
        adjusted(owners, raw),
        {name: adjusted(owners, counts) for name, counts in per_component.items()},
        {status: owners.without_bad(bins) for status, bins in statuses.items()},
        applied_adjustments(owners, raw, grid, window_first_minute),
    )


def _measure(
    config: Config, slo: Slo, sources: dict[str, _Source], first_minute: int, end_minute: int
) -> Measurement:
    if slo.composite is None:
        return measure(sources[slo.id].series, first_minute, end_minute, slo.budgeting)
    parts = [
        (_measure(config, part, sources, first_minute, end_minute), weight)
        for part, weight in config.index.composite_parts(slo)
    ]
    events = sum(m.events for m, _ in parts)
    ratios = [m.ratio for m, _ in parts]
    if any(r is None for r in ratios):  # a dependency without data: the composite cannot be judged
        return Measurement(Count(0, 0), "composite", events)
    known = [r for r in ratios if r is not None]
    if slo.composite.method is CompositeMethod.ALL_MUST_SUCCEED:
        ratio = float(np.prod(known))
    else:
        weights = [w for _, w in parts]
        ratio = sum(r * w for r, w in zip(known, weights, strict=True)) / sum(weights)
    # Expressed over the dependencies' events so budget shares and burn rates read as usual.
    return Measurement(Count(ratio * events, events), "composite", events)


def measured_figures(m: Measurement, min_events: int) -> MeasuredFigures:
    return MeasuredFigures(
        good=m.count.good,
        total=m.count.total,
        bad=m.count.bad,
        ratio=m.ratio,
        error_ratio=m.count.error_ratio,
        no_data=m.count.no_data,
        events=m.events,
        slices_without_data=m.slices_without_data,
        low_confidence=m.low_confidence(min_events),
    )


def _coverage(
    config: Config, slo: Slo, sources: dict[str, _Source], grid: MinuteGrid, seconds: int
) -> tuple[int, int]:
    """Whole hours of the SLO window with at least one event, and hours in all
    (a composite: its sparsest dependency)."""
    if slo.composite is None:
        return sources[slo.id].series.hours_with_data(grid, seconds)
    parts = [_coverage(config, part, sources, grid, seconds) for part, _ in config.index.composite_parts(slo)]
    return min(parts, key=lambda c: c[0])


# Every SLO over the same window names the same hours and days: each is formatted once.
@functools.lru_cache(maxsize=1 << 16)
def _hour_key(epoch: int) -> str:
    return to_rfc3339(epoch)


@functools.lru_cache(maxsize=1 << 12)
def _day_key(epoch: int) -> str:
    return to_rfc3339(epoch)[:10]


def _attribution_inputs(
    config: Config, slo: Slo, sources: dict[str, _Source], grid: MinuteGrid, first_minute: int
) -> BadUnits:
    """Bad units in the SLO window by status, component, day and hour; each adds up to the window's bad.

    Occurrence SLOs only (events can be counted per minute); a composite lists its parts' error ratios.
    """
    lo = max(0, first_minute)
    if slo.composite is not None:
        parts = tuple(
            PartErrorRatio(
                part.id, weight, _measure(config, part, sources, lo, grid.minutes).count.error_ratio
            )
            for part, weight in config.index.composite_parts(slo)
        )
        return BadUnits({}, {}, {}, {}, parts)
    source = sources[slo.id]
    if slo.budgeting.method is not BudgetingMethod.OCCURRENCES:
        return BadUnits({}, {}, {}, {}, ())
    minute_bad = (source.series.total - source.series.good)[lo:]
    start = grid.origin + lo * MINUTE
    days, day_bad = by_bucket(minute_bad, start, MINUTES_PER_DAY, _day_key)
    hours, hour_bad = by_bucket(minute_bad, start, 60, _hour_key)
    top = np.argsort(-hour_bad, kind="stable")[:TOP_HOURS]
    by_hour = {hours[i]: int(hour_bad[i]) for i in top if hour_bad[i] > 0}
    other = int(hour_bad.sum()) - sum(by_hour.values())
    if other:
        by_hour[OTHER_HOURS] = other
    return BadUnits(
        by_status={str(code): int(bins[lo:].sum()) for code, bins in sorted(source.bad_by_status.items())},
        by_component={name: int(s.between(lo, grid.minutes).bad) for name, s in source.per_component.items()}
        if len(source.per_component) > 1
        else {},
        by_day={day: int(bad) for day, bad in zip(days, day_bad, strict=True) if bad},
        by_hour=by_hour,
        parts=(),
    )


def _slo_window(
    config: Config, slo: Slo, sources: dict[str, _Source], grid: MinuteGrid, span: WindowSpan
) -> SloWindow:
    with_data, hours = _coverage(config, slo, sources, grid, span.elapsed_seconds)
    return SloWindow(
        name=slo.window.name,
        description=slo.window.describe(),
        start=moment(span.start),
        end=moment(span.end),
        period_seconds=span.period_seconds,
        period_end=moment(span.period_end),
        reaches_before_history=span.start < grid.origin,
        hours_with_data=with_data,
        hours=hours,
    )


def _measurements(config: Config, slo: Slo, sources: dict[str, _Source], grid: MinuteGrid) -> SloMeasurements:
    span, spans = window_spans(config, slo, grid)
    measurements = tuple(
        MeasurementEntry(
            w.name,
            w.seconds,
            moment(grid.origin + max(0, w.first_minute) * MINUTE),
            moment(grid.end),
            measured_figures(_measure(config, slo, sources, w.first_minute, grid.minutes), slo.min_events),
        )
        for w in spans
    )
    daily = []
    for day in range(grid.days):
        lo, hi = day * MINUTES_PER_DAY, min((day + 1) * MINUTES_PER_DAY, grid.minutes)
        m = _measure(config, slo, sources, lo, hi)
        daily.append(MeasuredDay(moment(grid.day_start(day)).date(), measured_figures(m, 0)))
    slo_first = (span.start - grid.origin) // MINUTE
    hours = -(-grid.minutes // 60)  # the last hour may be partial
    recent_hours = tuple(
        MeasuredHour(
            moment(grid.origin + hour * 3600),
            measured_figures(
                _measure(config, slo, sources, hour * 60, min((hour + 1) * 60, grid.minutes)), 0
            ),
        )
        for hour in range(max(0, hours - RECENT_HOURS), hours)
    )
    composite = slo.composite
    parts = () if composite is None else tuple(CompositePart(p.slo, p.weight) for p in composite.parts)
    budgeting = slo.budgeting
    return SloMeasurements(
        slo=slo.id,
        service=slo.service,
        components=tuple(slo.components),
        sli=slo.sli,
        composite=None if composite is None else Composite(composite.method.value, parts),
        budgeting=Budgeting(
            budgeting.method.value, format_duration(budgeting.slice_seconds), budgeting.slice_target
        ),
        window=_slo_window(config, slo, sources, grid, span),
        alert_windows=slo.alert_windows,
        min_events=slo.min_events,
        measurements=measurements,
        daily=tuple(daily),
        bad_units=_attribution_inputs(config, slo, sources, grid, slo_first),
        recent_hours=recent_hours,
        adjustments=None if slo.composite is not None else sources[slo.id].adjustments,
    )


SloSources = dict[str, _Source]


def slo_sources(config: Config, series: list[ComponentSeries], grid: MinuteGrid) -> SloSources:
    """What every ordinary SLO is measured from, by SLO id (a composite is measured from its parts)."""
    by_component = {(s.component.service, s.component.name): s for s in series}
    return {slo.id: _source(config, slo, by_component, grid) for slo in config.slos if slo.composite is None}


def measure_slo(
    config: Config, slo: Slo, sources: SloSources, first_minute: int, end_minute: int
) -> Measurement:
    """The SLO's SLI over grid minutes [first_minute, end_minute), in its budgeting method's units."""
    return _measure(config, slo, sources, first_minute, end_minute)


def slo_minutes(sources: SloSources, slo_id: str) -> MinuteSeries:
    """An ordinary SLO's per-minute counts, its components summed."""
    return sources[slo_id].series


def build(config: Config, grid: MinuteGrid, series: list[ComponentSeries]) -> tuple[SloMeasurements, ...]:
    sources = slo_sources(config, series, grid)
    return tuple(_measurements(config, slo, sources, grid) for slo in config.slos)
