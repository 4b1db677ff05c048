"""The report's on-call parts of an SLO section: what to do, how soon, the last hours, the alert timeline.

Pure: artifact records in, HTML strings out; every text from the artifacts goes through `escape`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape

from reliability.artifacts.error_budgets import AlertTimeline, Forecast, SloBudget
from reliability.artifacts.sli_metrics import SliMetrics, SloMeasurements
from reliability.render import outlook
from reliability.render.numbers import percent
from reliability.report import adjustments, svg
from reliability.timefmt import format_rfc3339

TIMELINE_TICKS = 6
RECENT_TIMELINE = timedelta(days=2)


def what_to_do(entry: SloBudget) -> str:
    return f'<p class="todo"><strong>What to do:</strong> {escape(outlook.what_to_do(entry))}</p>'


def how_soon(entry: SloBudget, sli: SliMetrics) -> str:
    """Time to exhaustion and the forecast, each with what it measures, and why they differ when they do."""
    items = [
        f"Exhausts in: <strong>{escape(outlook.time_to_exhaustion(entry))}</strong> "
        f"({escape(outlook.EXHAUSTION_BASIS)}, {escape(percent(entry.budget.remaining_ratio, 1))} left now)."
    ]
    forecast = entry.forecast
    if isinstance(forecast, Forecast):
        horizon = "" if forecast.horizon_end is None else f" at {format_rfc3339(forecast.horizon_end)}"
        items.append(
            f"Forecast{escape(horizon)}: <strong>{escape(percent(forecast.remaining_ratio_p50, 0))}</strong> "
            f"of the budget left (median; p10 {escape(percent(forecast.remaining_ratio_p10, 0))}, "
            f"p90 {escape(percent(forecast.remaining_ratio_p90, 0))}), "
            f"<strong>{escape(percent(forecast.exhaustion_probability, 0))}</strong> "
            "chance it is spent by then "
            f"({escape(outlook.FORECAST_BASIS)}, {forecast.days_sampled_from} days)."
        )
    else:
        items.append(f"No forecast: {escape(forecast.reason or 'no history')}.")
    if outlook.disagree(entry):
        items.append(escape(outlook.WHY_THEY_DIFFER))
    items += [f"Latency: {escape(line)}." for line in outlook.latency_lines(entry, sli)]
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _hour_label(hour: datetime) -> str:
    return hour.strftime("%m-%d %Hh") if hour.hour == 0 else hour.strftime("%Hh")


def recent_hours(entry: SloBudget, measured: SloMeasurements, chart_id: str) -> str:
    """The SLI per hour over the last hours against the objective: an incident in progress shows."""
    hours = measured.recent_hours or ()
    if not hours:
        return "<p>No hourly figures in the artifacts (written by an older version).</p>"
    values = [None if h.figures.ratio is None else h.figures.ratio * 100 for h in hours]
    objective = entry.objective_percent
    measured_values = [v for v in values if v is not None]
    worst = min(range(len(values)), key=lambda i: values[i] or 101.0) if measured_values else None
    desc = (
        f"Hourly SLI of {entry.slo} from {format_rfc3339(hours[0].hour)} to {format_rfc3339(hours[-1].hour)} "
        f"(the last hour may be partial) against the objective {objective:g}%"
        + (
            f"; lowest hour {format_rfc3339(hours[worst].hour)} at {values[worst]:.3f}%"
            if worst is not None and values[worst] is not None
            else "; no data"
        )
        + f"; {sum(v is None for v in values)} hour(s) without data, shown as gaps."
    )
    return svg.line_chart(
        chart_id,
        f"SLI per hour, last {len(hours)} hours: {entry.slo}",
        desc,
        [_hour_label(h.hour) for h in hours],
        [
            svg.Series("SLI per hour", values, "actual"),
            svg.Series(f"objective {objective:g}%", [objective] * len(hours), "objective", dash="6 4"),
        ],
        "SLI (% good)",
        lambda v: f"{v:.2f}%",
        y_ceiling=100.0,
        shades=adjustments.shade(measured, [h.hour for h in hours], timedelta(hours=1)),
    )


def _ticks(start: datetime, end: datetime) -> list[tuple[float, str]]:
    """About TIMELINE_TICKS whole UTC days (or hours, for a short stretch) across [start, end]."""
    seconds = (end - start).total_seconds()
    if seconds <= 2 * 86400:
        step = timedelta(hours=max(1, round(seconds / 3600 / TIMELINE_TICKS)))
        first = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        fmt = "%Hh"
    else:
        step = timedelta(days=max(1, round(seconds / 86400 / TIMELINE_TICKS)))
        first = datetime(start.year, start.month, start.day, tzinfo=UTC) + timedelta(days=1)
        fmt = "%m-%d"
    ticks = []
    moment = first
    while moment <= end:
        ticks.append((moment.timestamp(), moment.strftime(fmt)))
        moment += step
    return ticks


def _span_text(severity: str, start: datetime, end: datetime | None, pairs: tuple[str, ...]) -> str:
    until = "still firing" if end is None else f"until {format_rfc3339(end)}"
    return f"{severity} from {format_rfc3339(start)} {until} ({', '.join(pairs)})"


def alert_timeline(entry: SloBudget, chart_id: str, adjusted: Sequence[svg.Span] = ()) -> str:
    """When page and ticket fired over the SLO window, as a chart and as a list; adjusted periods
    (planned downtime) get a lane of their own when one falls in the window."""
    timeline: AlertTimeline | None = entry.alert_timeline
    if timeline is None:
        return "<p>No alert timeline in the artifacts (written without the minute history).</p>"
    end = timeline.end.timestamp()
    lanes = [
        svg.Lane(
            severity,
            [
                svg.Span(
                    s.start.timestamp(),
                    end if s.end is None else s.end.timestamp(),
                    _span_text(s.severity, s.start, s.end, s.pairs),
                )
                for s in timeline.spans
                if s.severity == severity
            ],
            f"lane-{severity}",
        )
        for severity in ("page", "ticket")
    ]
    start = timeline.start.timestamp()
    if any(s.end > start and s.start < end for s in adjusted):
        lanes.append(svg.Lane(adjustments.SHADE_NAME, adjusted, "lane-adjusted"))
    texts = [_span_text(s.severity, s.start, s.end, s.pairs) for s in timeline.spans]
    stretch = f"{format_rfc3339(timeline.start)} to {format_rfc3339(timeline.end)}"
    desc = (
        f"Alerts of {entry.slo} replayed every {timeline.step_seconds // 60} minutes from {stretch}: "
        + ("; ".join(texts) if texts else "none fired")
        + "."
    )
    chart = svg.timeline_chart(
        chart_id,
        f"Alert timeline: {entry.slo}",
        desc,
        timeline.start.timestamp(),
        end,
        lanes,
        _ticks(timeline.start, timeline.end),
    )
    recent_start = max(timeline.start, timeline.end - RECENT_TIMELINE)
    if any(s.end is None or s.end > recent_start for s in timeline.spans) and recent_start > timeline.start:
        # minutes of firing vanish on a 30-day axis: the last two days again, where they show
        chart += f"<p>The last {RECENT_TIMELINE.days * 24} hours, where minutes of firing show:</p>"
        chart += svg.timeline_chart(
            f"{chart_id}-recent",
            f"Alert timeline, last {RECENT_TIMELINE.days * 24} hours: {entry.slo}",
            desc,
            recent_start.timestamp(),
            end,
            lanes,
            _ticks(recent_start, timeline.end),
        )
    intro = (
        f"<p>The SLO window, replayed every {timeline.step_seconds // 60} minutes over {escape(stretch)} "
        "with this run's objective and alert windows, as <code>backtest</code> replays them:</p>"
    )
    listing = "<ul>" + "".join(f"<li>{escape(t)}</li>" for t in texts) + "</ul>" if texts else ""
    return intro + chart + listing


def forecast_band(
    entry: SloBudget, days: list[date], evaluated: date
) -> tuple[svg.Band | None, list[float | None]]:
    """The forecast's p10..p90 band and its median in budget units over the chart's days: straight
    from the budget left on the evaluation day to the horizon's figures (the bootstrap gives the
    horizon only), so the band shows where the budget may stand, not the path to it."""
    forecast = entry.forecast
    if not isinstance(forecast, Forecast) or forecast.horizon_end is None or evaluated not in days:
        return None, [None] * len(days)
    horizon = forecast.horizon_end.date()
    first = days.index(evaluated)
    last = days.index(horizon) if horizon in days else len(days) - 1
    allowed, now = entry.budget.allowed_events, entry.budget.remaining_events

    def along(ratio: float) -> list[float | None]:
        steps = max(last - first, 1)
        return [
            now + (ratio * allowed - now) * (i - first) / steps if first <= i <= last else None
            for i in range(len(days))
        ]

    band = svg.Band(
        "forecast p10-p90",
        along(forecast.remaining_ratio_p10),
        along(forecast.remaining_ratio_p90),
        "forecast",
    )
    return band, along(forecast.remaining_ratio_p50)


def band_description(entry: SloBudget) -> str:
    forecast = entry.forecast
    if not isinstance(forecast, Forecast) or forecast.horizon_end is None:
        return ""
    p10, p50, p90 = (
        percent(r, 0)
        for r in (forecast.remaining_ratio_p10, forecast.remaining_ratio_p50, forecast.remaining_ratio_p90)
    )
    return (
        f"Forecast at {format_rfc3339(forecast.horizon_end)}: median {p50} left, p10 {p10} to p90 {p90}, "
        "drawn straight from today's value."
    )
