"""Budget adjustments in the report: the periods shaded on the charts, and a table of what each took."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape

from reliability.artifacts.sli_metrics import AdjustedPeriod, SloMeasurements
from reliability.report import svg
from reliability.timefmt import format_rfc3339

SHADE_CLASS = "adjusted"
SHADE_NAME = "adjusted (planned)"


def _periods(measured: SloMeasurements) -> list[AdjustedPeriod]:
    return [p for a in measured.adjustments or () for p in a.periods]


def spans(measured: SloMeasurements) -> list[svg.Span]:
    """The adjusted periods as timeline spans, labelled with the adjustment and its reason."""
    return [
        svg.Span(p.start.timestamp(), p.end.timestamp(), f"{a.name}: {a.reason}")
        for a in measured.adjustments or ()
        for p in a.periods
    ]


def shade(measured: SloMeasurements, starts: Sequence[datetime], step: timedelta) -> list[svg.Shade]:
    """One shade over the chart positions (bins [start, start + step)) that an adjusted period touches."""
    periods = _periods(measured)
    touched = [any(p.start < start + step and p.end > start for p in periods) for start in starts]
    ranges: list[tuple[int, int]] = []
    for index, hit in enumerate(touched):
        if not hit:
            continue
        if ranges and ranges[-1][1] == index - 1:
            ranges[-1] = (ranges[-1][0], index)
        else:
            ranges.append((index, index))
    return [svg.Shade(SHADE_NAME, ranges, SHADE_CLASS)] if ranges else []


def day_starts(days: Sequence[date]) -> list[datetime]:
    return [datetime(d.year, d.month, d.day, tzinfo=UTC) for d in days]


def table(measured: SloMeasurements) -> str:
    """What each adjustment took from the SLO window; nothing when none applies."""
    if not measured.adjustments:
        return ""
    rows = "".join(
        f"<tr><td>{escape(a.name)}</td><td>{escape(a.reason)}</td><td>{escape(a.mode)}</td>"
        f"<td>{a.minutes:,}</td><td>{a.good + a.bad:,}</td><td>{a.bad:,}</td>"
        f"<td>{escape(_latest(a.periods))}</td></tr>"
        for a in measured.adjustments
    )
    return (
        "<h3>Budget adjustments</h3>"
        "<p>Planned periods left out of this SLO's SLI and budget (exclude) or counted good (count_good); "
        "minutes without events stay without data. Shaded on the charts.</p>"
        '<table><thead><tr><th scope="col">adjustment</th><th scope="col">reason</th>'
        '<th scope="col">mode</th><th scope="col">minutes in window</th><th scope="col">events</th>'
        f'<th scope="col">bad events</th><th scope="col">latest period</th></tr></thead><tbody>{rows}'
        "</tbody></table>"
    )


def _latest(periods: Sequence[AdjustedPeriod]) -> str:
    if not periods:
        return "none in the history"
    last = periods[-1]
    return f"{format_rfc3339(last.start)} to {format_rfc3339(last.end)}"
