"""The run's artifacts as one self-contained HTML page: no scripts, no fonts, no images, no network.

Pure: artifacts in, a string out. Every text from the artifacts goes through `escape`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from html import escape

from reliability import summary
from reliability.artifacts.error_budgets import ErrorBudgets, Forecast, SloBudget, UnjudgedBudget
from reliability.artifacts.figures import SloWindow
from reliability.artifacts.models import Artifact, stage_artifact
from reliability.artifacts.sla_compliance import ActionRecord, SlaCompliance
from reliability.artifacts.sli_metrics import SliMetrics, SloMeasurements
from reliability.artifacts.slo_targets import SloTarget, SloTargets
from reliability.conventions import CURRENT_BURN_WINDOW, Stage
from reliability.render.changes import change_label, change_sentence
from reliability.render.numbers import percent
from reliability.report import adjustments, oncall, svg
from reliability.stages.sla_compliance import slas_covering
from reliability.timefmt import format_rfc3339

TOP_CONSUMERS = 5  # per attribution dimension: enough to see where the budget went
ATTRIBUTION_DIMENSIONS = ("dependency", "component", "status", "day", "hour")

# Cell text -> status class. The text itself is the marker; the colour only repeats it.
_STATUS_CLASSES = {
    "page": "bad",
    "firing": "bad",
    "freeze": "bad",
    "BREACHED": "bad",
    "ticket": "warn",
    "warn": "warn",
    "no_data": "unknown",
    "no data": "unknown",
    "ok": "good",
    "met": "good",
}

OVERVIEW_HEADERS = (
    "Service",
    "SLO",
    "SLI",
    "Objective",
    "Budget left",
    f"Burn ({CURRENT_BURN_WINDOW})",
    f"Exhausts in (at the {CURRENT_BURN_WINDOW} burn)",
    "Forecast (p50 left, chance spent)",
    "Alert",
    "Policy",
    "SLA",
)

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1a1a1a; max-width: 1300px; }
h1 { font-size: 1.6rem; } h2 { margin-top: 2.5rem; border-top: 2px solid #ccc; padding-top: 1rem; }
h1, h2, h3, p, li { overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
.todo { border-left: 6px solid #1f5fa8; background: #eef3fa; padding: 0.5rem 0.75rem; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #bbb; padding: 0.25rem 0.5rem; text-align: left; }
thead th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bad { background: #f8d0d0; font-weight: bold; }
.warn { background: #fbe8b5; }
.good { background: #d6efd6; }
.unknown { background: #dcdcdc; font-style: italic; }
.chart { max-width: 100%; height: auto; font-size: 12px; }
.chart text { fill: #1a1a1a; }
.chart .axis line { stroke: #444; }
.chart .axis line.grid { stroke: #ddd; }
.chart .axis line.zero { stroke: #900; stroke-width: 1.5; }
.chart .axis-label { font-weight: bold; }
.chart polyline, .chart .legend line { stroke-width: 2.5; fill: none; }
.chart .actual { stroke: #1f5fa8; }
.chart circle.actual { fill: #1f5fa8; }
.chart .ideal { stroke: #777; }
.chart .objective { stroke: #b00020; }
.chart .bar { fill: #1f5fa8; stroke: #1f5fa8; }
.chart .bar-firing { fill: #b00020; }
.chart .forecast { fill: #1f5fa8; fill-opacity: 0.18; stroke: none; }
.chart .median { stroke: #1f5fa8; }
.chart .lane-page { fill: #b00020; }
.chart .lane-ticket { fill: #c77800; }
.chart .adjusted, .chart .lane-adjusted { fill: #6b6b6b; fill-opacity: 0.18; stroke: none; }
.chart .threshold { stroke: #000; stroke-width: 2; }
.chart .no-data { font-style: italic; }
nav ul { columns: 2; }
@media (max-width: 700px) {
  body { margin: 0.75rem; }
  nav ul { columns: 1; }
  /* charts keep readable text and scroll sideways; a chart over time opens at its right end,
     the latest hours, so an incident in progress is in view */
  .chart-box { overflow-x: auto; }
  .chart-box.latest-first { direction: rtl; }
  .chart-box > * { direction: ltr; }
  .chart-box .chart { min-width: 560px; }
  /* the overview as one card per SLO, each cell named by its column */
  table.overview thead { display: none; }
  table.overview caption { display: block; text-align: left; }
  table.overview, table.overview tbody, table.overview tr { display: block; }
  table.overview tr { border: 1px solid #bbb; margin-bottom: 0.5rem; }
  table.overview td, table.overview th { display: flex; justify-content: space-between; gap: 1rem;
    border: none; border-bottom: 1px solid #eee; text-align: right; }
  table.overview td::before, table.overview th::before { font-weight: bold; text-align: left; }
  OVERVIEW_LABELS
}
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  nav { display: none; }
  section.slo { break-before: page; }
  table, svg { break-inside: avoid; }
  .bad, .warn, .good, .unknown { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


# On a phone each overview cell is named by its column, from the same headers as the table.
STYLE = STYLE.replace(
    "OVERVIEW_LABELS",
    "\n  ".join(
        f'table.overview tr > :nth-child({n})::before {{ content: "{name}"; }}'
        for n, name in enumerate(OVERVIEW_HEADERS, start=1)
    ),
)

_SLA_MARKERS = {"breached": "BREACHED", "met": "met", "no_data": "no_data"}


def _status_class(text: str) -> str:
    if text.startswith(("EXHAUSTED", "BREACHED")):
        return "bad"
    return _STATUS_CLASSES.get(text, "")


def _anchor(slo_id: str) -> str:
    return "slo-" + "".join(c if c.isalnum() else "-" for c in slo_id)


def _table(
    caption: str, headers: Sequence[str], rows: Sequence[Sequence[str]], row_header: bool = True
) -> str:
    """A semantic table: column headers scoped to columns, the first cell of a row to its row."""
    parts = [f'<div class="scroll"><table><caption>{escape(caption)}</caption><thead><tr>']
    parts += [f'<th scope="col">{escape(h)}</th>' for h in headers]
    parts.append("</tr></thead><tbody>")
    for row in rows:
        parts.append("<tr>")
        for index, cell in enumerate(row):
            css = _status_class(cell)
            css_attr = f' class="{css}"' if css else ""
            if index == 0 and row_header:
                parts.append(f'<th scope="row"{css_attr}>{escape(cell)}</th>')
            else:
                parts.append(f"<td{css_attr}>{escape(cell)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _overview(budgets: ErrorBudgets, artifacts: Mapping[Stage, Artifact]) -> str:
    headers = OVERVIEW_HEADERS
    parts = [
        '<div class="scroll"><table class="overview"><caption>Every SLO at the evaluation time</caption>'
        "<thead><tr>",
        *[f'<th scope="col">{escape(h)}</th>' for h in headers],
        "</tr></thead><tbody>",
    ]
    for entry, row in zip(budgets.slos, summary.rows(artifacts), strict=True):
        cells = [
            row.service,
            row.slo,
            row.sli,
            row.objective,
            row.budget_remaining,
            row.burn_rate,
            row.exhausts_in,
            row.forecast,
            row.alert,
            row.policy,
            row.sla,
        ]
        parts.append(f"<tr><td>{escape(cells[0])}</td>")
        parts.append(f'<th scope="row"><a href="#{_anchor(entry.slo)}">{escape(cells[1])}</a></th>')
        for cell in cells[2:]:
            css = _status_class(cell)
            css_attr = f' class="{css}"' if css else ""
            parts.append(f"<td{css_attr}>{escape(cell)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _window_days(window: SloWindow) -> list[date]:
    """Every UTC day from the window's start to its period end, future days of a calendar window too."""
    first = window.start.date()
    last = (window.period_end - timedelta(seconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _burn_down(entry: SloBudget, sli_slo: SloMeasurements, chart_id: str) -> str:
    """Budget left at the end of each day against the ideal: spent evenly over the period."""
    budget = entry.budget
    allowed = float(budget.allowed_events)
    window = sli_slo.window
    start, period_end, evaluated = window.start, window.period_end, window.end
    bad_by_day = {d.date: float(d.figures.bad) for d in sli_slo.daily}
    days = _window_days(window)
    forecast = entry.forecast
    if isinstance(forecast, Forecast) and forecast.horizon_end is not None:  # room for the forecast
        while days[-1] < forecast.horizon_end.date():
            days.append(days[-1] + timedelta(days=1))
    exact = entry.budgeting.method == "occurrences" and sli_slo.composite is None
    if exact:  # events add up: the partial first day holds what the later days do not
        later = sum(bad_by_day.get(d, 0.0) for d in days[1:])
        bad_by_day[days[0]] = max(0.0, float(budget.consumed_events) - later)
    ideal: list[float | None] = []
    actual: list[float | None] = []
    spent = 0.0
    for day in days:
        day_end = min(datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1), period_end)
        elapsed = (day_end - start).total_seconds() / window.period_seconds
        in_period = datetime(day.year, day.month, day.day, tzinfo=UTC) < period_end
        ideal.append(allowed * (1 - min(max(elapsed, 0.0), 1.0)) if in_period else None)
        if day_end - timedelta(days=1) >= evaluated:  # a day that has not begun yet
            actual.append(None)
            continue
        spent += bad_by_day.get(day, 0.0)
        actual.append(allowed - spent)
    unit = "bad slices" if entry.budgeting.method == "timeslices" else "bad events"
    desc = (
        f"Error budget of {entry.slo} over its {entry.window} window, {days[0]} to {days[-1]}: "
        f"{allowed:,.1f} {unit} allowed; {budget.remaining_events:,.1f} left at the evaluation time "
        f"({percent(budget.remaining_ratio, 1)})."
        + ("" if exact else " From daily totals: a partial first day counts whole.")
    )
    band, median = oncall.forecast_band(entry, days, evaluated.date())
    if band is not None:
        desc += " " + oncall.band_description(entry)
    return svg.line_chart(
        chart_id,
        f"Error budget burn-down: {entry.slo}",
        desc,
        [d.isoformat()[5:] for d in days],
        [
            svg.Series("budget left", actual, "actual"),
            svg.Series("ideal (even spend)", ideal, "ideal", dash="6 4"),
            *([svg.Series("forecast median", median, "median", dash="2 3")] if band else []),
        ],
        f"budget left ({unit})",
        lambda v: f"{v:,.0f}",
        y_floor=0.0,
        bands=[band] if band else [],
        time_markers=_change_markers(entry, days[0]),
    )


def _change_markers(entry: SloBudget, first_day: date) -> list[svg.TimeMarker]:
    """A day's x position is its end: a change's position counts days from the end of the first."""
    first_end = datetime(first_day.year, first_day.month, first_day.day, tzinfo=UTC) + timedelta(days=1)
    return [
        svg.TimeMarker(
            max(0.0, (c.time - first_end).total_seconds() / 86400),
            change_label(c.kind, c.version, c.description),
        )
        for c in entry.changes or ()
    ]


def _changes(entry: SloBudget) -> str:
    if not entry.changes:
        return "<p>No change events of this service in the window.</p>"
    unit = "events" if entry.budgeting.method == "occurrences" else "slices"
    lines = "".join(f"<li>{escape(change_sentence(c, unit))}</li>" for c in entry.changes)
    return f'<ul class="changes">{lines}</ul>'


def _sli_per_day(entry: SloBudget, sli_slo: SloMeasurements, chart_id: str) -> str:
    objective = entry.objective_percent
    window = sli_slo.window
    first, last = window.start.date(), window.end.date()
    daily = [d for d in sli_slo.daily if first <= d.date <= last]
    if not daily:
        return "<p>No daily SLI in the window.</p>"
    values = [None if d.figures.ratio is None else d.figures.ratio * 100 for d in daily]
    series = [svg.Series("SLI per day", values, "actual")]
    if objective is not None:
        series.append(
            svg.Series(f"objective {objective:g}%", [objective] * len(daily), "objective", dash="6 4")
        )
    measured = [v for v in values if v is not None]
    worst = min(measured) if measured else None
    desc = (
        f"Daily SLI of {entry.slo} from {daily[0].date} to {daily[-1].date}"
        + (f" against the objective {objective:g}%" if objective is not None else "")
        + (f"; lowest day {worst:.3f}%" if worst is not None else "; no data")
        + f"; {sum(v is None for v in values)} day(s) without data, shown as gaps."
    )
    return svg.line_chart(
        chart_id,
        f"SLI per day: {entry.slo}",
        desc,
        [d.date.isoformat()[5:] for d in daily],
        series,
        "SLI (% good)",
        lambda v: f"{v:.2f}%",
        y_ceiling=100.0,
        shades=adjustments.shade(sli_slo, adjustments.day_starts([d.date for d in daily]), timedelta(days=1)),
    )


def _burn_rates(entry: SloBudget, chart_id: str) -> str:
    """Each window's burn rate with the alert factors it is compared with (long and short window)."""
    thresholds: dict[str, list[svg.Marker]] = {}
    firing_windows: set[str] = set()
    for pair in entry.alert.pairs:
        for window in (pair.long_window, pair.short_window):
            label = f"{pair.severity} {pair.long_window}/{pair.short_window}: {pair.factor:g}x"
            thresholds.setdefault(window, []).append(svg.Marker(pair.factor, label))
            if pair.status == "firing":
                firing_windows.add(window)
    bars = [
        svg.Bar(
            rate.window,
            rate.burn_rate,
            "bar-firing" if rate.window in firing_windows else "bar",
            thresholds.get(rate.window, []),
        )
        for rate in entry.burn_rates
    ]
    described = ", ".join(
        f"{r.window} {'no data' if r.burn_rate is None else format(r.burn_rate, '.2f') + 'x'}"
        for r in entry.burn_rates
    )
    chart = svg.bar_chart(
        chart_id,
        f"Burn rate per window: {entry.slo}",
        f"Burn rates of {entry.slo} (1x spends the budget exactly over the window): {described}. "
        "Dashed marks: the alert factor each window is compared with.",
        bars,
        "burn rate (x budget rate, log scale)",
        lambda v: f"{v:.2f}x",
        logarithmic=True,
        tick_format=lambda v: f"{v:g}x",
    )
    rows = [
        [
            f"{p.severity} {p.long_window}/{p.short_window}",
            f"{p.factor:g}x",
            _burn_text(p.long_burn_rate),
            _burn_text(p.short_burn_rate),
            p.status,  # firing / ok / no_data: the artifact's words, as run and gate print them
        ]
        for p in entry.alert.pairs
    ]
    table = _table(
        "Alert pairs: both windows above the factor fire the alert",
        ["pair", "factor", "long window burn", "short window burn", "status"],
        rows,
    )
    return chart + table


def _burn_text(rate: float | None) -> str:
    return "no data" if rate is None else f"{rate:.2f}x"


def _fired(entry: SloBudget, actions: Sequence[ActionRecord]) -> str:
    fired = [p for p in entry.alert.pairs if p.status == "firing"]
    items = [
        f"{p.severity}: {p.long_window} burn {_burn_text(p.long_burn_rate)} and "
        f"{p.short_window} burn {_burn_text(p.short_burn_rate)} above {p.factor:g}x"
        for p in fired
    ]
    items += [
        f"hook {a.hook} ({a.trigger}): {a.status.replace('_', ' ')}"
        for a in actions
        if a.subject == entry.slo
    ]
    if not items:
        return "<p>No alert fired.</p>"
    return "<ul>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def _sla(entry: SloBudget, sla: SlaCompliance | None) -> str:
    matching = slas_covering(sla, entry.service, entry.component, entry.sli)
    if not matching:
        return "<p>No SLA covers this SLO.</p>"
    parts = []
    for item in matching:
        tiers = ", ".join(f"below {c.below_percent:g}%: {c.credit_percent:g}% credit" for c in item.credits)
        status = _SLA_MARKERS.get(item.status, item.status)
        parts.append(
            f"<p>SLA <strong>{escape(item.sla)}</strong>: target {item.target_percent:g}%, "
            f'status <span class="{_status_class(status)}">{escape(status)}</span>. '
            f"Credit tiers: {escape(tiers or 'none')}.</p>"
        )
        rows = [
            [
                f"{p.month}" + ("" if p.complete else " (so far)"),
                "no data" if p.attained_percent is None else f"{p.attained_percent:.3f}%",
                f"{p.days_with_data} of {p.days_in_period}",
                "BREACHED" if p.breached else ("no_data" if p.no_data else "met"),
                f"{p.credit_percent:g}%" if p.credit_percent else "none",
            ]
            for p in item.periods
        ]
        parts.append(
            _table(
                f"SLA {item.sla} by month",
                ["month", "attained", "days with data", "status", "credit"],
                rows,
            )
        )
    return "".join(parts)


def _consumers(entry: SloBudget) -> str:
    attribution = entry.attribution
    if not attribution:
        return "<p>Nothing attributed (time-slice budgets and SLOs without bad events have no breakdown).</p>"
    parts = []
    for dimension in ATTRIBUTION_DIMENSIONS:
        if dimension not in attribution:
            continue
        shares = attribution[dimension].shares[:TOP_CONSUMERS]
        rows = [[str(s.key), f"{s.bad:,.4g}", f"{s.share:.1%}"] for s in shares]
        headers = [dimension, "bad", "share of budget spent"]
        parts.append(_table(f"Top budget consumers by {dimension}", headers, rows))
    return "".join(parts)


def _objective(target: SloTarget) -> str:
    """Why this objective: the rationale, and for `auto` the backtest of every ladder step."""
    parts = [f"<p>{escape(target.rationale)}</p>"]
    replay = target.backtest
    if replay:
        rows = [
            [
                f"{c.objective_percent:g}%",
                "kept" if c.qualified else "not kept",
                "-" if c.met_share is None else f"{round(c.met_share * c.period_ends)} of {c.period_ends}",
                percent(c.lowest_budget_left, 1),
                str(c.pages),
                str(c.tickets),
                c.reason,
            ]
            for c in replay.candidates
        ]
        headers = [
            "objective",
            "backtest",
            "period ends met",
            "lowest budget left",
            "pages",
            "tickets",
            "why",
        ]
        parts.append(_table(f"Backtest of the objective ladder ({replay.window_set} alerts)", headers, rows))
    return "".join(parts)


def _chart_box(html: str, latest_first: bool = True) -> str:
    """A chart (and what follows it) in a box that scrolls sideways on a narrow screen, not the page;
    a chart over time opens there at its latest end."""
    css = "chart-box latest-first" if latest_first else "chart-box"
    return f'<div class="{css}">{html}</div>'


def _slo_section(
    entry: SloBudget | UnjudgedBudget,
    sli: SliMetrics,
    targets: SloTargets,
    sla: SlaCompliance | None,
) -> str:
    sli_slo = sli.slo(entry.slo)
    slo_id = entry.slo
    anchor = _anchor(slo_id)
    policy = entry.policy if isinstance(entry, SloBudget) else None
    head = (
        f'<section class="slo" id="{anchor}" aria-labelledby="{anchor}-h">'
        f'<h2 id="{anchor}-h">{escape(slo_id)}</h2>'
        f"<p>SLI {escape(entry.sli or 'composite')} over the {escape(entry.window)} window "
        f"({escape(sli_slo.window.description)}); "
        f"policy <strong>{escape(policy.state if policy else 'no_data')}</strong>"
        f"{': ' + escape(policy.reason) if policy and policy.reason else ''}.</p>"
    )
    if not isinstance(entry, SloBudget):
        return head + "<p>No objective: nothing to chart.</p></section>"
    return "".join(
        [
            head,
            oncall.what_to_do(entry),
            "<h3>How soon</h3>",
            oncall.how_soon(entry, sli),
            "<h3>Objective</h3>",
            _objective(targets.slo(slo_id)),
            adjustments.table(sli_slo),
            "<h3>Error budget burn-down</h3>",
            _chart_box(_burn_down(entry, sli_slo, f"{anchor}-burn-down")),
            "<h3>SLI per hour, recent</h3>",
            _chart_box(oncall.recent_hours(entry, sli_slo, f"{anchor}-hourly")),
            "<h3>SLI per day</h3>",
            _chart_box(_sli_per_day(entry, sli_slo, f"{anchor}-sli")),
            "<h3>Burn rates and alert thresholds</h3>",
            _chart_box(_burn_rates(entry, f"{anchor}-burn-rates"), latest_first=False),
            "<h3>Alert timeline</h3>",
            _chart_box(oncall.alert_timeline(entry, f"{anchor}-alerts", adjustments.spans(sli_slo))),
            "<h3>Alerts firing now</h3>",
            _fired(entry, sla.actions if sla else ()),
            "<h3>SLA</h3>",
            _sla(entry, sla),
            "<h3>Top budget consumers</h3>",
            _consumers(entry),
            *(["<h3>Changes</h3>", _changes(entry)] if entry.changes is not None else []),
            "</section>",
        ]
    )


def render(artifacts: Mapping[Stage, Artifact]) -> str:
    """The whole report page for one run's artifacts (SLI, targets and budgets needed; SLA optional)."""
    sli = stage_artifact(artifacts, Stage.SLI, SliMetrics)
    targets = stage_artifact(artifacts, Stage.TARGETS, SloTargets)
    budgets = stage_artifact(artifacts, Stage.BUDGETS, ErrorBudgets)
    if sli is None or targets is None or budgets is None:
        raise ValueError("the report needs the SLI, targets and budgets artifacts")
    sla = stage_artifact(artifacts, Stage.SLA, SlaCompliance)
    evaluated_at = format_rfc3339(budgets.header.evaluated_at)
    nav = "".join(f'<li><a href="#{_anchor(e.slo)}">{escape(e.slo)}</a></li>' for e in budgets.slos)
    notes = "".join(f"<li>{escape(line)}</li>" for line in summary.notes(artifacts))
    sections = "".join(_slo_section(e, sli, targets, sla) for e in budgets.slos)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Reliability report, {escape(evaluated_at)}</title>"
        f"<style>{STYLE}</style></head><body>"
        f"<header><h1>Reliability report</h1><p>Evaluated at {escape(evaluated_at)}, "
        f"run {escape(budgets.header.run_id)}.</p></header>"
        "<main><h2>Overview</h2>"
        f"{_overview(budgets, artifacts)}"
        f"<h2>Notes</h2><ul>{notes}</ul>"
        f'<nav aria-label="SLOs"><h2>SLOs</h2><ul>{nav}</ul></nav>'
        f"{sections}</main></body></html>\n"
    )
