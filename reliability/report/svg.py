"""Small inline SVG charts: a line chart and a horizontal bar chart, each with axes, a legend and text.

Every chart carries a <title> and a <desc> (its text alternative) and tells its series apart by
dash pattern and marker as well as by colour, so it still reads in greyscale print.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from html import escape

WIDTH = 760
PLOT_LEFT = 78  # room for the y tick labels
PLOT_RIGHT = 16
PLOT_TOP = 40  # room for the legend
PLOT_BOTTOM = 56  # room for the x tick labels and the axis label
LINE_HEIGHT = 260
BAR_ROW = 26
BAR_LABEL_WIDTH = 150

Format = Callable[[float], str]


@dataclass(frozen=True)
class Series:
    """One line; None values leave a gap (no data that day) instead of drawing a false zero."""

    name: str
    values: Sequence[float | None]
    css_class: str
    dash: str = ""  # an SVG stroke-dasharray: the series stays distinct without colour


@dataclass(frozen=True)
class Band:
    """A shaded range between two lines (e.g. a forecast's p10..p90); None leaves the x position out."""

    name: str
    lower: Sequence[float | None]
    upper: Sequence[float | None]
    css_class: str


@dataclass(frozen=True)
class Shade:
    """Stretches of x positions [first, last] shaded across the plot's height (adjusted periods, say)."""

    name: str
    ranges: Sequence[tuple[int, int]]
    css_class: str


@dataclass(frozen=True)
class Span:
    """A stretch of time on a timeline lane, in epoch seconds."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class Lane:
    name: str
    spans: Sequence[Span]
    css_class: str


@dataclass(frozen=True)
class Marker:
    """A threshold drawn across a bar, labelled, e.g. an alert factor."""

    value: float
    label: str


@dataclass(frozen=True)
class TimeMarker:
    """A vertical line at an x position between the labels (a fractional index), labelled: a deploy."""

    position: float
    label: str


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: no data, drawn as a text note, never as a zero bar
    css_class: str = "bar"
    markers: list[Marker] = field(default_factory=list)


def _number(value: float) -> str:
    return f"{value:.1f}"


def _header(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    return [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'role="img" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values spanning [low, high], so labels read as 0, 50, 100 rather than 0, 47.3."""
    span = high - low or 1.0
    raw_step = span / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw_step)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _legend(entries: Sequence[tuple[str, str, str]], swatch: str = "line") -> list[str]:
    """One row of (name, css class, dash) swatches above the plot; a band or lane swatch is a box."""
    parts = ['<g class="legend">']
    x = PLOT_LEFT
    for name, css_class, dash in entries:
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if swatch == "box" or dash == "box":
            parts.append(f'<rect class="{css_class}" x="{x}" y="9" width="28" height="14"/>')
        else:
            parts.append(f'<line class="{css_class}" x1="{x}" y1="16" x2="{x + 28}" y2="16"{dash_attr}/>')
        parts.append(f'<text x="{x + 34}" y="20">{escape(name)}</text>')
        x += 34 + 7 * len(name) + 24
    parts.append("</g>")
    return parts


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_label: str,
    y_format: Format = _number,
    y_floor: float | None = None,
    y_ceiling: float | None = None,
    bands: Sequence[Band] = (),
    time_markers: Sequence[TimeMarker] = (),
    shades: Sequence[Shade] = (),
) -> str:
    """Lines over shared x positions (one per label), y scaled to the data and the given bounds;
    bands are shaded under the lines, shades (half a step wider each side) under everything, time
    markers drawn across the plot."""
    values = [v for s in series for v in s.values if v is not None]
    values += [v for b in bands for v in (*b.lower, *b.upper) if v is not None]
    low = min([*values, *([] if y_floor is None else [y_floor])], default=0.0)
    high = max([*values, *([] if y_ceiling is None else [y_ceiling])], default=1.0)
    ticks = _nice_ticks(low, high)
    low, high = min(low, ticks[0]), max(high, ticks[-1])
    plot_width = WIDTH - PLOT_LEFT - PLOT_RIGHT
    plot_height = LINE_HEIGHT - PLOT_TOP - PLOT_BOTTOM
    count = max(len(x_labels) - 1, 1)

    def x_at(index: int) -> float:
        return PLOT_LEFT + plot_width * index / count

    def y_at(value: float) -> float:
        return PLOT_TOP + plot_height * (1 - (value - low) / ((high - low) or 1.0))

    parts = _header(chart_id, title, desc, LINE_HEIGHT)
    parts += _legend(
        [(s.name, s.css_class, s.dash) for s in series]
        + [(b.name, b.css_class, "box") for b in bands]
        + [(shade.name, shade.css_class, "box") for shade in shades]
    )
    bottom = PLOT_TOP + plot_height
    parts.append('<g class="axis">')
    for tick in ticks:
        y = y_at(tick)
        grid_class = "zero" if tick == 0 and low < 0 else "grid"
        parts.append(
            f'<line class="{grid_class}" x1="{PLOT_LEFT}" y1="{y:.1f}" x2="{WIDTH - PLOT_RIGHT}" '
            f'y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text x="{PLOT_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(y_format(tick))}</text>'
        )
    label_every = max(1, math.ceil(len(x_labels) / 8))  # about eight labels: readable, not crowded
    for index, label in enumerate(x_labels):
        last = index == len(x_labels) - 1
        # a regular label too close to the last one would run into it
        if last or (index % label_every == 0 and len(x_labels) - 1 - index >= label_every / 2):
            x = x_at(index)
            parts.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 4}"/>')
            parts.append(f'<text x="{x:.1f}" y="{bottom + 18}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line x1="{PLOT_LEFT}" y1="{PLOT_TOP}" x2="{PLOT_LEFT}" y2="{bottom}"/>')
    parts.append(f'<line x1="{PLOT_LEFT}" y1="{bottom}" x2="{WIDTH - PLOT_RIGHT}" y2="{bottom}"/>')
    parts.append(
        f'<text class="axis-label" x="14" y="{PLOT_TOP + plot_height / 2:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 14 {PLOT_TOP + plot_height / 2:.1f})">{escape(y_label)}</text>'
    )
    parts.append("</g>")
    half_step = plot_width / count / 2
    for shade in shades:
        for first_index, last_index in shade.ranges:
            x0 = max(PLOT_LEFT, x_at(first_index) - half_step)
            x1 = min(WIDTH - PLOT_RIGHT, x_at(last_index) + half_step)
            parts.append(
                f'<rect class="{shade.css_class}" x="{x0:.1f}" y="{PLOT_TOP}" width="{x1 - x0:.1f}" '
                f'height="{plot_height}"><title>{escape(shade.name)}</title></rect>'
            )
    for band in bands:
        inside = [
            (i, low, high)
            for i, (low, high) in enumerate(zip(band.lower, band.upper, strict=True))
            if low is not None and high is not None
        ]
        edge = [f"{x_at(i):.1f},{y_at(high):.1f}" for i, _, high in inside]
        edge += [f"{x_at(i):.1f},{y_at(low):.1f}" for i, low, _ in reversed(inside)]
        if edge:
            parts.append(f'<polygon class="{band.css_class}" points="{" ".join(edge)}"/>')
    for index, marker in enumerate(time_markers):
        x = x_at(0) + (x_at(1) - x_at(0)) * marker.position
        y = PLOT_TOP + 12 + 14 * (index % 3)  # close markers' labels stagger instead of overprinting
        parts.append(
            f'<g class="change"><line x1="{x:.1f}" y1="{PLOT_TOP}" x2="{x:.1f}" y2="{bottom}" '
            f'stroke="#6a1b9a" stroke-width="1.5" stroke-dasharray="3 3"/>'
            f'<text x="{x + 3:.1f}" y="{y}">{escape(marker.label)}</text></g>'
        )
    for line in series:
        dash_attr = f' stroke-dasharray="{line.dash}"' if line.dash else ""
        for run in _runs(line.values):
            points = " ".join(f"{x_at(i):.1f},{y_at(v):.1f}" for i, v in run)
            if len(run) == 1:  # a lone day between gaps: a dot, or it would vanish
                i, v = run[0]
                parts.append(
                    f'<circle class="{line.css_class} dot" cx="{x_at(i):.1f}" cy="{y_at(v):.1f}" r="2.5"/>'
                )
            else:
                parts.append(f'<polyline class="{line.css_class}" fill="none" points="{points}"{dash_attr}/>')
    parts.append("</svg>")
    return "\n".join(parts)


def _runs(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Consecutive non-None stretches, so a gap in the data is a gap in the line."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


def log_scale(value: float) -> float:
    """log10(1 + v): keeps 0 at 0 and lets a 1x threshold and a 300x burn share one axis."""
    return math.log10(1 + max(value, 0.0))


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    bars: Sequence[Bar],
    x_label: str,
    value_format: Format = _number,
    logarithmic: bool = False,
    x_ceiling: float | None = None,
    tick_format: Format | None = None,
) -> str:
    """Horizontal bars with their values in a column on the right and labelled threshold markers."""
    tick_format = tick_format or value_format
    scale = log_scale if logarithmic else float
    values = [b.value for b in bars if b.value is not None] + [m.value for b in bars for m in b.markers]
    top = max([*values, *([] if x_ceiling is None else [x_ceiling]), 1.0 if logarithmic else 0.0])
    if logarithmic:
        ticks = [0.0] + [10.0**e for e in range(0, math.ceil(math.log10(top)) + 1)]
    else:
        ticks = _nice_ticks(0.0, top or 1.0)
    top_scaled = scale(ticks[-1]) or 1.0
    plot_left = BAR_LABEL_WIDTH
    plot_width = WIDTH - plot_left - 90  # room for the value text right of the longest bar
    height = PLOT_TOP + BAR_ROW * len(bars) + PLOT_BOTTOM

    def x_at(value: float) -> float:
        return plot_left + plot_width * scale(value) / top_scaled

    parts = _header(chart_id, title, desc, height)
    legend = [("value", "bar", "")]
    if any(b.markers for b in bars):
        legend.append(("alert threshold", "threshold", "4 2"))
    parts += _legend(legend)
    bottom = PLOT_TOP + BAR_ROW * len(bars)
    parts.append('<g class="axis">')
    for tick in ticks:
        x = x_at(tick)
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{PLOT_TOP}" x2="{x:.1f}" y2="{bottom}"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{escape(tick_format(tick))}</text>'
        )
    parts.append(f'<line x1="{plot_left}" y1="{PLOT_TOP}" x2="{plot_left}" y2="{bottom}"/>')
    parts.append(
        f'<text class="axis-label" x="{plot_left + plot_width / 2:.1f}" y="{bottom + 38}" '
        f'text-anchor="middle">{escape(x_label)}</text>'
    )
    parts.append("</g>")
    for row, bar in enumerate(bars):
        y = PLOT_TOP + BAR_ROW * row
        parts.append(f'<text x="{plot_left - 8}" y="{y + 17}" text-anchor="end">{escape(bar.label)}</text>')
        if bar.value is None:
            parts.append(f'<text class="no-data" x="{plot_left + 6}" y="{y + 17}">no data</text>')
        else:
            end = x_at(bar.value)
            parts.append(
                f'<rect class="{bar.css_class}" x="{plot_left}" y="{y + 5}" '
                f'width="{max(end - plot_left, 0.5):.1f}" height="{BAR_ROW - 10}"/>'
            )
            # a fixed column, so the text never collides with a threshold mark
            value_x = plot_left + plot_width + 8
            parts.append(f'<text x="{value_x}" y="{y + 17}">{escape(value_format(bar.value))}</text>')
        for marker in bar.markers:
            x = x_at(marker.value)
            parts.append(
                f'<line class="threshold" x1="{x:.1f}" y1="{y + 2}" x2="{x:.1f}" y2="{y + BAR_ROW - 2}" '
                f'stroke-dasharray="4 2"><title>{escape(marker.label)}</title></line>'
            )
    parts.append("</svg>")
    return "\n".join(parts)


TIMELINE_LANE = 30


def timeline_chart(
    chart_id: str,
    title: str,
    desc: str,
    start: float,
    end: float,
    lanes: Sequence[Lane],
    ticks: Sequence[tuple[float, str]],
) -> str:
    """Lanes of spans over [start, end] (epoch seconds), each span a box of at least 2 px so a
    five-minute alert on a 30-day axis still shows; ticks are (epoch seconds, label)."""
    plot_left = BAR_LABEL_WIDTH // 2
    plot_width = WIDTH - plot_left - PLOT_RIGHT
    bottom = PLOT_TOP + TIMELINE_LANE * len(lanes)
    height = bottom + 30

    def x_at(value: float) -> float:
        return plot_left + plot_width * (min(max(value, start), end) - start) / ((end - start) or 1.0)

    parts = _header(chart_id, title, desc, height)
    parts += _legend([(lane.name, lane.css_class, "") for lane in lanes], swatch="box")
    parts.append('<g class="axis">')
    for value, label in ticks:
        x = x_at(value)
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{PLOT_TOP}" x2="{x:.1f}" y2="{bottom}"/>')
        parts.append(f'<text x="{x:.1f}" y="{bottom + 16}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line x1="{plot_left}" y1="{bottom}" x2="{WIDTH - PLOT_RIGHT}" y2="{bottom}"/>')
    parts.append("</g>")
    for row, lane in enumerate(lanes):
        y = PLOT_TOP + TIMELINE_LANE * row
        parts.append(f'<text x="{plot_left - 8}" y="{y + 19}" text-anchor="end">{escape(lane.name)}</text>')
        shown = [span for span in lane.spans if span.end > start and span.start < end]
        if not shown:
            parts.append(f'<text class="no-data" x="{plot_left + 6}" y="{y + 19}">did not fire</text>')
        for span in shown:
            x0, x1 = x_at(span.start), x_at(span.end)
            parts.append(
                f'<rect class="{lane.css_class}" x="{x0:.1f}" y="{y + 6}" width="{max(x1 - x0, 2.0):.1f}" '
                f'height="{TIMELINE_LANE - 12}"><title>{escape(span.label)}</title></rect>'
            )
    parts.append("</svg>")
    return "\n".join(parts)
